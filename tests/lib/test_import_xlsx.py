"""Excel workbooks (XLSX): the first sheet, its header found and columns recognised as for CSV."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from lib.imports import ImportFileError, fields_from_raw, open_export

from .conftest import read_all

Write = Callable[..., Path]


def workbook_bytes(rows: list[list], *, sheets: int = 1) -> bytes:
    """An .xlsx whose first sheet holds rows (written by openpyxl, as Excel would)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for n in range(1, sheets):
        workbook.create_sheet(f"Other {n}").append(["Title"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SCOPUS_LIKE = [
    ["Authors", "Title", "Year", "Source title", "Volume", "DOI", "Abstract", "Cited by"],
    [
        "Wilson L.N.; Gardner J.D.",
        "Global latitudinal gradients",
        2024,
        "Nature Communications",
        15,
        "https://doi.org/10.1038/S41467-024-46843-2",
        "Global climate patterns.",
        3,
    ],
    ["Peñalver E.", "Symbiosis between dinosaurs and beetles", 2023.0, "", None, "", "", None],
]


def test_workbook_is_read_like_a_csv(export_file: Write) -> None:
    reader, records = read_all(export_file(workbook_bytes(SCOPUS_LIKE), "scopus.xlsx"))
    assert (reader.format, reader.encoding, len(records)) == ("xlsx", "utf-8", 2)
    assert reader.columns == SCOPUS_LIKE[0]
    first = records[0]
    assert (first.title, first.authors, first.year) == (
        "Global latitudinal gradients",
        ["Wilson L.N.", "Gardner J.D."],
        2024,
    )
    assert (first.journal, first.volume, first.doi) == (
        "Nature Communications",
        "15",
        "10.1038/s41467-024-46843-2",
    )
    assert first.raw_fields["Cited by"] == "3"
    assert records[1].year == 2023  # a number cell that Excel stored as 2023.0
    assert records[1].authors == ["Peñalver E."]
    assert reader.bytes_read == reader.size


def test_raw_text_is_header_and_row_as_csv(export_file: Write) -> None:
    rows = [["Title", "Notes", "Empty"], ['A, "quoted" title', "line one\nline two", None]]
    _, [record] = read_all(export_file(workbook_bytes(rows), "refs.xlsx"))
    assert record.raw_text == 'Title,Notes,Empty\n"A, ""quoted"" title","line one\nline two",'
    assert record.raw_fields == {"Title": 'A, "quoted" title', "Notes": "line one\nline two"}
    assert fields_from_raw("xlsx", record.raw_text) == record.raw_fields


def test_header_after_preamble_rows_and_blank_rows(export_file: Write) -> None:
    rows = [
        ["Search: dinosaur"],
        [],
        ["Article Title", "Publication Date", "Links"],
        ["A", dt.datetime(2019, 5, 1), "https://x.org/a"],
        [None, None, None],
        ["B", dt.date(2020, 1, 2), None],
    ]
    reader, records = read_all(export_file(workbook_bytes(rows), "ebsco.xlsx"))
    assert [(r.title, r.year, r.line) for r in records] == [("A", 2019, 1), ("B", 2020, 2)]
    assert records[0].raw_fields["Publication Date"] == "2019-05-01"
    assert records[0].url == "https://x.org/a"
    assert reader.warnings == ["a row with only empty cells after data row 1 was skipped"]


def test_only_the_first_sheet_is_read(export_file: Write) -> None:
    _, records = read_all(export_file(workbook_bytes([["Title"], ["A"]], sheets=3), "x.xlsx"))
    assert [r.title for r in records] == ["A"]


def test_cells_beyond_the_header_are_kept_as_unnamed_columns(export_file: Write) -> None:
    rows = [["Title", "Year"], ["A", 2001, None, "stray"], ["B", 2002, None, None]]
    reader, [first, second] = read_all(export_file(workbook_bytes(rows), "x.xlsx"))
    assert first.raw_fields == {"Title": "A", "Year": "2001", "Unnamed: 3": "stray"}
    assert first.warnings == [
        "2 more cells than the header row (row 2): kept as 'Unnamed: 2', 'Unnamed: 3'"
    ]
    assert second.raw_fields == {"Title": "B", "Year": "2002"}
    assert reader.warnings == [
        "1 row had more cells than the header row, with values (row 2): the values were kept "
        "as unnamed columns ('Unnamed: 2', 'Unnamed: 3'), which feed no field; check that the "
        "columns of these rows line up"
    ]
    assert reader.unmapped_fields == {"Unnamed: 3": 1}


def test_workbook_without_a_title_column_names_its_columns(export_file: Write) -> None:
    path = export_file(workbook_bytes([["Name", "When"], ["A", 2001]]), "x.xlsx")
    with pytest.raises(ImportFileError) as caught:
        open_export(path)
    assert caught.value.columns == ["Name", "When"]
    assert "has no Title column (columns found: 'Name', 'When')" in caught.value.message
    with open_export(path, column_mapping={"Name": "title", "When": "year"}) as reader:
        [record] = list(reader)
    assert (record.title, record.year) == ("A", 2001)


def test_empty_and_damaged_workbooks(export_file: Write) -> None:
    with pytest.raises(ImportFileError, match="first sheet is empty"):
        open_export(export_file(workbook_bytes([]), "x.xlsx"))
    data = bytearray(workbook_bytes(SCOPUS_LIKE))
    data[len(data) // 2 : len(data) // 2 + 200] = b"\x00" * 200
    with pytest.raises(ImportFileError, match=r"^x\.xlsx"):
        read_all(export_file(bytes(data), "x.xlsx"))


def test_header_only_workbook(export_file: Write) -> None:
    with pytest.raises(ImportFileError, match="no records found in x.xlsx"):
        read_all(export_file(workbook_bytes([["Title", "Year"]]), "x.xlsx"))
