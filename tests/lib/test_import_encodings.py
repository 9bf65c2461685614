"""Encodings and line endings: the text arrives intact whatever the file's bytes look like."""

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import read_all

Write = Callable[..., Path]

TWO_RECORDS = "TY  - JOUR\nTI  - Café – première étude\nAU  - Müller, J\nER  - \n\nTY  - JOUR\nTI  - Second\nER  - \n"


def test_utf8_bom_keeps_the_first_record(export_file: Write) -> None:
    reader, records = read_all(export_file(b"\xef\xbb\xbf" + TWO_RECORDS.encode()))
    assert reader.encoding == "utf-8-sig"
    assert [r.title for r in records] == ["Café – première étude", "Second"]
    assert records[0].raw_fields["TY"] == "JOUR"
    assert not records[0].raw_text.startswith("\ufeff")


def test_plain_utf8(export_file: Write) -> None:
    reader, records = read_all(export_file(TWO_RECORDS.encode()))
    assert reader.encoding == "utf-8"
    assert records[0].authors == ["Müller, J"]


def test_cp1252_keeps_accents_and_dashes(export_file: Write) -> None:
    reader, records = read_all(export_file(TWO_RECORDS.encode("cp1252")))
    assert reader.encoding == "cp1252"
    assert records[0].title == "Café – première étude"
    assert records[0].authors == ["Müller, J"]


def test_latin1_when_cp1252_cannot_decode(export_file: Write) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 reads this file.
    data = "TY  - JOUR\nTI  - Résumé\x81\nER  - \n".encode("latin-1")
    reader, [record] = read_all(export_file(data))
    assert reader.encoding == "latin-1"
    assert record.title == "Résumé\x81"


def test_utf16_with_bom(export_file: Write) -> None:
    reader, records = read_all(export_file(TWO_RECORDS.encode("utf-16")))
    assert reader.encoding == "utf-16"
    assert records[0].title == "Café – première étude"


def test_bom_file_with_invalid_bytes_is_read_with_a_warning(export_file: Write) -> None:
    data = b"\xef\xbb\xbfTY  - JOUR\nTI  - Bad \xff byte\nER  - \n"
    reader, [record] = read_all(export_file(data))
    assert record.title == "Bad \ufffd byte"
    assert reader.warnings == [
        "1 byte sequences were not valid UTF-8 and were replaced by '\ufffd'"
    ]


@pytest.mark.parametrize(
    "newline",
    [b"\n", b"\r\n", b"\r"],
    ids=["LF", "CRLF", "bare CR"],
)
def test_line_endings(export_file: Write, newline: bytes) -> None:
    data = TWO_RECORDS.encode().replace(b"\n", newline)
    _, records = read_all(export_file(data))
    assert [r.title for r in records] == ["Café – première étude", "Second"]
    assert records[1].raw_text == "TY  - JOUR\nTI  - Second\nER  - \n"


def test_mixed_line_endings(export_file: Write) -> None:
    data = b"TY  - JOUR\r\nTI  - One\nAB  - Text\r\rER  - \r\n\n\rTY  - JOUR\rTI  - Two\r\nER  - "
    _, records = read_all(export_file(data))
    assert [(r.title, r.line) for r in records] == [("One", 1), ("Two", 8)]


def test_csv_in_cp1252(export_file: Write) -> None:
    data = "Title,Authors\nCafé – étude,Müller J\n".encode("cp1252")
    reader, [record] = read_all(export_file(data, "refs.csv"))
    assert (reader.format, reader.encoding) == ("csv", "cp1252")
    assert (record.title, record.authors) == ("Café – étude", ["Müller J"])


def test_csv_with_bom_and_crlf(export_file: Write) -> None:
    data = b'\xef\xbb\xbf"Title","Year"\r\n"A title",2020\r\n"B, title",2021\r\n'
    reader, records = read_all(export_file(data, "refs.csv"))
    assert reader.encoding == "utf-8-sig"
    assert [(r.title, r.year) for r in records] == [("A title", 2020), ("B, title", 2021)]
    assert list(records[0].raw_fields) == ["Title", "Year"]
