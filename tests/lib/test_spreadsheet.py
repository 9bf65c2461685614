"""lib.spreadsheet: typed cells in CSV and XLSX, and the formula guard (issue #17).

Numbers stay numbers (`-0.35` was written `'-0.35`, so R read the column as text), dates and
date-times are written in forms spreadsheets recognise, XLSX strings are never evaluated and
never carry an apostrophe, and CSV guards exactly the text a spreadsheet would evaluate.
LibreOffice's own reading of these files: tests/security/test_libreoffice.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from lib.spreadsheet import (
    MAX_TEXT,
    MAX_WIDTH,
    MIN_WIDTH,
    Sheet,
    csv_bytes,
    csv_text,
    date_or_text,
    guard,
    needs_guard,
    number_or_text,
    xlsx_bytes,
)
from tests.hypothesis_budget import examples

EVALUATED = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3+cmd|' /C calc'!A0",
             "@SUM(1+1)", "\t=1+1", "\r=1+1", "\0=1", "-Hyphen-leading", "+44 20 7946 0000",
             "-", "--", "- item", "-inf", "+nan", "-1,234"]  # fmt: skip
PLAIN = ["Smith 2004", "'quoted already", " =1+1", "a=b", "100%", "3-5", "中文标题", "Ab-c", ""]
NUMBER_TEXT = ["-0.35", "+3", "-1e3", "0.50", ".5", "-12", "1E-5"]


def _read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(), newline="")))


@pytest.mark.parametrize("text", EVALUATED)
def test_text_a_spreadsheet_evaluates_is_guarded(text):
    assert needs_guard(text) and csv_text(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN + NUMBER_TEXT)
def test_other_text_and_number_literals_are_written_exactly(text):
    assert not needs_guard(text) and csv_text(text) == text


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                 st.decimals(allow_nan=False, allow_infinity=False, places=6)))  # fmt: skip
def test_a_number_is_never_guarded_and_reads_back_as_itself(number):
    text = csv_text(number)
    assert not text.startswith("'")
    assert Decimal(text) == Decimal(str(number)) if not isinstance(number, float) else (
        float(text) == number
    )  # fmt: skip
    assert not needs_guard(text)  # the same number passed as text is not guarded either


@settings(max_examples=examples(300))
@given(st.text())
def test_any_text_reads_back_exactly_once_the_guard_is_removed(text):
    """The guard is one apostrophe, added exactly when needed: nothing else changes."""
    (row,) = _read_csv(csv_bytes([[text]]))
    assert row[0] == guard(text)
    assert (row[0][1:] if needs_guard(text) else row[0]) == text


def test_dates_and_times_in_forms_spreadsheets_recognise():
    plus_two = dt.timezone(dt.timedelta(hours=2))
    aware = dt.datetime(2026, 12, 7, 13, 53, 47, 456988, tzinfo=plus_two)
    row = [aware, dt.date(2026, 12, 7), True, None, ["a", "b"], float("nan"), Decimal("0.50")]
    (line,) = _read_csv(csv_bytes([row]))
    assert line == ["2026-12-07 11:53:47", "2026-12-07", "True", "", "a; b", "", "0.50"]


def test_pandas_reads_numbers_as_numbers_and_times_as_times():
    rows = [["study_id", "estimate", "ci_low", "title", "at_utc"],
            [1, Decimal("-0.35"), -0.9, "-Hyphen-leading", dt.datetime(2026, 12, 7, 11, 53, 47)],
            [2, Decimal("0.12"), 0.01, "Plain", dt.datetime(2026, 12, 8, 9, 0, 0)]]  # fmt: skip
    frame = pd.read_csv(io.BytesIO(csv_bytes(rows)), parse_dates=["at_utc"])
    assert frame["estimate"].dtype.kind == "f" and list(frame["estimate"]) == [-0.35, 0.12]
    assert list(frame["ci_low"]) == [-0.9, 0.01]
    assert frame["at_utc"][0] == pd.Timestamp("2026-12-07 11:53:47")


def test_number_or_text_and_date_or_text():
    assert number_or_text("-0.35") == Decimal("-0.35") and number_or_text("12") == 12
    assert number_or_text(" 1,234 ") == 1234 and number_or_text("<0.001") == "<0.001"
    assert number_or_text("NR") == "NR" and number_or_text(3.5) == 3.5
    assert date_or_text("2003-05-01") == dt.date(2003, 5, 1)
    assert date_or_text("2003-05") == "2003-05" and date_or_text("2003-02-30") == "2003-02-30"


# --- XLSX -------------------------------------------------------------------------------------

_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    # What people type and Sift computes: at most 15 significant digits, as Excel holds.
    st.floats(allow_nan=False, allow_infinity=False, max_value=1e300, min_value=-1e300).map(
        lambda f: float(f"{f:.15g}")
    ),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40),
    st.sampled_from(EVALUATED[:6] + PLAIN + NUMBER_TEXT),
)


def _expected(value):
    if value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return value


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.lists(_cells, min_size=3, max_size=3), min_size=1, max_size=8))
def test_xlsx_cells_keep_their_type_and_value(rows):
    body = xlsx_bytes([Sheet("Data", [["a", "b", "c"], *rows])])
    sheet = load_workbook(io.BytesIO(body))["Data"]
    got = [list(r) for r in sheet.iter_rows(min_row=2, max_row=len(rows) + 1)]
    for row, cells in zip(rows, got, strict=True):
        for value, cell in zip(row, cells, strict=True):
            assert cell.value == _expected(value), (value, cell.value)
            assert cell.data_type != "f"
            if isinstance(value, str) and value:
                assert cell.data_type == "s"  # text, never a formula, never an apostrophe
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert cell.data_type == "n"


def test_xlsx_read_by_pandas_gives_the_values():
    rows = [["study_id", "estimate", "title", "date", "at_utc"],
            [7, Decimal("-0.35"), "=1+1", dt.date(2003, 5, 1),
             dt.datetime(2026, 12, 7, 11, 53, 47, tzinfo=dt.UTC)]]  # fmt: skip
    frame = pd.read_excel(io.BytesIO(xlsx_bytes([("S", rows)])))
    assert frame.loc[0, "study_id"] == 7 and frame.loc[0, "estimate"] == -0.35
    assert frame.loc[0, "title"] == "=1+1"
    assert frame.loc[0, "date"] == pd.Timestamp("2003-05-01")
    assert frame.loc[0, "at_utc"] == pd.Timestamp("2026-12-07 11:53:47")


def test_xlsx_header_frozen_filtered_and_columns_sized():
    rows = [["id", "title", "中文"], *[[n, "A long title " * 8, "中文标题" * 3] for n in range(3)]]
    rows.append([None, None, None, "a fourth column past the header"])
    sheet = load_workbook(io.BytesIO(xlsx_bytes([("Records", rows)])))["Records"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D5"
    assert all(cell.font.bold for cell in sheet[1][:3])
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["A"] == MIN_WIDTH and widths["B"] == MAX_WIDTH
    assert widths["C"] == 2 * 12 + 2  # twelve wide glyphs


def test_xlsx_text_xml_cannot_hold_is_replaced_and_long_text_cut_at_excels_limit():
    rows = [["x"], ["a\x01b\x1fc"], ["y" * (MAX_TEXT + 10)]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes([("S", rows)])))["S"]
    assert sheet["A2"].value == "a\ufffdb\ufffdc"
    assert len(sheet["A3"].value) == MAX_TEXT


def test_sheet_names_follow_excels_rules():
    body = xlsx_bytes([("A/B:[c]", [["h"]]), ("A/B:[c]", [["h"]]), ("x" * 40, [])])
    assert load_workbook(io.BytesIO(body)).sheetnames == ["A B  c", "A B  c (2)", "x" * 31]
