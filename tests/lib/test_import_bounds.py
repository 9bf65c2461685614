"""Bounds on what one record may hold, for every format (issue #16: a 555-byte BibTeX file
of nested @string concatenations made a 300,000,000-character title that took a worker to
2.9 GB and a record page to 300 MB). A record past a bound refuses the file with a message
naming the record, its line and the field; an expansion is refused before it is built."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from lib.imports import ImportFileError, open_export, records, xlsx
from lib.imports.records import EXPANSION_LIMIT, FIELD_LIMITS

from .conftest import FIXTURES, read_all
from .test_import_xlsx import workbook_bytes
from .xlsx_parts import shared_strings_workbook

FORMAT_FILES = sorted(
    p for p in FIXTURES.iterdir() if p.name not in ("README.md", ".gitattributes")
)


def _first_title_length(path: Path) -> tuple[int, int]:
    """(ordinal, length) of the first record with a title."""
    with open_export(path) as reader:
        for record in reader:
            if record.title:
                return record.ordinal, len(record.title)
    raise AssertionError(f"{path.name} has no titled record")


@pytest.mark.parametrize("path", FORMAT_FILES, ids=lambda p: p.name)
def test_every_format_refuses_a_record_past_a_field_bound(path, monkeypatch):
    """Every reader's records pass the one check (a new format's fixture is covered by
    being in tests/fixtures/imports): with the title bound set below a real title, the
    file is refused, naming the record and the field."""
    ordinal, length = _first_title_length(path)
    monkeypatch.setitem(records.FIELD_LIMITS, "title", length - 1)
    with pytest.raises(ImportFileError) as refused:
        read_all(path)
    message = refused.value.message
    assert f"its title is {length:,} characters long; Sift keeps at most {length - 1:,}" in message
    assert f"record {ordinal}" in message and path.name in message


def test_a_workbook_refuses_a_record_past_a_field_bound(export_file):
    title = "x" * (FIELD_LIMITS["title"] + 1)
    path = export_file(workbook_bytes([["Title", "Year"], ["ok", 2001], [title, 2002]]), "w.xlsx")
    with pytest.raises(ImportFileError, match=r"title is 10,001 characters long.*record 2"):
        read_all(path)


def test_raw_text_past_its_bound_is_refused(export_file, monkeypatch):
    monkeypatch.setattr(records, "RAW_TEXT_LIMIT", 100)
    path = export_file("TY  - JOUR\nTI  - Short\nN1  - " + "n" * 200 + "\nER  - \n")
    with pytest.raises(ImportFileError, match=r"text in the file is \d+ characters long"):
        read_all(path)


def doubling_bib(levels: int, *, in_entry: bool = False) -> str:
    """Issue #16's file, small: each @string is the previous one twice."""
    lines = ['@string{a0 = "aaaaaaaaaaaaaaaa"}']
    lines += [f"@string{{a{i} = a{i - 1} # a{i - 1}}}" for i in range(1, levels)]
    last = f"a{levels - 1}"
    if in_entry:
        lines.append(f"@article{{bomb, title = {' # '.join([last] * 40)}, year = 2020}}")
    else:
        lines.append(f"@article{{bomb, title = {last} # {last}, year = 2020}}")
    return "\n".join(lines) + "\n"


