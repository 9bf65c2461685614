"""The PRISMA diagram with sources named in any script (issue #17): every line wraps inside
its box (an ideograph is a full em), and the PNG and PDF draw real glyphs, never the empty
boxes cairo drew when a run's font lacked them. Skips without the Noto fonts."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from defusedxml import ElementTree
from PIL import Image, ImageChops
from pypdf import PdfReader

from lib import fonts
from lib.prisma.layout import FONT, TEXT_W
from reporting import rendering
from reviews import services
from reviews.models import SourceType
from tests.lib.test_fonts import needs_noto

pytestmark = [pytest.mark.django_db, needs_noto]
NAMES = ["中文社会科学引文索引 (CSSCI) 数据库与中国知网期刊全文数据库检索平台和万方数据知识服务平台", "医中誌Web 日本語の文献データベース",
         "한국학술지인용색인 데이터베이스", "Научная электронная библиотека eLIBRARY.RU",
         "ฐานข้อมูลวิทยานิพนธ์ไทย", "हिन्दी शोध डेटाबेस", "CareData"]  # fmt: skip


def _review_with(review, names):
    for n, name in enumerate(names, 1):
        source = services.source_create(review=review, name=name, source_type=SourceType.DATABASE)
        services.search_create(source=source, label="Main", records_reported=n)
    return rendering.diagram(review)


def test_every_line_fits_its_box_whatever_the_script(review):
    diagram = _review_with(review, NAMES)
    for box in diagram.layout.boxes:
        if box.title:
            continue
        for line in box.lines:
            assert fonts.width(line, FONT) <= TEXT_W, (box.key, line)
            wide = sum(unicodedata.east_asian_width(c) in "WF" for c in line)
            assert wide * FONT <= TEXT_W, (box.key, line)  # a bound any CJK font respects
    identified = " ".join(diagram.layout.box("records_identified").lines)
    assert "中国知网期刊全文数据库" in identified.replace(" ", "")


def _family_draws(family: str, text: str) -> bool:
    for ch in text:
        if ch.isspace():
            continue
        font = fonts.font_for(ch)
        assert font is not None, ch
        drawn = font.family
        if not (drawn == family or (drawn.startswith("Noto Sans CJK")
                                    and family.startswith("Noto Sans CJK"))):  # fmt: skip
            return False
    return True


def test_the_png_and_pdf_name_a_drawing_font_for_every_run(review):
    diagram = _review_with(review, NAMES)
    raster = rendering.svg(review, diagram, standalone=True, raster=True)
    root = ElementTree.fromstring(raster.encode())
    texts = [t for t in root.iter() if t.tag.endswith("text") and t.text]
    assert len(texts) > 20
    root_family = root.get("font-family")
    for t in texts:
        family = t.get("font-family") or root_family
        assert _family_draws(family, t.text), (family, t.text)
    pdf = PdfReader(io.BytesIO(rendering.export(review, diagram, "pdf")[0]))
    embedded = {str(f.get_object()["/BaseFont"]) for p in pdf.pages
                for f in p["/Resources"]["/Font"].values()}  # fmt: skip
    assert any(re.search(r"NotoSansCJK", name) for name in embedded), embedded
    assert "中国知网期刊全文数据库" in pdf.pages[0].extract_text().replace("\n", "")


def _identification_box(png: bytes, layout) -> Image.Image:
    box = layout.box("records_identified")
    scale = rendering.DPI / 96
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.crop(tuple(int(v * scale) for v in (box.x, box.y, box.x + box.w, box.y + box.h)))


def test_the_png_draws_glyphs_not_empty_boxes(review, django_user_model, lead):
    """Two diagrams differing only in one ideograph of a source's name: with real glyphs the
    pictures differ; with missing-glyph boxes (the plain SVG through cairo, as before) they
    are the same picture, which is how the bug looked."""
    from reviews.services import review_create

    other = review_create(user=lead, title="Other")
    first, second = _review_with(review, ["王数据库"]), _review_with(other, ["李数据库"])

    def png(r, d, raster):
        import cairosvg

        text = rendering.svg(r, d, standalone=True, raster=raster)
        return cairosvg.svg2png(bytestring=text.encode(), dpi=rendering.DPI,
                                scale=rendering.DPI / 96)  # fmt: skip

    def differ(raster):
        a = _identification_box(png(review, first, raster), first.layout)
        b = _identification_box(png(other, second, raster), second.layout)
        return ImageChops.difference(a, b).getbbox() is not None

    assert not differ(raster=False), "control: Helvetica draws both as empty boxes"
    assert differ(raster=True)
    served = _identification_box(rendering.export(review, first, "png")[0], first.layout)
    assert ImageChops.difference(served, _identification_box(png(review, first, True),
                                                             first.layout)).getbbox() is None  # fmt: skip
