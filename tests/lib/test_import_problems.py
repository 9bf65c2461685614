"""Problem codes: the same rules for every format, computed by one function."""

from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import PROBLEMS, ParsedRecord
from lib.imports.problems import record_problems

from .conftest import read_all

Write = Callable[..., Path]


def _record(**fields) -> ParsedRecord:
    defaults = {"ordinal": 1, "line": 1, "raw_text": "", "raw_fields": {}}
    return ParsedRecord(**(defaults | {"title": "T", "abstract": "A"} | fields))


def test_codes() -> None:
    assert PROBLEMS == ("no-title", "no-abstract", "bad-year", "suspicious-encoding")
    assert record_problems(_record()) == []
    assert record_problems(_record(title="", abstract="")) == ["no-title", "no-abstract"]
    assert record_problems(_record(year_text="n.d.")) == ["bad-year"]
    assert record_problems(_record(year=2001, year_text="2001")) == []
    assert record_problems(_record(year_text="")) == []


@pytest.mark.parametrize(
    ("text", "suspicious"),
    [
        ("Caf\u00c3\u00a9", True),  # UTF-8 read as cp1252, or written so by the exporter
        ("it\u00e2\u20ac\u2122s", True),
        ("it\u00e2\x80\x99s", True),
        ("Bad \ufffd byte", True),  # replaced on reading, or in the file
        ("S\u00c3O PAULO", False),  # real Portuguese
        ("\u00a9 2017 Elsevier", False),
        ("Caf\u00e9 M\u00fcller \u2013 S\u00e3o Paulo", False),
    ],
)
def test_suspicious_encoding(text, suspicious) -> None:
    record = _record(abstract=text)
    problems = record_problems(record)
    assert ("suspicious-encoding" in problems) is suspicious


def test_authors_are_checked() -> None:
    record = _record(authors=["M\u00c3\u00bcller, J"], raw_text="M\u00c3\u00bcller, J")
    assert record_problems(record) == ["suspicious-encoding"]


def test_each_format_gets_problems_from_the_reader(export_file: Write) -> None:
    ris = "TY  - JOUR\nTI  - A\nAB  - x\nPY  - 2001\nER  - \nTY  - JOUR\nPY  - soon\nER  - \n"
    _, records = read_all(export_file(ris))
    assert [r.problems for r in records] == [[], ["no-title", "no-abstract", "bad-year"]]
    _, records = read_all(export_file("PMID- 1\nDP  - n.d.\n", "x.nbib"))
    assert records[0].problems == ["no-title", "no-abstract", "bad-year"]
    _, records = read_all(export_file("@article{k, title={T}, year={later}}\n", "x.bib"))
    assert records[0].problems == ["no-abstract", "bad-year"]
    _, records = read_all(export_file(b"Title,Abstract,Year\nT,A,1999\n,,\xe9t\xe9\n", "x.csv"))
    assert [r.problems for r in records] == [[], ["no-title", "no-abstract", "bad-year"]]


def test_mixed_encoding_file_is_flagged_per_record(export_file: Write) -> None:
    data = (
        "TY  - JOUR\nTI  - Premi\u00e8re\nAB  - x\nER  - \n".encode("cp1252")
        + "TY  - JOUR\nTI  - Deuxi\u00e8me\nAB  - x\nER  - \n".encode()
    )
    reader, records = read_all(export_file(data))
    assert reader.encoding == "cp1252"
    assert records[0].title == "Premi\u00e8re"
    assert records[1].title == "Deuxi\u00c3\u00a8me"
    assert [r.problems for r in records] == [[], ["suspicious-encoding"]]
