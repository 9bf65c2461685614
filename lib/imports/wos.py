"""Web of Science tagged format (.ciw, .isi, .txt; 'Other reference software' / 'Plain text').

'PT J', 'AU Smith, J' + '   Jones, K': a two-character tag, a space, the value; continuation
lines are indented three spaces. 'ER' ends a record, 'FN'/'VR' head the file and 'EF' ends
it. Every tag is kept under its own name, current ones (Z8, ZB, ZR, ZS ...) included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .normalise import (
    all_values,
    clean,
    first_doi,
    first_pmid,
    first_value,
    join_pages,
    split_keywords,
    title_of,
    year_of,
)
from .records import ParsedRecord
from .tagged import Split, Syntax, Warn, first_fields, split_records

_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER_DIGIT = _UPPER | frozenset("0123456789")


def parse_line(line: str) -> tuple[str | None, str]:
    if (
        len(line) >= 2
        and line[0] in _UPPER
        and line[1] in _UPPER_DIGIT
        and (len(line) == 2 or line[2] in " \t\r\n")
    ):
        return line[:2], line[3:].strip()
    return None, line.strip()


# Tags whose continuation lines are more values (one person, address or reference per line).
ITEM_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "ED", "CR", "C1", "C3"})
SYNTAX = Syntax(
    parse_line=parse_line,
    start_tags=frozenset({"PT"}),
    item_tags=ITEM_TAGS,
    end_tag="ER",
    file_tags=frozenset({"FN", "VR", "EF"}),
)

JOURNAL_TAGS = ("SO", "SE", "BS")
FEEDS = frozenset(
    {"PT", "DT", "TI", "AF", "AU", "AB", "PY", "EA", *JOURNAL_TAGS, "VL", "IS", "BP", "EP"}
    | {"AR", "DI", "D2", "PM", "DE", "ID", "LA"}
)


def read_wos(lines: Iterable[str], *, warn: Warn) -> Iterator[ParsedRecord]:
    for split in split_records(lines, SYNTAX, warn=warn):
        yield record_from_split(split)


def fields_from_text(lines: Iterable[str]) -> dict:
    return first_fields(lines, SYNTAX)


def record_from_split(split: Split) -> ParsedRecord:
    fields = split.fields
    warnings: list[str] = []
    title = title_of(fields, ("TI",), warnings)
    year, year_text = year_of(fields, ("PY", "EA"), warnings)
    authors = all_values(fields, ("AF",)) or all_values(fields, ("AU",))
    pages = join_pages(first_value(fields, ("BP",))[1], first_value(fields, ("EP",))[1])
    abstract = all_values(fields, ("AB",))
    return ParsedRecord(
        ordinal=split.ordinal,
        line=split.start,
        raw_text="".join(split.lines),
        raw_fields=fields,
        title=title,
        abstract="\n".join(a.strip() for a in abstract if a.strip()),
        authors=[a for a in map(clean, authors) if a],
        year=year,
        year_text=year_text,
        journal=first_value(fields, JOURNAL_TAGS)[1],
        volume=first_value(fields, ("VL",))[1],
        issue=first_value(fields, ("IS",))[1],
        pages=pages or first_value(fields, ("AR",))[1],
        doi=first_doi(all_values(fields, ("DI", "D2"))),
        pmid=first_pmid(all_values(fields, ("PM",))),
        keywords=split_keywords(all_values(fields, ("DE", "ID"))),
        language=first_value(fields, ("LA",))[1],
        type=first_value(fields, ("DT", "PT"))[1],
        warnings=warnings,
    )
