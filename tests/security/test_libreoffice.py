"""The CSV formula guard checked against LibreOffice's own reading (`soffice --headless
--convert-to xlsx`), with its default CSV import and with "detect special numbers" on:
no cell of a Sift CSV becomes a formula, numbers are numbers (`-0.35`), date-times are
date-times, and the only text that changes is the guarded text, which gets the apostrophe
LibreOffice shows (the XLSX download keeps such text exact).

It also records why the guard covers more than `=`: LibreOffice evaluates only `=`, but
Excel reads `+`, `-` and `@` as formulas too (a title `-Hyphen-leading` shows `#NAME?`).
Slow (LibreOffice starts for each file); skipped without LibreOffice."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lib.spreadsheet import csv_bytes, needs_guard

pytestmark = pytest.mark.slow
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Filter options: comma, double quote, UTF-8 (Sift's CSV has no byte-order mark: R's
# read.csv would put it in the first column's name), then LibreOffice's defaults; or from
# line 1, no column types, en-US, token 8 "detect special numbers", token 13 "evaluate
# formulas".
DEFAULT, SPECIAL = "44,34,76", "44,34,76,1,,1033,false,true,false,false,false,-1,true"

NUMBERS = [-0.35, 0.12, 120, Decimal("-0.35"), Decimal("0.50"), -1000, 1e-05]
GUARDED = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)", "-Hyphen-leading", "+44 20 7946 0000"]  # fmt: skip
TEXT = ["Partnerships and health", "Smith, A.; Jones, B.", "中文标题", "a=b", "'quoted"]
WHEN = dt.datetime(2026, 12, 7, 11, 53, 47, tzinfo=dt.UTC)


def _libreoffice(tmp_path, body: bytes, options: str | None) -> list:
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    source = tmp_path / "sift.csv"
    source.write_bytes(body)
    command = [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless"]
    if options:
        command.append(f"--infilter=CSV:{options}")
    command += ["--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    sheet = load_workbook(tmp_path / "sift.xlsx").active
    return [list(row) for row in sheet.iter_rows()]


@pytest.mark.parametrize("options", [DEFAULT, SPECIAL], ids=["default import", "special numbers"])
def test_libreoffice_reads_sift_csv_as_typed_with_no_formula(tmp_path, options):
    rows = [[v] for v in [*NUMBERS, *GUARDED, *TEXT, WHEN, WHEN.date()]]
    cells = [row[0] for row in _libreoffice(tmp_path, csv_bytes(rows), options)]
    assert not [c.value for c in cells if c.data_type == "f"], "a formula"
    numbers, cells = cells[: len(NUMBERS)], cells[len(NUMBERS) :]
    for value, cell in zip(NUMBERS, numbers, strict=True):
        assert cell.data_type == "n" and cell.value == pytest.approx(float(value)), value
    guarded, cells = cells[: len(GUARDED)], cells[len(GUARDED) :]
    for text, cell in zip(GUARDED, guarded, strict=True):
        assert cell.value == "'" + text and cell.data_type == "s", text
    text, (when, day) = cells[: len(TEXT)], cells[len(TEXT) :]
    assert [c.value for c in text] == TEXT
    assert day.is_date and day.value == dt.datetime(2026, 12, 7)
    if options == SPECIAL:  # the form LibreOffice recognises as a date-time
        assert when.is_date and when.value == dt.datetime(2026, 12, 7, 11, 53, 47)


def test_libreoffice_evaluates_only_equals_but_excel_would_evaluate_them_all(tmp_path):
    """Without the guard: LibreOffice turns `=1+1` into a formula and keeps the others as
    text; the guard still covers them because Excel and Google Sheets read them as formulas
    (documented behaviour, not testable here)."""
    raw = ["=1+1", "+1+1", "-Hyphen-leading", "@SUM(1+1)", "-2+3"]
    body = "".join(f'"{v}"\r\n' for v in raw).encode()
    cells = [row[0] for row in _libreoffice(tmp_path, body, DEFAULT)]
    assert [c.data_type == "f" for c in cells] == [True, False, False, False, False]
    assert all(needs_guard(v) for v in raw)
