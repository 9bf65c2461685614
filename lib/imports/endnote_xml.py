"""EndNote XML (EndNote desktop, Mendeley): <xml><records><record>...</record>...</records></xml>.

Parsed by defusedxml (no entity expansion, no external references) as a stream: each
<record> element is read, turned into a ParsedRecord and dropped, so memory holds one record.
Its field table is keyed by element path below <record> ('titles/title',
'contributors/authors/author', 'ref-type@name' for an attribute); a value is the element's
text with EndNote's <style> runs joined.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from typing import Any, TextIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .normalise import (
    all_values,
    clean,
    doi_in_url,
    first_doi,
    first_url,
    first_value,
    join_abstracts,
    pmid_digits,
    pmid_in_url,
    split_keywords,
    title_of,
    year_of,
)
from .records import ImportFileError, ParsedRecord
from .tagged import Warn

CHUNK = 1 << 16
PUBMED = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)


MAX_DEPTH = 100  # EndNote nests 5 deep; far deeper is an attack on the recursive code below


class _Builder(ET.TreeBuilder):
    """Builds the tree as expat reads, handing over each finished top-level <record>.

    A finished record is detached from its parent (so memory holds only the records of
    the chunk being read) and queued with the line where it started (expat's position
    when its start tag is read). Elements nested deeper than MAX_DEPTH are refused.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.done: deque[tuple[ET.Element, int]] = deque()
        self._open: list[ET.Element] = []
        self._starts: list[int] = []  # lines of the open <record> elements

    def _line(self) -> int:
        return self.parser.parser.CurrentLineNumber if self.parser is not None else 1

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:  # type: ignore[override]
        if len(self._open) >= MAX_DEPTH:
            raise ImportFileError(
                f"the XML nests elements more than {MAX_DEPTH} deep", line=self._line()
            )
        element = super().start(tag, attrs)
        self._open.append(element)
        if tag == "record":
            self._starts.append(self._line())
        return element

    def end(self, tag: str) -> ET.Element:  # type: ignore[override]
        element = super().end(tag)
        self._open.pop()
        if tag == "record":
            line = self._starts.pop()
            if not self._starts:  # not a record inside a record
                if self._open:
                    self._open[-1].remove(element)
                self.done.append((element, line))
        return element


def read_endnote_xml(stream: TextIO, *, warn: Warn) -> Iterator[ParsedRecord]:
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True)
    builder.parser = parser
    ordinal = 0
    while True:
        chunk = stream.read(CHUNK)
        try:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
        except ET.ParseError as exc:
            line = exc.position[0] if exc.position else None
            raise ImportFileError(
                f"the XML is not well-formed: {_reason(exc)}", line=line
            ) from None
        except DefusedXmlException:
            raise ImportFileError(
                "the XML declares entities or external references, which are not read "
                "(they can be used to attack the server)"
            ) from None
        while builder.done:
            element, line = builder.done.popleft()
            ordinal += 1
            element.tail = None  # the text after </record> is not the record's
            yield record_from_element(element, ordinal, line)
        if not chunk:
            return


def _reason(exc: ET.ParseError) -> str:
    return re.sub(r": line \d+, column \d+$", "", str(exc))


def fields_of(record: ET.Element) -> dict[str, Any]:
    """Element path -> text (attributes as 'path@name'); repeated paths give lists."""
    fields: dict[str, Any] = {}
    _collect(record, "", fields)
    return fields


def _collect(element: ET.Element, path: str, fields: dict[str, Any]) -> None:
    if element.attrib:
        for name, value in element.attrib.items():
            _add(fields, f"{path}@{name}" if path else f"@{name}", value)
    if path:
        if not len(element):
            _add(fields, path, element.text or "")
            return
        if all(child.tag == "style" for child in element):
            _add(fields, path, "".join(element.itertext()))
            return
    for child in element:
        _collect(child, f"{path}/{child.tag}" if path else str(child.tag), fields)


def serialise(element: ET.Element) -> str:
    """The element as XML text (ElementTree.tostring's output, faster, and with carriage
    returns written as references: a parser would read a bare one back as a newline)."""
    out: list[str] = []
    _serialise(element, out)
    return "".join(out)


