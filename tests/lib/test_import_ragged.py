"""Tables whose rows have more or fewer cells than the header: read, never refused, reported.

The class behind the unseen Scopus CSV whose rows all end with a trailing comma (pandas
refused the whole file). Real CSV fixtures are mutated (a delimiter, or a delimiter and a
value, added to the end of random rows; trailing cells cut) and must keep their record
count, their values and every cell, with a warning that names the lines; a differential
test checks that the row reader gives what pandas gave for well-formed files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.imports import fields_from_raw, open_export
from tests.corpus import CORPUS, ROWS, needs_corpus
from tests.hypothesis_budget import examples

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]
EMBASE = FIXTURES / "citation-file-formatting___baseline_embase.csv"
PUBMED = FIXTURES / "citation-file-formatting___baseline_pubmed.csv"
FAST = settings(
    max_examples=examples(30),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_trailing_comma_on_every_row_like_scopus(export_file: Write) -> None:
    data = b'"Authors","Title","Year"\n"Smith J.","One",2001,\n"Jones K.","Two",2002,\n'
    reader, records = read_all(export_file(data, "scopus.csv"))
    assert [(r.title, r.year, r.line) for r in records] == [("One", 2001, 1), ("Two", 2002, 2)]
    assert records[0].raw_fields == {"Authors": "Smith J.", "Title": "One", "Year": "2001"}
    assert records[0].raw_text == "Authors,Title,Year\nSmith J.,One,2001"
    assert records[0].warnings == []
    assert reader.warnings == [
        "2 rows had more cells than the header row, all of them empty (a delimiter at the end "
        "of the row; lines 2-3): they were ignored"
    ]
    assert reader.unmapped_fields == {}


def test_first_data_row_longer_than_the_header(export_file: Write) -> None:
    reader, [record] = read_all(export_file(b"Title,Year\nFirst,2020,extra\n", "refs.csv"))
    assert record.raw_fields == {"Title": "First", "Year": "2020", "Unnamed: 2": "extra"}
    assert record.raw_text == "Title,Year,Unnamed: 2\nFirst,2020,extra"
    assert record.warnings == ["1 more cell than the header row (line 2): kept as 'Unnamed: 2'"]
    assert reader.warnings == [
        "1 row had more cells than the header row, with values (line 2): the values were kept "
        "as unnamed columns ('Unnamed: 2'), which feed no field; check that the columns of "
        "these rows line up"
    ]
    assert reader.unmapped_fields == {"Unnamed: 2": 1}


def test_extra_and_short_rows_anywhere_with_a_quoted_newline(export_file: Write) -> None:
    data = (
        b"Title;Year;Unnamed: 3\n"  # a header cell already called like the first extra one
        b'A;2001;x\n"B\nwith a newline";2002;y;z;\n'
        b"C;2003\n"
        b"D;2004;w;;v\n"
    )
    reader, records = read_all(export_file(data, "refs.csv"))
    assert [(r.title, r.year) for r in records] == [
        ("A", 2001),
        ("B with a newline", 2002),
        ("C", 2003),
        ("D", 2004),
    ]
    assert records[1].raw_fields == {
        "Title": "B\nwith a newline",
        "Year": "2002",
        "Unnamed: 3": "y",
        "Unnamed: 3.1": "z",
    }
    assert records[3].raw_fields == {
        "Title": "D",
        "Year": "2004",
        "Unnamed: 3": "w",
        "Unnamed: 4": "v",
    }
    assert reader.warnings == [
        "1 row had fewer cells than the header row (line 5): the missing cells were left "
        "empty; check that their columns line up",
        "2 rows had more cells than the header row, with values (lines 3, 6): the values were "
        "kept as unnamed columns ('Unnamed: 3.1', 'Unnamed: 4'), which feed no field; check "
        "that the columns of these rows line up",
    ]
    for record in records:
        assert fields_from_raw("csv", record.raw_text) == record.raw_fields


def test_many_ragged_lines_are_listed_as_runs_and_summarised(export_file: Write) -> None:
    rows = "".join(f"T{i},{2000 + i % 20}{',' if i % 3 else ''}\n" for i in range(100))
    reader, records = read_all(export_file("Title,Year\n" + rows, "refs.csv"))
    assert len(records) == 100
    [warning] = reader.warnings
    assert warning.startswith(
        "66 rows had more cells than the header row, all of them empty (a delimiter at the end "
        "of the row; lines 3-4, 6-7, 9-10, 12-13, 15-16, 18-19, 21-22, 24-25, 27-28, 30-31, "
        "33-34, 36-37 and 42 more)"
    )


def _start_lines(text: str) -> list[int]:
    """The physical line each data row of a well-formed CSV starts on (after the header)."""
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith(('"Title"', "PMID")))
    reader = csv.reader(io.StringIO("\n".join(lines[header:]), newline=""))
    next(reader)
    starts, last = [], reader.line_num
    for row in reader:
        if row:
            starts.append((header + last + 1, header + reader.line_num))
        last = reader.line_num
    return starts


@pytest.mark.parametrize("path", [EMBASE, PUBMED], ids=lambda p: p.name)
def test_mutated_real_csv_keeps_every_record_and_names_the_lines(tmp_path, path) -> None:
    original = path.read_bytes()
    text = original.decode("utf-8-sig")
    bom = original.startswith(b"\xef\xbb\xbf")
    _, expected = read_all(path)
    rows = _start_lines(text)

    @FAST
    @given(st.data())
    def check(data) -> None:
        chosen = data.draw(st.sets(st.integers(0, len(rows) - 1), min_size=1))
        values = {i: data.draw(st.sampled_from(["", "", "x", "a, quoted"])) for i in chosen}
        lines = text.split("\n")
        for i, value in values.items():
            end = rows[i][1] - 1
            lines[end] += "," + (f'"{value}"' if "," in value else value)
        mutated = ("\ufeff" if bom else "") + "\n".join(lines)
        target = tmp_path / "mutated.csv"
        target.write_bytes(mutated.encode())
        reader, records = read_all(target)
        assert len(records) == len(expected)
        assert [r.title for r in records] == [r.title for r in expected]
        for i, record in enumerate(records):
            extra = {k: v for k, v in record.raw_fields.items() if k.startswith("Unnamed")}
            assert record.raw_fields.items() - extra.items() == expected[i].raw_fields.items()
            assert list(extra.values()) == ([values[i]] if values.get(i) else [])
            assert fields_from_raw(reader.format, record.raw_text) == record.raw_fields
        named = {
            int(n)
            for warning in reader.warnings
            for span in re.findall(r"lines? ([\d, -]+)\)", warning)
            for part in span.split(", ")
            for n in range(int(part.split("-")[0]), int(part.split("-")[-1]) + 1)
        }
        assert named == {rows[i][0] for i in chosen}

    check()


@pytest.mark.parametrize("path", [EMBASE, PUBMED], ids=lambda p: p.name)
def test_cut_trailing_cells_keep_the_record(tmp_path, path) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    rows = _start_lines(text)
    lines = text.split("\n")
    last = rows[-1][1] - 1
    lines[last] = lines[last][: lines[last].rindex('","') + 1]  # the last row loses a cell
    target = tmp_path / "cut.csv"
    target.write_text("\n".join(lines), encoding="utf-8")
    reader, records = read_all(target)
    assert len(records) == len(rows)
    assert reader.warnings[-1].startswith(
        f"1 row had fewer cells than the header row (line {rows[-1][0]})"
    )


def _pandas_rows(path: Path, header_index: int, delimiter: str) -> list[list[str]]:
    """What the reader used before (pandas' C parser) made of a well-formed table."""
    encoding = "utf-8-sig" if path.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8"
    frame = pd.read_csv(
        path,
        sep=delimiter,
        skiprows=header_index,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding=encoding,
    )
    return [list(row) for row in frame.itertuples(index=False, name=None)]


TABLES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".csv", ".tsv"))


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_row_reader_matches_pandas_on_well_formed_files(path) -> None:
    with open_export(path) as reader:
        header = reader._detection.header
        records = list(reader)
    assert header is not None
    expected = _pandas_rows(path, header.index, header.delimiter)
    got = [list(csv.reader(io.StringIO(r.raw_text, newline="")))[1] for r in records]
    assert got == expected


