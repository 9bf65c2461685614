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
