"""EndNote tagged format (.enw, Refer-style): '%0 Journal Article', '%A Smith, J', '%T A title'.

A blank line ends a record; a record starts at its first tag (%0 is not always first: the
AIS eLibrary writes %T first and leaves %0 out of some records); a second %0 starts the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

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
from .tagged import Split, Syntax, Warn, first_fields, split_records


def parse_line(line: str) -> tuple[str | None, str]:
    if line[:1] == "%" and len(line) >= 2 and line[1] not in " \t\r\n%":
        return line[:2], line[2:].strip()
    return None, line.strip()


# %K and %A hold one keyword or author per line when a value runs over several lines.
SYNTAX = Syntax(
    parse_line=parse_line,
    start_tags=frozenset({"%0"}),
    item_tags=frozenset({"%K", "%A"}),
)

PUBMED = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)
FEEDS = frozenset(
    {"%0", "%T", "%A", "%X", "%D", "%J", "%B", "%V", "%N", "%P", "%R", "%U", "%K", "%G", "%M"}
)


def read_endnote_tagged(lines: Iterable[str], *, warn: Warn) -> Iterator[ParsedRecord]:
    for split in split_records(lines, SYNTAX, warn=warn):
        yield record_from_split(split)


def fields_from_text(lines: Iterable[str]) -> dict:
    return first_fields(lines, SYNTAX)


def record_from_split(split: Split) -> ParsedRecord:
    fields = split.fields
    warnings: list[str] = []
    title = title_of(fields, ("%T",), warnings)
    year, year_text = year_of(fields, ("%D", "%8"), warnings)
    authors: list[str] = []
    for value in all_values(fields, ("%A",)):
        authors.extend(a for a in map(clean, value.split(";") if ";" in value else [value]) if a)
    ids = all_values(fields, ("%R", "%M"))
    urls = all_values(fields, ("%U",))
    doi = first_doi(v for v in ids if "10." in v) or next(
        (d for u in urls if "doi.org" in u and (d := doi_in_url(u))), ""
    )
    databases = " ".join(all_values(fields, ("%W", "%~")))
    pmid = ""
    if PUBMED.search(databases):
        pmid = next((p for v in all_values(fields, ("%M",)) if (p := pmid_digits(v))), "")
    pmid = pmid or next((p for u in urls if "pubmed" in u and (p := pmid_in_url(u))), "")
    return ParsedRecord(
        ordinal=split.ordinal,
        line=split.start,
        raw_text="".join(split.lines),
        raw_fields=fields,
        title=title,
        abstract=join_abstracts(all_values(fields, ("%X",))),
        authors=authors,
        year=year,
        year_text=year_text,
        journal=first_value(fields, ("%J", "%B"))[1],
        volume=first_value(fields, ("%V",))[1],
        issue=first_value(fields, ("%N",))[1],
        pages=first_value(fields, ("%P",))[1],
        doi=doi,
        pmid=pmid,
        keywords=split_keywords(all_values(fields, ("%K",))),
        url=next((u for v in urls if (u := first_url(v))), ""),
        language=first_value(fields, ("%G",))[1],
        type=first_value(fields, ("%0",))[1],
        warnings=warnings,
    )