@FAST
@given(
    st.lists(
        st.lists(
            st.text(
                alphabet=st.characters(
                    exclude_categories=["Cs", "Cc"], exclude_characters="\ufdd0"
                ),
                max_size=12,
            ),
            min_size=3,
            max_size=3,
        ).filter(lambda cells: any(c.strip() for c in cells)),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_row_reader_matches_pandas_on_generated_tables(tmp_path_factory, rows, delimiter) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["Title", "Year", "Notes"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("gen") / "table.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    _, records = read_all(path)
    got = [
        list(csv.reader(io.StringIO(r.raw_text, newline=""), delimiter=delimiter))[1]
        for r in records
    ]
    assert got == _pandas_rows(path, 0, delimiter)


CSV_ROWS = [pytest.param(f, n, id=f) for f, fmt, n in ROWS if fmt == "csv"]


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize(("name", "expected"), CSV_ROWS)
def test_every_corpus_csv_with_a_trailing_delimiter_on_every_row(tmp_path, name, expected):
    data = (CORPUS / name).read_bytes()
    with open_export(CORPUS / name) as reader:
        header = reader._detection.header
        original = list(reader)
    assert header is not None
    text = data.decode(reader.encoding)
    starts = _start_lines_from(text, header.index, header.delimiter)
    lines = text.split("\n")
    for _, end in starts:
        lines[end - 1] += header.delimiter
    target = tmp_path / "trailing.csv"
    target.write_text("\n".join(lines), encoding="utf-8")
    reader, records = read_all(target)
    assert len(records) == expected == len(original)
    assert [r.raw_fields for r in records] == [r.raw_fields for r in original]
    assert any(f"line{'s' if len(starts) > 1 else ''} " in w for w in reader.warnings)


def _start_lines_from(text: str, header_index: int, delimiter: str) -> list[tuple[int, int]]:
    lines = text.split("\n")
    reader = csv.reader(
        io.StringIO("\n".join(lines[header_index:]), newline=""), delimiter=delimiter
    )
    next(reader)
    starts, last = [], reader.line_num
    for row in reader:
        if row and any(c.strip() for c in row):
            starts.append((header_index + last + 1, header_index + reader.line_num))
        last = reader.line_num
    return starts
