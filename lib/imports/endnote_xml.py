"""EndNote XML (EndNote desktop, Mendeley): <xml><records><record>...</record>...</records></xml>.

Parsed by defusedxml (no entity expansion, no external references) as a stream
(xmlstream.py): each <record> element is read, turned into a ParsedRecord and dropped, so
memory holds the records of one chunk.
Its field table is keyed by element path below <record> ('titles/title',
'contributors/authors/author', 'ref-type@name' for an attribute); a value is the element's
text with EndNote's <style> runs joined.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, TextIO

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
from .records import ParsedRecord
from .tagged import Warn
from .xmlstream import RecordBuilder, add, parse_record, serialise, stream_records

PUBMED = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)


def _is_record(tag: str, depth: int) -> bool:
    return tag == "record"


def read_endnote_xml(stream: TextIO, *, warn: Warn) -> Iterator[ParsedRecord]:
    builder = RecordBuilder(_is_record)
    for ordinal, (element, line) in enumerate(stream_records(stream, builder), 1):
        yield record_from_element(element, ordinal, line)


def fields_of(record: ET.Element) -> dict[str, Any]:
    """Element path -> text (attributes as 'path@name'); repeated paths give lists."""
    fields: dict[str, Any] = {}
    _collect(record, "", fields)
    return fields


def _collect(element: ET.Element, path: str, fields: dict[str, Any]) -> None:
    if element.attrib:
        for name, value in element.attrib.items():
            add(fields, f"{path}@{name}" if path else f"@{name}", value)
    if path:
        if not len(element):
            add(fields, path, element.text or "")
            return
        if all(child.tag == "style" for child in element):
            add(fields, path, "".join(element.itertext()))
            return
    for child in element:
        _collect(child, f"{path}/{child.tag}" if path else str(child.tag), fields)


def fields_from_text(raw_text: str) -> dict[str, Any]:
    element = parse_record(raw_text)
    return fields_of(element) if element is not None else {}


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