def test_nested_string_macros_are_refused_naming_the_macro_in_bounded_memory(export_file, watchdog):
    path = export_file(doubling_bib(30), "amplified.bib")
    assert path.stat().st_size < 1000
    tracemalloc.start()
    try:
        with watchdog(10), pytest.raises(ImportFileError) as refused:
            read_all(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 16 * 2**16 > 1,000,000: the macro a16 (on line 17) is the first past the bound.
    assert refused.value.message == (
        f"amplified.bib: @string a16: expands to more than {EXPANSION_LIMIT:,} characters (line 17)"
    )
    assert peak < 20 * 1024 * 1024, peak


def test_an_entry_concatenating_bounded_macros_is_refused_naming_the_entry(export_file):
    # a15 is 524,288 characters (under the bound); forty of them are not.
    path = export_file(doubling_bib(16, in_entry=True), "amplified.bib")
    with pytest.raises(ImportFileError) as refused:
        read_all(path)
    assert refused.value.message == (
        f"amplified.bib: entry bomb: a field expands to more than {EXPANSION_LIMIT:,} "
        "characters (record 1, line 17)"
    )


def test_macros_spent_entry_by_entry_are_bounded_for_the_whole_file(export_file, watchdog):
    """The attack after #16: a 524,288-character macro (under the per-value bound) used in
    one field of each small entry, a field Sift then drops: 18 ms an entry, 4 minutes of a
    worker per MB. The file's macro text is bounded in all; the entry past it is named."""
    from lib.imports.bibtex import FILE_EXPANSION_LIMIT

    head = doubling_bib(16).rsplit("@article", 1)[0]  # a0 .. a15, no entry
    entries = "".join(
        f"@misc{{e{i}, eprinttype = a15, title = {{T{i}}}, year = 2020}}\n" for i in range(120)
    )
    path = export_file(head + entries, "spent.bib")
    assert path.stat().st_size < 10_000
    with watchdog(60), pytest.raises(ImportFileError) as refused:
        read_all(path)
    message = refused.value.message
    assert f"past {FILE_EXPANSION_LIMIT:,} characters in all" in message
    assert message.startswith("spent.bib: entry e9")  # about the 95th of 120 entries


def test_an_entry_under_the_expansion_bound_but_past_a_field_bound_is_refused(export_file):
    path = export_file(doubling_bib(12), "amplified.bib")  # a title of 65,536 characters
    with pytest.raises(ImportFileError, match=r"entry bomb: its title is 65,536 characters"):
        read_all(path)


# --- workbooks: what they unpack to is bounded before openpyxl reads them -------------------


def _rows(n: int) -> list[list[int]]:
    """A header (strings 0, 1) and n records (title string 2 + 2i, year string 3 + 2i)."""
    return [[0, 1]] + [[2 + 2 * i, 3 + 2 * i] for i in range(n)]


def _strings(n: int) -> list[str]:
    out = ["Title", "Year"]
    for i in range(n):
        out += [f"A paper on partnerships {i}", str(2000 + i % 20)]
    return out


def test_a_workbook_within_the_bounds_is_read(tmp_path):
    path = shared_strings_workbook(tmp_path / "ok.xlsx", _rows(30), _strings(30))
    _, found = read_all(path)
    assert [r.title for r in found][:2] == [
        "A paper on partnerships 0",
        "A paper on partnerships 1",
    ]
    assert len(found) == 30


def test_shared_strings_no_cell_could_show_are_refused_quickly(tmp_path, watchdog):
    """Issue #16's bomb, small: a few cells and a table of a million strings."""
    path = shared_strings_workbook(
        tmp_path / "bomb.xlsx", _rows(1), (f"s{i}" for i in range(1_000_000))
    )
    tracemalloc.start()
    try:
        with watchdog(20), pytest.raises(ImportFileError) as refused:
            read_all(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.message.startswith(
        "bomb.xlsx is an Excel workbook whose shared-strings table holds more strings"
    )
    assert "save the sheet as CSV" in refused.value.message
    assert peak < 32 * 1024 * 1024, peak


@pytest.mark.parametrize(
    ("bound", "value", "message"),
    [
        ("MAX_SHARED_STRINGS", 50, "more than 50 different strings"),
        ("MAX_SHARED_STRINGS_BYTES", 1024, "whose shared strings unpack to 0 MB, more than the 0 MB"),
        ("MAX_UNZIPPED", 2048, "that unpacks to 0 MB, more than the 0 MB"),
    ],
)  # fmt: skip
def test_each_workbook_bound_refuses_with_the_file_named(tmp_path, monkeypatch, bound, value,
                                                         message):  # fmt: skip
    monkeypatch.setattr(xlsx, bound, value)
    path = shared_strings_workbook(tmp_path / "big.xlsx", _rows(40), _strings(40))
    with pytest.raises(ImportFileError, match=message) as refused:
        read_all(path)
    assert refused.value.message.startswith("big.xlsx is an Excel workbook")


@pytest.mark.slow
def test_a_real_size_shared_strings_bomb_is_refused_in_seconds(tmp_path, watchdog):
    """The reported size: about 200 MB of shared strings (six million) in a ~20 MB file."""
    path = shared_strings_workbook(
        tmp_path / "bomb.xlsx", _rows(1), (f"string number {i}" for i in range(6_000_000))
    )
    with watchdog(60), pytest.raises(ImportFileError, match="more strings"):
        read_all(path)
