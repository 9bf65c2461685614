"""Telling what a file is from its content (never its name), and refusing what we cannot read.

Formats: RIS, PubMed/MEDLINE, Web of Science tagged, EndNote XML and tagged, BibTeX, Ovid's
own format, CSV/TSV, XLSX, PubMed XML and CSL-JSON. Every refusal is an ImportFileError
whose message names the file, says what it seems to be and what to export instead.

XML and JSON do not depend on where a file breaks its lines: they are told apart by their
structure (the root element; the first item), read by a parser from the head of the file,
never by looking for a line. The line formats look at whole lines; a last line cut by the
head's end still counts for the signatures that look at a line's start.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from . import csl_json, pubmed_xml
from .decode import UTF16_BOMS, Encoding, choose_encoding, decode_head
from .ovid import COUNTER as _OVID_COUNTER
from .records import ImportFileError
from .ris import SiftRisParser
from .tabular import Header, check_mapping, find_header, guess_columns, mapped_titles
from .xlsx import check_expansion, find_sheet_header, is_xlsx

HEAD_BYTES = 64 * 1024
HEAD_LINES = 2000
# XML whose root element is not in the head (a long comment or DOCTYPE first) is read this far.
XML_HEAD_BYTES = 1 << 20
INSTEAD = "export the search results as RIS or CSV instead"

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # not tab, newlines, VT or FF
_WOS_TYPE = re.compile(r"PT [A-Z]\s*$")
_ENDNOTE_TAG = re.compile(r"%[A-Z0-9@!#$&()*+^~>\[\]|] ")
_BIBTEX_ENTRY = re.compile(r"\s*@[A-Za-z]+\s*[{(]")
# An entry after other text on its line (a banner and entries on one line): only the
# standard entry types, so that an '@' in other text is not taken for one.
_BIBTEX_INLINE = re.compile(
    r"(?:^|\s)@(?:article|book|booklet|inbook|incollection|inproceedings|conference|manual"
    r"|mastersthesis|misc|phdthesis|proceedings|techreport|unpublished|online|report|thesis"
    r"|string|preamble)\s*\{",
    re.IGNORECASE,
)
_RIS_LIKE_TAG = re.compile(r"[A-Z][A-Z0-9]  - ")
# MEDLINE's tags of three or four letters, padded to four columns: 'PMID- ', 'OWN - '.
_MEDLINE_TAG = re.compile(r"(?:PMID|OWN |STAT|DCOM|FAU |LID |AID |PHST|EDAT|CRDT|MHDA)- ")
_OVID_VN = re.compile(r"VN {1,2}- Ovid", re.IGNORECASE)
XLSX_ENCODING = Encoding("utf-8", whitespace_only=False)  # an XLSX's text is UTF-8 XML

FORMATS = (
    "ris",
    "csv",
    "tsv",
    "xlsx",
    "medline",
    "wos",
    "endnote-xml",
    "endnote-tagged",
    "bibtex",
    "ovid",
    "pubmed-xml",
    "csl-json",
)
TABULAR = frozenset({"csv", "tsv", "xlsx"})


@dataclass(frozen=True, slots=True)
class Detection:
    format: str  # one of FORMATS
    encoding: Encoding
    header: Header | None  # CSV, TSV and XLSX only
    rows: int | None = None  # XLSX: the rows its sheet says it has (for progress)


def detect(
    f: BinaryIO, name: str, size: int, mapping: Mapping[str, str] | None = None
) -> Detection:
    """Read the head of f (and scan it whole for the encoding); raise if it cannot be imported.

    `mapping` (a table's column_mapping) may name the title column of a table whose
    header has no column the importer recognises as the title.
    """
    check_mapping(mapping)
    f.seek(0)
    head = f.read(HEAD_BYTES)
    f.seek(0)
    if size == 0 or not head:
        raise ImportFileError(f"{name} is empty (0 bytes)")
    if head.startswith(b"PK\x03\x04"):
        return _zip(f, name, mapping)
    _refuse_binary(head, name)

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

    lead = text.lstrip("\ufeff \t\r\n\f\v")
    if lead.startswith("<") and (fmt := _sniff_xml(f, text, encoding, name, size)):
        return Detection(fmt, encoding, None)
    if lead.startswith(("[", "{")) and csl_json.sniff(lead, name, complete=len(head) < HEAD_BYTES):
        return Detection("csl-json", encoding, None)

    # Only the newlines the readers split on: str.splitlines() would also split on U+2028,
    # U+0085 and others, and the header row's index would then point at the wrong line.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    partial = len(head) == HEAD_BYTES and len(lines) > 1  # the last line is probably cut
    lines = [line.lstrip("\ufeff") for line in lines[:HEAD_LINES]]
    fmt, header = sniff_lines(lines, name, mapped_titles(mapping), partial=partial)
    return Detection(fmt, encoding, header)


class _Seen(Exception):
    """Raised by _Elements once it has seen enough of the tree."""


class _Elements:
    """A parser target that notes the root element and the first elements below it."""

    def __init__(self) -> None:
        self.tags: list[str] = []  # root, its first child, that child's first child
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.depth == len(self.tags):
            self.tags.append(tag.rpartition("}")[2])
            if len(self.tags) == 3:
                raise _Seen
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1

    def close(self) -> None:
        pass


def xml_elements(text: str) -> list[str] | None:
    """[root, first child, first grandchild] as far as `text` (a file's head) shows them;
    None if it is not XML (not well-formed before a root element is seen)."""
    target = _Elements()
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True)
    try:
        parser.feed(text.lstrip("\ufeff \t\r\n"))
    except _Seen:
        pass
    except ET.ParseError:
        if not target.tags:
            return None
    return target.tags


def _sniff_xml(f: BinaryIO, text: str, encoding: Encoding, name: str, size: int) -> str | None:
    try:
        tags = xml_elements(text)
        if tags == [] and size > HEAD_BYTES:
            f.seek(0)
            tags = xml_elements(decode_head(f.read(XML_HEAD_BYTES), encoding.name))
            f.seek(0)
    except DefusedXmlException:
        raise ImportFileError(
            f"{name}: the XML declares entities or external references, which are not read "
            "(they can be used to attack the server)"
        ) from None
    if tags is None:
        lead = text.lstrip("\ufeff \t\r\n").lower()
        if lead.startswith(("<!doctype html", "<html")):
            raise ImportFileError(
                f"{name} is a web page (HTML), not a search-results export; {INSTEAD}"
            )
        return None  # not XML: '<1>' starts an Ovid record
    root = tags[0] if tags else ""
    if root in ("xml", "records") and (root == "records" or tags[1:2] in ([], ["records"])):
        return "endnote-xml"
    if root in pubmed_xml.ROOTS:
        return "pubmed-xml"
    if root == "eSearchResult":
        raise ImportFileError(
            f"{name} is a PubMed search result (E-utilities esearch): it lists PubMed IDs, not "
            "records; fetch the records as XML (efetch, retmode=xml) or save them from PubMed"
        )
    if root.lower() == "html":
        raise ImportFileError(
            f"{name} is a web page (HTML), not a search-results export; {INSTEAD}"
        )
    what = f" (its root element is <{root}>)" if root else ""
    raise ImportFileError(
        f"{name}: XML other than EndNote XML or PubMed XML is not supported{what}; {INSTEAD}"
    )


def _refuse_binary(head: bytes, name: str) -> None:
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF"):
        raise ImportFileError(
            f"{name} is a PDF, not a search-results export: export the results from the "
            "database as RIS or CSV"
        )
    if head.startswith(b"\x1f\x8b"):
        raise ImportFileError(
            f"{name} is a compressed archive (gzip): unzip it first and import the file inside"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{name} is an old Microsoft Office file (XLS): this Excel format is not "
            "supported: save the sheet as XLSX or CSV"
        )
    if not head.startswith(UTF16_BOMS) and b"\x00" in head:
        raise ImportFileError(f"{name} is a binary file, not a text export (RIS or CSV)")


def _zip(f: BinaryIO, name: str, mapping: Mapping[str, str] | None) -> Detection:
    try:
        with zipfile.ZipFile(f) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
        names = []
    finally:
        f.seek(0)
    if is_xlsx(names):
        check_expansion(f, name)
        sheet = find_sheet_header(f, name, mapping)
        return Detection("xlsx", XLSX_ENCODING, sheet.header, sheet.rows)
    if "content.xml" in names and "mimetype" in names:
        raise ImportFileError(
            f"{name} is an OpenDocument file: OpenDocument spreadsheets are not supported: "
            "save the sheet as XLSX or CSV"
        )
    raise ImportFileError(
        f"{name} is a compressed archive (ZIP): unzip it first and import the export files inside"
    )


def sniff_lines(
    lines: Sequence[str],
    name: str,
    extra_titles: frozenset[str] = frozenset(),
    *,
    partial: bool = False,
) -> tuple[str, Header | None]:
    """The format named by the first line that is a clear signature of one.

    `partial`: the last line was cut by the end of the head; it still counts for the
    signatures that look at the start of a line, not as a table's header row.
    """
    last = len(lines) - 1
    parse_line = SiftRisParser().parse_line
    first_text = next((line.strip() for line in lines if line.strip()), "")
    if first_text.startswith(("FN ", "VR ")):
        return "wos", None
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if parse_line(line)[0] == "TY":
            return "ris", None
        if _MEDLINE_TAG.match(line):
            return "medline", None
        if _WOS_TYPE.match(line):
            return "wos", None
        if line.lstrip().startswith("<?xml"):
            raise ImportFileError(f"{name}: the XML is not well-formed before its first element")
        if _ENDNOTE_TAG.match(line) and any(
            other.startswith(("%0 ", "%T ", "%A ")) for other in lines[index : index + 50]
        ):
            return "endnote-tagged", None
        if _BIBTEX_ENTRY.match(line) or _BIBTEX_INLINE.search(line):
            return "bibtex", None
        if _OVID_COUNTER.match(line) or _OVID_VN.match(line):
            return "ovid", None
        if (index < last or not partial) and (header := find_header([line], extra_titles)):
            header = Header(index, header.delimiter, header.columns)
            return ("tsv" if header.delimiter == "\t" else "csv"), header

    if sum(1 for line in lines if _RIS_LIKE_TAG.match(line)) >= 2:
        raise ImportFileError(
            f"no records found in {name}: it has tagged lines like 'TI  - ' but no 'TY  - ' "
            f"line that starts a RIS record; {INSTEAD}"
        )
    if columns := guess_columns(lines):
        shown = ", ".join(repr(c) for c in columns[:15]) + (" ..." if len(columns) > 15 else "")
        raise ImportFileError(
            f"{name} looks like a table but has no Title column (columns found: {shown}); "
            "the importer needs a column named Title, Article Title or Document Title",
            columns=columns,
        )
    raise ImportFileError(
        f"could not recognise the format of {name}: expected RIS (lines like 'TY  - JOUR'), "
        "PubMed/MEDLINE, Web of Science, EndNote, BibTeX or Ovid tagged text, EndNote or PubMed "
        "XML, CSL-JSON, or a table (CSV, TSV or XLSX) with a header row naming a Title column"
    )
