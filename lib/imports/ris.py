"""RIS in all its dialects: a streaming record splitter feeding a rispy parser subclass.

The splitter finds records (a TY line up to an ER line) in a text stream one line at a
time, skipping what lies between them (preambles, 'Record #1 of 3' banners, Ovid '1.'
counters) and counting it. Each line of a record goes through SiftRisParser, a
rispy.RisParser whose parse_line (rispy's documented extension point) also knows
non-2-letter tags and whose fields are keyed by the RIS tag itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import rispy

from .normalise import (
    as_list,
    clean,
    doi_in_url,
    first_url,
    first_value,
    join_abstracts,
    join_pages,
    normalise_doi,
    pmid_digits,
    pmid_in_url,
    split_keywords,
    year_of,
)
from .records import ImportFileError, ParsedRecord

Warn = Callable[[str, str], None]

# rispy's list tags: an untagged line after one of these is one more value (EndNote and
# Rayyan put one keyword, author or note per line), not the rest of the previous line.
ITEM_TAGS = frozenset({"A1", "A2", "A3", "A4", "AU", "KW", "N1", "UR"})

KNOWN_TAGS = frozenset(rispy.TAG_KEY_MAPPING)

# Tags beyond the 2-letter 'XX  - ' of the fast path: 'PMID  - 123' (APA PsycNET) and the
# MEDLINE-style 'PMID- 123' / 'OWN - NLM', where the tag and its padding fill 4 columns.
_LONG_TAG = re.compile(
    r"(?:([A-Z][A-Z0-9]{1,3})  -|([A-Z][A-Z0-9]{2}) -|([A-Z][A-Z0-9]{3})-)(?:[ \t](.*)|\s*)$",
    re.DOTALL,
)


class SiftRisParser(rispy.RisParser):
    """rispy's RisParser keeping every tag under its own name, repeated tags as lists."""

    # rispy's class-level settings: no tag is renamed (only TY is looked up, when a record
    # starts), and ';' in KW or UR is split later by the normaliser, not here.
    DEFAULT_MAPPING: ClassVar[dict] = {"TY": "TY"}
    DEFAULT_LIST_TAGS: ClassVar[list[str]] = sorted(ITEM_TAGS)
    DEFAULT_DELIMITER_MAPPING: ClassVar[dict] = {}

    def __init__(self) -> None:
        super().__init__(enforce_list_tags=False)

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        if line[2:5] == "  -" and line[:2].isupper() and line[0].isalpha():
            return line[:2], line[5:].strip()
        if line.startswith("\ufeff"):  # a BOM left mid-file by concatenated exports
            return self.parse_line(line[1:])
        if line[2:5] == "  -" and (tag := line[:2].upper()) in KNOWN_TAGS:
            # 'ty  - JOUR': tags written in lower case are read as the standard ones; only
            # the standard tags, so that a wrapped abstract line is not taken for a tag.
            return tag, line[5:].strip()
        match = _LONG_TAG.match(line)
        if match is None:
            return None, line.strip()
        tag = match.group(1) or match.group(2) or match.group(3)
        return tag, (match.group(4) or "").strip()

    def _add_tag(
        self, record: dict, tag: str | None, content: str, extend_multiline: bool = False
    ) -> None:
        if tag is None:
            tag = "TY"
        current = record.get(tag)
        if extend_multiline:
            if not content:
                return
            if current is None or current == "":
                record[tag] = content
            elif tag in ITEM_TAGS:
                if type(current) is list:
                    current.append(content)
                else:
                    record[tag] = [current, content]
            elif type(current) is list:
                current[-1] = f"{current[-1]}\n{content}" if current[-1] else content
            else:
                record[tag] = f"{current}\n{content}"
        elif current is None:
            record[tag] = content
        elif type(current) is list:
            current.append(content)
        else:
            record[tag] = [current, content]


