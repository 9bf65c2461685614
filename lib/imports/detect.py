"""Telling what a file is from its content (never its name), and refusing what we cannot read.

Every refusal is an ImportFileError whose message names the file, says what it seems to
be and what to export instead.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from .decode import UTF16_BOMS, Encoding, choose_encoding, decode_head
from .records import ImportFileError
from .ris import SiftRisParser
from .tabular import Header, find_header, guess_columns

HEAD_BYTES = 64 * 1024
HEAD_LINES = 2000
INSTEAD = "export the search results as RIS or CSV instead"

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # not tab, newlines, VT or FF
_WOS_TYPE = re.compile(r"PT [A-Z]\s*$")
_ENDNOTE_TAG = re.compile(r"%[A-Z0-9@!#$&()*+^~>\[\]|] ")
_BIBTEX_ENTRY = re.compile(r"\s*@[A-Za-z]+\s*[{(]")
_OVID_COUNTER = re.compile(r"<\d+\.?\s*>\s*$")
_RIS_LIKE_TAG = re.compile(r"[A-Z][A-Z0-9]  - ")


@dataclass(frozen=True, slots=True)
class Detection:
    format: str  # "ris" | "csv" | "tsv"
    encoding: Encoding
    header: Header | None  # CSV/TSV only


def detect(f: BinaryIO, name: str, size: int) -> Detection:
    """Read the head of f (and scan it whole for the encoding); raise if it cannot be imported."""
    f.seek(0)
    head = f.read(HEAD_BYTES)
    f.seek(0)
    if size == 0 or not head:
        raise ImportFileError(f"{name} is empty (0 bytes)")
    _refuse_binary(f, head, name)

    encoding = choose_encoding(f)
    if encoding.nul_at is not None:
        raise ImportFileError(
            f"{name} is a binary file, not a text export (RIS or CSV): it holds a NUL byte "
            f"at byte {encoding.nul_at}"
        )
    if encoding.whitespace_only:
        raise ImportFileError(f"{name} is empty: it holds only blank lines")
    text = decode_head(head, encoding.name)
    if text.count("\ufffd") > max(8, len(text) // 100) or len(_CONTROL.findall(text)) > max(
        8, len(text) // 50
    ):
        raise ImportFileError(f"{name} is a binary file, not a text export (RIS or CSV)")

    # Only the newlines the readers split on: str.splitlines() would also split on U+2028,
    # U+0085 and others, and the header row's index would then point at the wrong line.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(head) == HEAD_BYTES and len(lines) > 1:
        lines.pop()  # probably cut in the middle
    lines = lines[:HEAD_LINES]
    fmt, header = sniff_lines(lines, name)
    return Detection(fmt, encoding, header)


def _refuse_binary(f: BinaryIO, head: bytes, name: str) -> None:
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF"):
        raise ImportFileError(
            f"{name} is a PDF, not a search-results export: export the results from the "
            "database as RIS or CSV"
        )
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_zip_message(f, name))
    if head.startswith(b"\x1f\x8b"):
        raise ImportFileError(
            f"{name} is a compressed archive (gzip): unzip it first and import the file inside"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{name} is an old Microsoft Office file (XLS): Excel files are not supported yet: "
            "save the sheet as CSV"
        )
    if not head.startswith(UTF16_BOMS) and b"\x00" in head:
        raise ImportFileError(f"{name} is a binary file, not a text export (RIS or CSV)")


def _zip_message(f: BinaryIO, name: str) -> str:
    try:
        with zipfile.ZipFile(f) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        names = []
    finally:
        f.seek(0)
    if any(n.startswith("xl/") for n in names):
        return (
            f"{name} is an Excel workbook: Excel (XLSX) files are not supported yet: "
            "save the sheet as CSV"
        )
    if "content.xml" in names and "mimetype" in names:
        return (
            f"{name} is an OpenDocument file: spreadsheets are not supported yet: "
            "save the sheet as CSV"
        )
    return (
        f"{name} is a compressed archive (ZIP): unzip it first and import the export files inside"
    )


def sniff_lines(lines: Sequence[str], name: str) -> tuple[str, Header | None]:
    """The format named by the first line that is a clear signature of one."""
    parse_line = SiftRisParser().parse_line
    first_text = next((line.strip() for line in lines if line.strip()), "")
    if first_text.startswith(("FN ", "VR ")):
        raise _unsupported(name, "Web of Science tagged format ('FN'/'PT' lines)", WOS_INSTEAD)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if parse_line(line)[0] == "TY":
            return "ris", None
        if line.startswith("PMID-"):
            raise _unsupported(name, "PubMed/MEDLINE format ('PMID- ' lines)", PUBMED_INSTEAD)
        if _WOS_TYPE.match(line):
            raise _unsupported(name, "Web of Science tagged format ('FN'/'PT' lines)", WOS_INSTEAD)
        stripped = line.lstrip("\ufeff").lstrip()
        if stripped.startswith(("<?xml", "<xml>", "<records>")):
            if "<records>" in "".join(lines[index : index + 50]) or "<record>" in line:
                raise _unsupported(name, "EndNote XML", ENDNOTE_INSTEAD)
            raise _unsupported(name, "XML", INSTEAD)
        if _ENDNOTE_TAG.match(line) and any(
            other.startswith(("%0 ", "%T ", "%A ")) for other in lines[index : index + 50]
        ):
            raise _unsupported(name, "EndNote tagged format ('%0', '%T' lines)", ENDNOTE_INSTEAD)
        if _BIBTEX_ENTRY.match(line):
            raise _unsupported(name, "BibTeX", INSTEAD)
        if _OVID_COUNTER.match(line):
            raise _unsupported(name, "Ovid's own format ('<1>' numbered records)", OVID_INSTEAD)
        if header := find_header([line]):
            header = Header(index, header.delimiter, header.columns)
            return ("tsv" if header.delimiter == "\t" else "csv"), header

    if sum(1 for line in lines if _RIS_LIKE_TAG.match(line)) >= 2:
        raise ImportFileError(
            f"no records found in {name}: it has tagged lines like 'TI  - ' but no 'TY  - ' "
            "line that starts a RIS record (is it a native Ovid or MEDLINE export? "
            f"{INSTEAD})"
        )
    if columns := guess_columns(lines):
        shown = ", ".join(repr(c) for c in columns[:15]) + (" ..." if len(columns) > 15 else "")
        raise ImportFileError(
            f"{name} looks like a table but has no Title column (columns found: {shown}); "
            "the importer needs a column named Title, Article Title or Document Title"
        )
    raise ImportFileError(
        f"could not recognise the format of {name}: expected RIS (lines like 'TY  - JOUR') "
        "or CSV/TSV with a header row naming a Title column"
    )


PUBMED_INSTEAD = "in PubMed use 'Save' with the format 'CSV' instead"
WOS_INSTEAD = (
    "in Web of Science export as 'RIS (other reference software)' or 'Tab delimited file' instead"
)
ENDNOTE_INSTEAD = "in EndNote export with the 'RefMan (RIS) Export' output style instead"
OVID_INSTEAD = "in Ovid export with the format 'RIS' instead"


def _unsupported(name: str, what: str, instead: str) -> ImportFileError:
    return ImportFileError(f"{name}: {what} is not supported yet; {instead}")
