"""The shapes every reader yields: one ParsedRecord per record, ImportFileError on bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What a spreadsheet column can be mapped to (open_export's column_mapping), besides "ignore".
TARGET_FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "page_start",
    "page_end",
    "doi",
    "pmid",
    "keywords",
    "url",
    "language",
    "type",
)


class ImportFileError(Exception):
    """The file cannot be imported. The message is shown to the lead as it is.

    It names the problem in plain words and, where known, the line and record
    (1-based) where it was found. `columns` holds the header of a table whose title
    column was not recognised, so that the lead can be asked which column is which.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        record: int | None = None,
        columns: list[str] | None = None,
    ):
        self.line = line
        self.record = record
        self.columns = columns
        where = []
        if record is not None:
            where.append(f"record {record}")
        if line is not None:
            where.append(f"line {line}")
        self.message = f"{message} ({', '.join(where)})" if where else message
        super().__init__(self.message)


@dataclass(slots=True)
class ParsedRecord:
    ordinal: int  # 1-based position in the file
    line: int  # 1-based line where the record starts (CSV/XLSX: data row number)
    raw_text: str  # the record's original text, as in the file (decoded)
    raw_fields: dict[str, Any]  # every tag/column -> str or list[str]; nothing dropped
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    year_text: str = ""  # the year value the year was read from, as in the file ("" if none)
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""  # normalised: lower-case, no resolver prefix, e.g. "10.1000/xyz"
    pmid: str = ""  # digits only
    keywords: list[str] = field(default_factory=list)
    url: str = ""
    language: str = ""
    type: str = ""  # the file's own type code/label, e.g. "JOUR"
    warnings: list[str] = field(default_factory=list)  # human text
    problems: list[str] = field(default_factory=list)  # codes: see problems.PROBLEMS


# --- bounds on what one record may hold (issue #16: a 555-byte BibTeX file of nested
# @string concatenations made a 300,000,000-character title). Far above any real record;
# a record past one refuses the file, naming the record, its line and the field.
FIELD_LIMITS = {
    "title": 10_000,
    "abstract": 200_000,
    "journal": 5_000,
    "url": 10_000,
    "year_text": 1_000,
    "doi": 1_000,
    "pmid": 1_000,
    "volume": 1_000,
    "issue": 1_000,
    "pages": 1_000,
    "language": 1_000,
    "type": 1_000,
}
LIST_LIMITS = {"authors": 100_000, "keywords": 50_000}  # characters, all items together
RAW_TEXT_LIMIT = 1_000_000  # the record as it was in the file
# Any one expansion a reader makes (a BibTeX @string, a concatenation): the largest bound.
EXPANSION_LIMIT = RAW_TEXT_LIMIT


def check_bounds(record: ParsedRecord) -> None:
    """Raise ImportFileError when a field of `record` is past its bound."""

    def refuse(name: str, size: int, limit: int) -> None:
        raise ImportFileError(
            f"{record_label(record)}: its {name.replace('_', ' ')} is {size:,} characters "
            f"long; Sift keeps at most {limit:,}",
            line=record.line,
            record=record.ordinal,
        )

    for name, limit in FIELD_LIMITS.items():
        size = len(getattr(record, name))
        if size > limit:
            refuse(name, size, limit)
    for name, limit in LIST_LIMITS.items():
        size = sum(len(item) for item in getattr(record, name))
        if size > limit:
            refuse(name, size, limit)
    if len(record.raw_text) > RAW_TEXT_LIMIT:
        refuse("text in the file", len(record.raw_text), RAW_TEXT_LIMIT)


def record_label(record: ParsedRecord) -> str:
    """How a message names the record: its citation key or ID when the file gave one."""
    key = record.raw_fields.get("ID") if isinstance(record.raw_fields, dict) else None
    return f"entry {key}" if isinstance(key, str) and key else "the record"
