"""lib.fonts: every script a source or study label can hold is drawn by a font that has its
glyphs, measured by that font's widths and wrapped inside its box (issue #17: CJK came out
as empty boxes in the PRISMA PNG/PDF and the traffic-light figure, and overflowed the SVG's
boxes). Tests that need the Noto fonts skip, saying which package to install."""

from __future__ import annotations

import io
import warnings

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from lib import fonts
from lib.appraisal import figures
from tests.hypothesis_budget import examples

SAMPLES = {
    "Chinese": "中国知网期刊全文数据库", "Japanese": "医中誌Web 日本語の文献データベース",
    "Korean": "한국학술지인용색인", "Greek": "Ελληνική βάση", "Cyrillic": "Научная электронная",
    "Arabic": "قاعدة بيانات عربية", "Hebrew": "מאגר מידע", "Devanagari": "हिन्दी डेटाबेस",
    "Thai": "ฐานข้อมูลภาษาไทย", "Latin": "Ça a été Łódź Ærø",
}  # fmt: skip


def _noto_missing() -> str:
    if fonts.font_for("中") in (None, fonts.primary()):
        return "Noto CJK is not installed (apt-get install fonts-noto-cjk)"
    if fonts.font_for("ก") in (None, fonts.primary()):
        return "Noto Sans Thai is not installed (apt-get install fonts-noto-core)"
    return ""


needs_noto = pytest.mark.skipif(bool(_noto_missing()), reason=_noto_missing() or "-")


@needs_noto
@pytest.mark.parametrize("script", SAMPLES)
def test_every_run_is_in_a_font_that_has_its_glyphs(script):
    text = SAMPLES[script]
    assert "".join(piece for piece, _ in fonts.runs(text)) == text
    for ch in text:
        font = fonts.font_for(ch)
        assert font is not None, f"{script}: no installed font draws {ch!r}"
        assert ord(ch) in fonts._metrics(font)[0] or ch.isspace()


@needs_noto
def test_runs_name_the_font_family_cairo_asks_fontconfig_for():
    assert fonts.runs("Smith 王 2003") == [("Smith ", "DejaVu Sans"), ("王 ", "Noto Sans CJK SC"),
                                          ("2003", "DejaVu Sans")]  # fmt: skip
    assert fonts.runs("日本語のラベル")[0][1] == "Noto Sans CJK JP"
    assert fonts.runs("한국")[0][1] == "Noto Sans CJK KR"
    assert fonts.runs("ฐาน")[0][1] == "Noto Sans Thai"


@needs_noto
def test_an_ideograph_is_measured_as_a_full_em():
    assert fonts.width("中文", 12) == pytest.approx(24)
    assert fonts.width("i", 12) < fonts.width("W", 12) < 12


@settings(max_examples=examples(200), deadline=None)
@example("WWWWWW X", 44)  # a cut word's trailing space was forgotten: 'WWW X' overflowed
@given(st.text(st.sampled_from(list("abc WXYZ-中文日本語한국ไทยअआ ")), max_size=120),
       st.integers(min_value=40, max_value=300))  # fmt: skip
def test_wrapped_lines_fit_and_keep_every_character(text, limit):
    lines = fonts.wrap(text, limit, 12)
    for line in lines:
        assert fonts.width(line, 12) <= limit or len(line.strip()) <= 1, (line, limit)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


# --- the figures ----------------------------------------------------------------------------


def _png_differs(first: bytes, second: bytes) -> bool:
    a, b = (Image.open(io.BytesIO(x)).convert("RGB") for x in (first, second))
    return a.size != b.size or ImageChops.difference(a, b).getbbox() is not None


def _cairo_png(text: str, family: str) -> bytes:
    import cairosvg

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">'
           f'<rect width="120" height="30" fill="#fff"/><text x="4" y="22" font-size="18" '
           f'font-family="{family}">{text}</text></svg>')  # fmt: skip
    return cairosvg.svg2png(bytestring=svg.encode())


@needs_noto
def test_cairo_draws_glyphs_in_the_font_runs_names_and_empty_boxes_without_it():
    """The tofu detector: two different ideographs drawn as missing-glyph boxes are the same
    picture. In DejaVu Sans (what "Helvetica" gave) they are; in the run's font they differ."""
    family = fonts.runs("王")[0][1]
    assert not _png_differs(_cairo_png("王", "DejaVu Sans"), _cairo_png("李", "DejaVu Sans"))
    assert _png_differs(_cairo_png("王", family), _cairo_png("李", family))


@needs_noto
def test_the_traffic_light_figure_draws_cjk_study_labels():
    questions, rows = [("Q1", "研究目的是否明确？")], [["yes"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = figures.traffic_light(["王 2003"], questions, rows, fmt="png")
        second = figures.traffic_light(["李 2003"], questions, rows, fmt="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert _png_differs(first, second)
    svg = figures.traffic_light(["王 2003"], questions, rows, fmt="svg").decode()
    assert "王 2003" in svg and "Noto Sans CJK" in svg  # text kept, with the fallback named


@needs_noto
def test_a_long_study_label_wraps_in_the_traffic_light():
    label = "佐藤 2010 日本語の長いラベルが折り返されるかどうかを確かめるための研究"
    svg = figures.traffic_light([label], [("Q1", "Aims?")], [["yes"]], fmt="svg").decode()
    assert label not in svg  # split over lines
    assert "佐藤 2010" in svg


@needs_noto
def test_the_weighted_summary_draws_cjk_domain_names_in_every_format():
    domains = [("D1", "随机化过程中产生的偏倚"), ("D2", "偏离既定干预的偏倚")]
    rows, overall = [["low", "high"], ["some_concerns", "low"]], ["high", "some_concerns"]

    def draw(fmt, name="随机化过程中产生的偏倚"):
        return figures.rob_summary([(domains[0][0], name), domains[1]], rows, overall=overall,
                                   weights=[3, 1], weighting="按样本量加权", fmt=fmt)  # fmt: skip

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = draw("png"), draw("png", "分配隐藏不足导致的偏倚")
        pdf = draw("pdf")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert _png_differs(first, second) and pdf.startswith(b"%PDF")
    svg = draw("svg").decode()
    assert "随机化过程中产生的偏倚" in svg and "按样本量加权" in svg and "Noto Sans CJK" in svg
