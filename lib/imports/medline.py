"""PubMed/MEDLINE tagged format (.nbib, .txt, .medline, and often named .ris).

'PMID- 38064908', 'TI  - A title that goes on' + '      on the next line': a tag of up to four
letters padded to four columns, '- ', the value; continuation lines are indented six spaces.
A blank line ends a record; a record starts at its first tag (PMID, in PubMed's exports).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .normalise import (
    all_values,
    clean,
    first_doi,
    first_pmid,
    first_value,
    split_keywords,
    strip_major,
    title_of,
    year_of,
)
from .records import ParsedRecord
from .tagged import Split, Syntax, Warn, first_fields, split_records


def parse_line(line: str) -> tuple[str | None, str]:
    if len(line) > 4 and line[4] == "-" and "A" <= line[0] <= "Z":
        tag = line[:4].rstrip()
        if tag.isalnum() and tag.isupper() and (len(line) == 5 or line[5] in " \t\r\n"):
            return tag, line[5:].strip()
    return None, line.strip()


SYNTAX = Syntax(parse_line=parse_line, start_tags=frozenset({"PMID"}))

TITLE_TAGS = ("TI", "BTI", "TT", "VTI")
JOURNAL_TAGS = ("JT", "TA", "BTI")
FEEDS = frozenset(
    {*TITLE_TAGS, *JOURNAL_TAGS, "PMID", "AB", "FAU", "AU", "DP", "VI", "IP", "PG"}
    | {"LID", "AID", "MH", "OT", "LA", "PT"}
)


def read_medline(lines: Iterable[str], *, warn: Warn) -> Iterator[ParsedRecord]:
    for split in split_records(lines, SYNTAX, warn=warn):
        yield record_from_split(split)


def fields_from_text(lines: Iterable[str]) -> dict:
    return first_fields(lines, SYNTAX)


def record_from_split(split: Split) -> ParsedRecord:
    fields = split.fields
    warnings: list[str] = []
    title = title_of(fields, TITLE_TAGS, warnings)
    year, year_text = year_of(fields, ("DP", "DEP", "EDAT"), warnings)
    authors = [clean(a) for a in all_values(fields, ("FAU",)) or all_values(fields, ("AU",))]
    ids = all_values(fields, ("LID", "AID"))
    keywords = [strip_major(k) for k in all_values(fields, ("MH", "OT"))]
    return ParsedRecord(
        ordinal=split.ordinal,
        line=split.start,
        raw_text="".join(split.lines),
        raw_fields=fields,
        title=title,
        # Continuation lines only wrap the text: PubMed has no paragraphs in this format.
        abstract=clean(" ".join(all_values(fields, ("AB",)))),
        authors=[a for a in authors if a],
        year=year,
        year_text=year_text,
        journal=first_value(fields, JOURNAL_TAGS)[1],
        volume=first_value(fields, ("VI",))[1],
        issue=first_value(fields, ("IP",))[1],
        pages=first_value(fields, ("PG",))[1],
        doi=first_doi(v for v in ids if v.rstrip().endswith("[doi]")),
        pmid=first_pmid(all_values(fields, ("PMID",))),
        keywords=split_keywords(k for k in keywords if k),
        language=first_value(fields, ("LA",))[1],
        type=first_value(fields, ("PT",))[1],
        warnings=warnings,
    )
