"""Ovid's own export formats (.cgi, .ovd, .txt): numbered records in one of two layouts.

Each record starts at its counter, '<1>' or '<3001. >', and runs to the next one.
- Tagged ('EndNote'/'Citavi' export, 'Complete Reference' fields): 'TI  - A title' lines as
  in RIS, with no TY or ER; untagged lines continue the previous value.
- Labelled (the display layout): a field label at the start of a line ('Title', 'Authors',
  'Digital Object Identifier') and its values on the indented lines below it, one per line.
A tagged file without counters is split where its first tag ('VN  - Ovid Technologies')
comes again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .normalise import (
    all_values,
    clean,
    first_doi,
    first_pmid,
    first_url,
    first_value,
    join_abstracts,
    split_keywords,
    strip_major,
    title_of,
    year_of,
)
from .records import ParsedRecord
from .ris import SiftRisParser
from .tagged import Warn

COUNTER = re.compile(r"<\d+\.?\s*>\s*$")
MEDLINE_DB = re.compile(r"medline|pubmed", re.IGNORECASE)

_parse_tag = SiftRisParser().parse_line


class _Record:
    __slots__ = ("fields", "labelled", "last", "lines", "ordinal", "start")

    def __init__(self, lines: list[str], start: int, ordinal: int):
        self.fields: dict[str, Any] = {}
        self.lines = lines
        self.start = start
        self.ordinal = ordinal
        self.labelled: bool | None = None  # decided by the first field line
        self.last = ""


def read_ovid(lines: Iterable[str], *, warn: Warn) -> Iterator[ParsedRecord]:
    current: _Record | None = None
    lineno = ordinal = skipped = 0
    for line in lines:
        lineno += 1
        if COUNTER.match(line):
            if current is not None:
                yield record_from_fields(current)
            ordinal += 1
            current = _Record([line], lineno, ordinal)
            continue
        if current is None:
            if not line.strip():
                continue
            if _parse_tag(line)[0] is None:
                skipped += 1
                continue
            ordinal += 1
            current = _Record([], lineno, ordinal)
        elif current.fields and not current.labelled:
            tag = _parse_tag(line)[0]
            if tag is not None and tag == next(iter(current.fields)):
                yield record_from_fields(current)
                ordinal += 1
                current = _Record([], lineno, ordinal)
        current.lines.append(line)
        _read_line(current, line)
    if current is not None:
        yield record_from_fields(current)
    if skipped:
        warn("skipped", f"{skipped} lines before the first record were skipped")


def _read_line(record: _Record, line: str) -> None:
    if not line.strip():
        return
    fields = record.fields
    if record.labelled is None:
        record.labelled = _parse_tag(line)[0] is None
    if record.labelled:
        if line[:1].isspace():
            if record.last:
                _add(fields, record.last, line.strip())
        else:
            record.last = line.strip()
            fields.setdefault(record.last, [])
        return
    tag, value = _parse_tag(line)
    if tag is None:
        if record.last:
            current = fields[record.last]
            if type(current) is list:
                current[-1] = f"{current[-1]}\n{value}" if current[-1] else value
            else:
                fields[record.last] = f"{current}\n{value}" if current else value
        return
    current = fields.get(tag)
    if current is None:
        fields[tag] = value
    elif type(current) is list:
        current.append(value)
    else:
        fields[tag] = [current, value]
    record.last = tag


def _add(fields: dict[str, Any], label: str, value: str) -> None:
    current = fields[label]
    if type(current) is list:
        current.append(value)
    else:
        fields[label] = [current, value]


def fields_from_text(lines: Iterable[str]) -> dict:
    record = next(read_ovid(lines, warn=lambda *_: None), None)
    return record.raw_fields if record else {}


# Labelled layout: label (lower-case) -> normalised field, by preference.
LABELS = {
    "title": ("title",),
    "authors": ("authors", "author", "authors full name"),
    "abstract": ("abstract",),
    "year": ("year of publication", "publication date", "date of publication", "year"),
    "journal": ("journal name", "journal title", "abbreviated source"),
    "volume": ("volume",),
    "issue": ("issue", "issue/part"),
    "pages": ("page", "pages", "pagination"),
    "doi": ("digital object identifier", "doi number", "doi"),
    "pmid": ("pubmed identifier", "pmid", "pubmed id"),
    "keywords": (
        "author keywords",
        "keyword heading",
        "keywords",
        "mesh subject headings",
        "subject headings",
    ),
    "url": ("link to the ovid full text or citation", "url"),
    "language": ("language",),
    "type": ("publication type", "document type"),
}
# Tagged layout: Ovid's field codes, by preference.
TAGS = {
    "title": ("TI",),
    "authors": ("AU",),
    "abstract": ("AB",),
    "year": ("YR", "DP", "PY", "YE"),
    "journal": ("JN", "JT", "JA", "TA"),
    "volume": ("VO", "VI", "VL"),
    "issue": ("IP", "NO"),
    "pages": ("PG", "PP"),
    "doi": ("DO", "DI"),
    "pmid": ("PM", "PMID"),
    "keywords": ("KW", "MH"),
    "url": ("UR", "XL"),
    "language": ("LG", "LA"),
    "type": ("PT",),
}
FEEDS = frozenset(
    {tag for tags in TAGS.values() for tag in tags}
    | {label for labels in LABELS.values() for label in labels}
    | {"UI", "DB", "SO", "source", "unique identifier", "database"}
)


def record_from_fields(record: _Record) -> ParsedRecord:
    lines = record.lines
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    fields = {k: (v[0] if type(v) is list and len(v) == 1 else v) for k, v in record.fields.items()}
    if record.labelled:
        fields = {k: ("" if v == [] else v) for k, v in fields.items()}
        keys = {k.lower(): k for k in fields}
        names = {f: tuple(keys[x] for x in labels if x in keys) for f, labels in LABELS.items()}
        database = first_value(fields, (keys["database"],))[1] if "database" in keys else ""
        accession, source = keys.get("unique identifier", ""), keys.get("source", "")
    else:
        names = TAGS
        database = first_value(fields, ("DB",))[1]
        accession, source = "UI", "SO"

    warnings: list[str] = []
    title = title_of(fields, names["title"], warnings)
    year, year_text = year_of(fields, names["year"], warnings)
    authors: list[str] = []
    for value in all_values(fields, names["authors"]):
        authors.extend(_split_authors(value))
    journal = first_value(fields, names["journal"])[1]
    if not journal and source:
        journal = _journal_from_source(first_value(fields, (source,))[1])
    pmid = first_pmid(all_values(fields, names["pmid"]))
    if not pmid and accession and MEDLINE_DB.search(database):
        pmid = first_pmid(all_values(fields, (accession,)))
    keywords: list[str] = []
    for value in all_values(fields, names["keywords"]):
        keywords.extend(v for v in (strip_major(k) for k in value.split(";")) if v)
    return ParsedRecord(
        ordinal=record.ordinal,
        line=record.start,
        raw_text="".join(lines),
        raw_fields=fields,
        title=title,
        abstract=join_abstracts(all_values(fields, names["abstract"])),
        authors=authors,
        year=year,
        year_text=year_text,
        journal=journal,
        volume=first_value(fields, names["volume"])[1],
        issue=first_value(fields, names["issue"])[1],
        pages=first_value(fields, names["pages"])[1],
        doi=first_doi(all_values(fields, names["doi"])),
        pmid=pmid,
        keywords=split_keywords(k.rstrip(".") for k in keywords),
        url=next((u for v in all_values(fields, names["url"]) if (u := first_url(v))), ""),
        language=first_value(fields, names["language"])[1].rstrip("."),
        type=first_value(fields, names["type"])[1],
        warnings=warnings,
    )


def _split_authors(value: str) -> list[str]:
    """'Holstiege, Jakob 1;  Mathes, Tim 2' or one author per line."""
    parts = value.split(";") if ";" in value else [value]
    return [a for a in map(clean, parts) if a]


def _journal_from_source(source: str) -> str:
    """'Journal of Orthopaedic Trauma. 29(3):1-9, 2015.' -> 'Journal of Orthopaedic Trauma'."""
    return source.split(". ")[0].rstrip(". ").strip() if source else ""