def read_ris(lines: Iterable[str], *, warn: Warn) -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per TY...ER record of a universal-newline line stream."""
    parser = SiftRisParser()
    parse_line = parser.parse_line
    add = parser._add_tag
    fields: dict[str, Any] | None = None
    raw: list[str] = []
    start = ordinal = lineno = ended = 0
    last_tag = "TY"
    skipped_before = skipped_between = 0
    first_between = ""
    line = ""
    tag: str | None

    for line in lines:
        lineno += 1
        # The hot loop: rispy's own two-letter tag test is inlined here, and a tag's first
        # value is stored directly; parse_line and _add_tag handle everything else.
        if line[2:5] == "  -" and line[:2].isupper() and line[0].isalpha():
            tag, value = line[:2], line[5:].strip()
        else:
            tag, value = parse_line(line)

        if fields is None:
            if tag == "TY":
                fields, raw, start, last_tag = {"TY": value}, [line], lineno, "TY"
                ordinal += 1
            elif value:
                if not ordinal:
                    skipped_before += 1
                    continue
                skipped_between += 1
                if not first_between:
                    first_between = f"line {lineno}: {value[:60]!r}"
            continue

        if tag is None:
            raw.append(line)
            if value:
                add(fields, last_tag, value, True)
        elif tag == "ER":
            raw.append(line)
            ended += 1
            yield record_from_fields(fields, raw, ordinal, start)
            fields = None
        elif tag == "TY":
            warn("no-er", f"record {ordinal} (line {start}) has no ER end tag before the next TY")
            yield record_from_fields(fields, raw, ordinal, start)
            fields, raw, start, last_tag = {"TY": value}, [line], lineno, "TY"
            ordinal += 1
        else:
            raw.append(line)
            if tag in fields:
                add(fields, tag, value)
            else:
                fields[tag] = value
            last_tag = tag

    if fields is not None:
        # A last record without ER that stops mid-line was cut off, if the file's other
        # records end with ER; an exporter that writes no ER at all just has no final newline.
        if not line.endswith("\n") and ended:
            raise ImportFileError(
                f"the file seems truncated: record {ordinal} starting at line {start} has no "
                "end (ER) line and the file stops in the middle of a line",
                line=lineno,
                record=ordinal,
            )
        warn("no-er", f"record {ordinal} (line {start}) has no ER end tag at the end of the file")
        yield record_from_fields(fields, raw, ordinal, start)

    if skipped_before:
        warn("skipped", _skipped(skipped_before, "before the first record"))
    if skipped_between:
        where = f"between or after records (first at {first_between})"
        warn("skipped", _skipped(skipped_between, where))


def _skipped(n: int, where: str) -> str:
    return f"1 line {where} was skipped" if n == 1 else f"{n} lines {where} were skipped"


# Normalised fields, by preference. A2 (editors) and A3 (series editors) are not authors.
TITLE_TAGS = ("TI", "T1", "CT", "BT")
TITLE_FALLBACK_TAGS = ("ST", "TT", "T2")
JOURNAL_TAGS = ("JF", "JO", "T2", "JA", "J2", "J1")
YEAR_TAGS = ("PY", "Y1", "DA", "Y2")
PUBMED_SOURCES = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)
OVID_MEDLINE = re.compile(r"(?:ovid )?(?:medline|pubmed)\b", re.IGNORECASE)
# Tags read for a normalised field; the others are counted in ExportReader.unmapped_fields.
# (DB, DP, AN, ID, C5, L3, M3 and N1 are read only to find a PMID or DOI hidden in them.)
FEEDS = frozenset(
    {"TY", *TITLE_TAGS, *TITLE_FALLBACK_TAGS, *JOURNAL_TAGS, *YEAR_TAGS, "AU", "A1", "AB", "N2"}
    | {"VL", "IS", "SP", "EP", "DO", "UR", "L2", "PMID", "KW", "LA"}
)


def record_from_fields(
    fields: dict[str, Any], raw: list[str], ordinal: int, start: int
) -> ParsedRecord:
    get = fields.get
    warnings: list[str] = []

    tag, title = first_value(fields, TITLE_TAGS)
    if not title:
        tag, title = first_value(fields, TITLE_FALLBACK_TAGS)
        warnings.append(f"no title tag: the title was taken from {tag}" if title else "no title")

    year, year_text = year_of(fields, YEAR_TAGS, warnings)

    authors: list[str] = []
    for tag in ("AU", "A1"):
        value = get(tag)
        for name in (value,) if type(value) is str else value or ():
            if ";" in name:
                authors.extend(n for n in map(clean, name.split(";")) if n)
            elif name := clean(name):
                authors.append(name)

    abstract = get("AB")
    if type(abstract) is not str or "N2" in fields:
        abstract = join_abstracts(as_list(abstract) + as_list(get("N2")))

    return ParsedRecord(
        ordinal=ordinal,
        line=start,
        raw_text="".join(raw),
        raw_fields=fields,
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        year_text=year_text,
        journal=first_value(fields, JOURNAL_TAGS)[1],
        volume=first_value(fields, ("VL",))[1],
        issue=first_value(fields, ("IS",))[1],
        pages=join_pages(first_value(fields, ("SP",))[1], first_value(fields, ("EP",))[1]),
        doi=_doi(fields),
        pmid=_pmid(fields),
        keywords=split_keywords(as_list(get("KW"))) if "KW" in fields else [],
        url=_url(fields),
        language=first_value(fields, ("LA",))[1],
        type=clean(as_list(get("TY"))[0]),
        warnings=warnings,
    )


def _doi(fields: dict[str, Any]) -> str:
    for value in as_list(fields.get("DO")):
        if doi := normalise_doi(value):
            return doi
    for tag in ("UR", "L2"):
        for value in as_list(fields.get(tag)):
            if "doi.org" in value and (doi := doi_in_url(value)):
                return doi
    for tag in ("L3", "M3", "N1"):
        for value in as_list(fields.get(tag)):
            if "10." in value and (doi := normalise_doi(value)):
                return doi
    return ""


def _pmid(fields: dict[str, Any]) -> str:
    if "PMID" in fields:
        for value in as_list(fields["PMID"]):
            if pmid := pmid_digits(value):
                return pmid
    if ("AN" in fields or "ID" in fields or "C5" in fields) and (
        databases := [v.strip() for v in as_list(fields.get("DB")) + as_list(fields.get("DP"))]
    ):
        # AN is the accession number of the database the record came from (EndNote keeps
        # PubMed's as AN, with DP 'NLM'); ID is a reference manager's own number, except in
        # Ovid's MEDLINE exports, where it is the PMID; Embase.com puts it in C5.
        checks = (
            ("AN", any(PUBMED_SOURCES.search(db) for db in databases)),
            ("ID", any(OVID_MEDLINE.match(db) and "\n" not in db for db in databases)),
            ("C5", any(db.lower() == "embase" for db in databases)),
        )
        for tag, applies in checks:
            if applies:
                for value in as_list(fields.get(tag)):
                    if value.strip().isdigit():
                        return value.strip()
    for tag in ("UR", "L2"):
        if tag in fields:
            for value in as_list(fields[tag]):
                if "pubmed" in value and (pmid := pmid_in_url(value)):
                    return pmid
    return ""


def _url(fields: dict[str, Any]) -> str:
    for tag in ("UR", "L2"):
        for value in as_list(fields.get(tag)):
            if url := first_url(value):
                return url
    return ""
