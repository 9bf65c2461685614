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
    ("text", "raw", "encoding", "replaced", "suspicious"),
    [
        ("Caf\u00c3\u00a9", "Caf\u00c3\u00a9", "cp1252", 0, True),  # UTF-8 in a cp1252 file
        ("it\u00e2\u20ac\u2122s", "it\u00e2\u20ac\u2122s", "cp1252", 0, True),
        ("it\u00e2\x80\x99s", "it\u00e2\x80\x99s", "latin-1", 0, True),
        ("S\u00c3O PAULO", "S\u00c3O PAULO", "cp1252", 0, False),  # real Portuguese
        ("\u00a9 2017 Elsevier", "\u00a9 2017 Elsevier", "cp1252", 0, False),
        # Written so by the exporter into a valid UTF-8 file: the file's own text.
        ("Caf\u00c3\u00a9", "Caf\u00c3\u00a9", "utf-8", 0, False),
        ("Bad \ufffd byte", "Bad \ufffd byte", "utf-8-sig", 1, True),  # replaced on reading
        ("Bad \ufffd byte", "Bad \ufffd byte", "utf-8", 0, False),
        # Made by decoding escapes, not in the record's own text.
        ("Caf\u00c3\u00a9", "Caf{\\~A}{\\copyright}", "utf-8", 0, True),
    ],
)
def test_suspicious_encoding(text, raw, encoding, replaced, suspicious) -> None:
    record = _record(abstract=text, raw_text=raw)
    problems = record_problems(record, encoding=encoding, replaced=replaced)
    assert ("suspicious-encoding" in problems) is suspicious


def test_authors_are_checked() -> None:
    record = _record(authors=["M\u00c3\u00bcller, J"], raw_text="M\u00c3\u00bcller, J")
    assert record_problems(record, encoding="cp1252") == ["suspicious-encoding"]


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
