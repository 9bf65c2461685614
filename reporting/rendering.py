"""The diagram's outputs from one flow: the SVG (a template, so text is escaped by Django),
PNG and PDF converted from that SVG with cairosvg, the PRISMA2020 CSV and JSON."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lib.prisma import (
    Finding,
    Flow,
    Layout,
    check,
    csv_rows,
    errors,
    failing,
    layout,
    paragraph,
)
from lib.prisma.layout import failing_words
from lib.spreadsheet import csv_bytes
from reporting.selectors import prisma_flow
from reviews.models import Review

FORMATS = ("svg", "png", "pdf", "csv", "json")
DPI = 300  # journal resolution for the PNG
CONTENT_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


class ExportBlocked(Exception):
    """The PRISMA2020 CSV cannot hold the diagram (C22)."""


@dataclass
class Diagram:
    flow: Flow
    findings: list[Finding]
    layout: Layout
    paragraph: str

    @property
    def errors(self) -> list[Finding]:
        return errors(self.findings)

    @property
    def failing(self) -> list[Finding]:
        """Errors and unexplained warnings: the figure says it is a draft while any is left."""
        return failing(self.findings)

    @property
    def failing_words(self) -> str:
        """'1 error, 1 warning not explained', as the figure's draft banner says it."""
        return failing_words([f for f in self.failing if f.check != "C22"])

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def rows(self) -> list[dict]:
        """Every field with its value and state, for the page's table."""
        from lib.prisma import FIELDS

        return [
            {"key": key, "label": FIELDS[key][0], "count": count}
            for key, count in self.flow.fields.items()
            if key in FIELDS
        ]


def diagram(review: Review, *, for_csv: bool = False) -> Diagram:
    flow = prisma_flow(review)
    findings = check(flow, for_csv=for_csv)
    # The figure itself says it is a draft while a check fails (a footnote was missed): the
    # C22 CSV check is not about the figure.
    shown = [f for f in failing(findings) if f.check != "C22"]
    return Diagram(flow, findings, layout(flow, shown), paragraph(flow))


def _links(review: Review) -> dict[str, str]:
    slug = review.slug
    box = {
        key: reverse("reporting:prisma_box", args=[slug, key])
        for key in (
            "records_screened", "records_excluded", "dbr_sought", "dbr_not_retrieved",
            "dbr_assessed", "dbr_excluded", "other_sought", "other_not_retrieved",
            "other_assessed", "other_excluded", "included",
        )
    }  # fmt: skip
    box["records_identified"] = reverse("reviews:sources", args=[slug])
    box["other_identified"] = reverse("reviews:sources", args=[slug])
    box["removed"] = reverse("reviews:dedup", args=[slug])
    return box


def svg(review: Review, diagram: Diagram, *, standalone: bool = False, raster=False) -> str:
    """The diagram as SVG. `raster`: for cairosvg (PNG, PDF), which draws a text element in
    the first font named and has no per-glyph fallback: every run of text gets a font that
    has its glyphs, placed by its measured width (lib.fonts), so any script renders."""
    links = _links(review) if not standalone else {}
    for b in diagram.layout.boxes:
        b.href = links.get(b.key, "")
    return render_to_string(
        "reporting/prisma.svg",
        {"layout": diagram.layout, "standalone": standalone, "review": review, "raster": raster},
    )


def export(review: Review, diagram: Diagram, fmt: str) -> tuple[bytes, str]:
    if fmt == "json":
        body = {
            "review": review.slug,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            **diagram.flow.as_dict(),
            "checks": [f.as_dict() for f in diagram.findings],
            "paragraph_16a": diagram.paragraph,
        }
        return json.dumps(body, indent=2, ensure_ascii=False).encode(), CONTENT_TYPES[fmt]
    if fmt == "csv":
        blocked = [f for f in diagram.findings if f.check == "C22"]
        if blocked:
            raise ExportBlocked(" ".join(f.message for f in blocked))
        # The same formula guard as every other download (lib.spreadsheet): a source or
        # reason label starting with "=" must not run when the file is opened.
        return csv_bytes(csv_rows(diagram.flow)), CONTENT_TYPES[fmt]
    if fmt == "svg":
        return svg(review, diagram, standalone=True).encode(), CONTENT_TYPES[fmt]
    text = svg(review, diagram, standalone=True, raster=True)
    import cairosvg  # imported here: only PNG and PDF need the Cairo library

    if fmt == "png":
        png = cairosvg.svg2png(bytestring=text.encode(), dpi=DPI, scale=DPI / 96)
        return png_with_dpi(png, DPI), CONTENT_TYPES[fmt]
    return cairosvg.svg2pdf(bytestring=text.encode()), CONTENT_TYPES[fmt]


def png_with_dpi(png: bytes, dpi: int) -> bytes:
    """The PNG with a pHYs chunk saying `dpi` (cairosvg writes none, so journals' checks and
    image programs took the 300 dpi diagram for 72 dpi). Inserted after IHDR, replacing any
    pHYs already there; the pixels are not re-encoded."""
    signature, rest = png[:8], png[8:]
    chunks, offset = [], 0
    while offset < len(rest):
        (length,) = struct.unpack(">I", rest[offset : offset + 4])
        kind = rest[offset + 4 : offset + 8]
        end = offset + 12 + length
        if kind != b"pHYs":
            chunks.append((kind, rest[offset:end]))
        offset = end
    per_metre = round(dpi / 0.0254)
    body = struct.pack(">IIB", per_metre, per_metre, 1)  # unit 1: metre
    phys = struct.pack(">I", len(body)) + b"pHYs" + body
    phys += struct.pack(">I", zlib.crc32(b"pHYs" + body) & 0xFFFFFFFF)
    out = [signature]
    for kind, chunk in chunks:
        out.append(chunk)
        if kind == b"IHDR":
            out.append(phys)
    return b"".join(out)