def _serialise(element: ET.Element, out: list[str]) -> None:
    tag = element.tag
    attrs = (
        "".join(f' {k}="{_escape(v, attribute=True)}"' for k, v in element.attrib.items())
        if element.attrib
        else ""
    )
    text = element.text
    if not text and not len(element):
        out.append(f"<{tag}{attrs} />")
    else:
        out.append(f"<{tag}{attrs}>")
        if text:
            out.append(_escape(text))
        for child in element:
            _serialise(child, out)
        out.append(f"</{tag}>")
    if element.tail:
        out.append(_escape(element.tail))


_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTRIBUTE_ESCAPES = (*_ESCAPES, ('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape(text: str, attribute: bool = False) -> str:
    for char, reference in _ATTRIBUTE_ESCAPES if attribute else _ESCAPES:
        if char in text:
            text = text.replace(char, reference)
    return text


def _add(fields: dict[str, Any], key: str, value: str) -> None:
    current = fields.get(key)
    if current is None:
        fields[key] = value
    elif type(current) is list:
        current.append(value)
    else:
        fields[key] = [current, value]


def fields_from_text(raw_text: str) -> dict[str, Any]:
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(raw_text)
        return fields_of(parser.close())
    except (ET.ParseError, DefusedXmlException, ImportFileError):
        return {}


TITLE_TAGS = ("titles/title", "titles/translated-title")
JOURNAL_TAGS = (
    "periodical/full-title",
    "titles/secondary-title",
    "journal",
    "periodical/abbr-1",
    "alt-periodical/full-title",
    "titles/alt-title",
)
URL_TAGS = ("urls/related-urls/url", "urls/web-urls/url", "urls/pdf-urls/url", "url")
FEEDS = frozenset(
    {*TITLE_TAGS, *JOURNAL_TAGS, *URL_TAGS, "contributors/authors/author", "abstract"}
    | {"dates/year", "volume", "number", "issue", "pages", "electronic-resource-num", "doi"}
    | {"keywords/keyword", "language", "ref-type", "ref-type@name", "accession-num"}
)


def record_from_element(element: ET.Element, ordinal: int, line: int) -> ParsedRecord:
    fields = fields_of(element)
    warnings: list[str] = []
    title = title_of(fields, TITLE_TAGS, warnings)
    year, year_text = year_of(fields, ("dates/year", "dates/pub-dates/date"), warnings)
    urls = all_values(fields, URL_TAGS)
    doi = first_doi(all_values(fields, ("electronic-resource-num", "doi"))) or next(
        (d for u in urls if "doi.org" in u and (d := doi_in_url(u))), ""
    )
    databases = " ".join(
        all_values(fields, ("remote-database-name", "remote-database-provider", "database"))
    )
    pmid = ""
    if PUBMED.search(databases):
        pmid = next(
            (p for v in all_values(fields, ("accession-num",)) if (p := pmid_digits(v))), ""
        )
    pmid = pmid or next((p for u in urls if "pubmed" in u and (p := pmid_in_url(u))), "")
    return ParsedRecord(
        ordinal=ordinal,
        line=line,
        raw_text=serialise(element),
        raw_fields=fields,
        title=title,
        abstract=join_abstracts(all_values(fields, ("abstract",))),
        authors=[a for a in map(clean, all_values(fields, ("contributors/authors/author",))) if a],
        year=year,
        year_text=year_text,
        journal=first_value(fields, JOURNAL_TAGS)[1],
        volume=first_value(fields, ("volume",))[1],
        issue=first_value(fields, ("number", "issue"))[1],
        pages=first_value(fields, ("pages",))[1],
        doi=doi,
        pmid=pmid,
        keywords=split_keywords(all_values(fields, ("keywords/keyword",))),
        url=next((u for v in urls if (u := first_url(v))), ""),
        language=first_value(fields, ("language",))[1],
        type=first_value(fields, ("ref-type@name", "ref-type"))[1],
        warnings=warnings,
    )
