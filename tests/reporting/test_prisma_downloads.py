"""PRISMA downloads as files (issues #16 and #17): the PNG says it is 300 dpi, the PRISMA2020
CSV guards formula cells like every other download, and the database list is alphabetical
as a reader expects (CareData before COPAC), in the diagram and every file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from PIL import Image

from lib.spreadsheet import needs_guard
from reporting import rendering
from reviews import services
from reviews.models import SourceType

pytestmark = pytest.mark.django_db


@pytest.fixture
def databases(review):
    """Three databases whose names sort differently with and without case; one a formula."""
    for name, n in (("COPAC", 12), ("CareData", 173), ("assia", 25), ("=1+2", 4)):
        source = services.source_create(review=review, name=name,
                                        source_type=SourceType.DATABASE)  # fmt: skip
        services.search_create(source=source, label="Main", records_reported=n)
    return review


def _get(client, review, fmt) -> bytes:
    response = client.get(reverse("reporting:prisma_download", args=[review.slug, fmt]))
    assert response.status_code == 200, response.status_code
    return response.content


@pytest.mark.slow  # renders a figure (matplotlib): .ci/run's PostgreSQL pass
def test_the_png_carries_300_dpi(client, lead, databases):
    client.force_login(lead)
    image = Image.open(io.BytesIO(_get(client, databases, "png")))
    image.load()  # a broken chunk would fail here
    assert (
        tuple(round(d) for d in image.info["dpi"]) == (rendering.DPI, rendering.DPI) == (300, 300)
    )


def test_png_with_dpi_replaces_an_existing_phys_chunk():
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), "white").save(buffer, "PNG", dpi=(72, 72))
    image = Image.open(io.BytesIO(rendering.png_with_dpi(buffer.getvalue(), 600)))
    image.load()
    assert tuple(round(d) for d in image.info["dpi"]) == (600, 600) and image.size == (3, 2)


def test_the_prisma2020_csv_guards_formula_cells(client, lead, databases):
    client.force_login(lead)
    rows = list(csv.reader(io.StringIO(_get(client, databases, "csv").decode(), newline="")))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if needs_guard(c)], "a cell a spreadsheet would evaluate"
    specific = next(r for r in rows if r[0] == "database_specific_results")
    assert specific[-1].startswith("'=1+2, 4;")


def test_databases_are_listed_alphabetically_whatever_their_case(client, lead, databases):
    client.force_login(lead)
    want = ["=1+2", "assia", "CareData", "COPAC"]
    diagram = rendering.diagram(databases)
    assert [line.label for line in diagram.flow.databases] == want
    body = json.loads(_get(client, databases, "json"))
    assert [d["label"] for d in body["database_specific_results"]] == want
    svg = _get(client, databases, "svg").decode()
    positions = [svg.index(f">  {name} (n =") for name in ("assia", "CareData", "COPAC")]
    assert positions == sorted(positions)
    rows = list(csv.reader(io.StringIO(_get(client, databases, "csv").decode(), newline="")))
    specific = next(r for r in rows if r[0] == "database_specific_results")[-1]
    assert specific == "'=1+2, 4; assia, 25; CareData, 173; COPAC, 12"


# --- a failing check shows on the figure, not only in a footnote (walk defect) -------------

DRAFT = "Draft: 1 check fails (C04: 1 error)"


def _red_rows(png: bytes) -> int:
    """Rows of the image's top eighth holding the banner's red (#b00020)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = image.size
    pixels = image.load()
    return sum(
        1
        for y in range(h // 8)
        if any(
            abs(r - 0xB0) < 12 and g < 24 and abs(b - 0x20) < 16
            for r, g, b in (pixels[x, y] for x in range(0, w, 4))
        )
    )


def test_a_failing_check_puts_a_draft_banner_on_every_figure(client, lead, review, records):
    from pypdf import PdfReader

    from reporting import services as reporting_services

    # Nothing screened yet: C07 warns (reports sought 0, 6 records left); explained, it passes.
    reporting_services.prisma_note_set(review=review, check_id="C07",
                                       note="Screening has not started", user=lead)  # fmt: skip
    client.force_login(lead)
    clean = {fmt: _get(client, review, fmt) for fmt in ("svg", "png", "pdf")}
    assert rendering.diagram(review).failing == []
    assert "Draft" not in clean["svg"].decode() and _red_rows(clean["png"]) == 0
    # 6 identified - 40 duplicates != 6 screened: C04 fails.
    reporting_services.prisma_override_set(review=review, field="duplicates", state="reported",
                                           value=40, note="Removed in EndNote", user=lead)  # fmt: skip
    assert [f.check for f in rendering.diagram(review).errors] == ["C04"]
    svg = _get(client, review, "svg").decode()
    assert DRAFT in svg and "do not publish" in svg
    # At the top: the banner comes before the first box.
    assert svg.index(DRAFT) < svg.index("Identification of studies via databases")
    assert _red_rows(_get(client, review, "png")) > 10
    text = " ".join(
        PdfReader(io.BytesIO(_get(client, review, "pdf"))).pages[0].extract_text().split()
    )
    assert DRAFT in text
    # Fixed again: the figure is as before, byte for byte in the SVG.
    reporting_services.prisma_override_clear(review=review, field="duplicates")
    assert _get(client, review, "svg") == clean["svg"]


def test_an_unexplained_warning_is_a_draft_until_the_lead_explains_it(
    client, review, records, lead
):
    from reporting import services as reporting_services

    # Six records, none screened: reports sought 0 against 6 records left (C07 warns).
    diagram = rendering.diagram(review)
    assert not diagram.errors and [f.check for f in diagram.failing] == ["C07"]
    assert "Draft: 1 check fails (C07: 1 warning not explained)" in rendering.svg(
        review, diagram, standalone=True
    )
    client.force_login(lead)
    page = client.get(reverse("reporting:prisma", args=[review.slug])).text
    assert 'id="draft"' in page and "1 warning not explained" in page
    reporting_services.prisma_note_set(review=review, check_id="C07",
                                       note="Screening has not started", user=lead)  # fmt: skip
    diagram = rendering.diagram(review)
    assert diagram.failing == [] and "Draft" not in rendering.svg(review, diagram, standalone=True)
