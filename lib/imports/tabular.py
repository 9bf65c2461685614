"""Tables: CSV and TSV read row by row by the csv module (memory stays bounded), and what they
share with XLSX (xlsx.py): finding the header row, recognising columns, one record per row,
rows with more or fewer cells than the header.

A column_mapping (header -> one of TARGET_FIELDS or "ignore") overrides the recognition of
the columns it names: a mapped column feeds only its field, ahead of the recognised ones.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from .normalise import (
    clean,
    first_url,
    join_pages,
    normalise_doi,
    parse_year,
    pmid_digits,
    split_authors_cell,
    split_keywords,
)
from .records import TARGET_FIELDS, ImportFileError, ParsedRecord

Warn = Callable[[str, str], None]

# Column names (compared case-insensitively, spaces collapsed) by preference. They cover
# Scopus, Web of Science (tab-delimited, two-letter headers), PubMed, Embase, Cochrane
# CENTRAL, EBSCOhost, Covidence, Rayyan, RefWorks and Zotero exports.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "title primary", "primary title", "ti"),
    "abstract": ("abstract", "abstract note", "abstract text", "ab"),
    "authors": (
        "authors",
        "author",
        "author names",
        "author(s)",
        "authors, primary",
        "au",
        "author full names",
        "af",
    ),
    "year": (
        "year",
        "publication year",
        "published year",
        "pub year",
        "py",
        "publication date",
        "date of publication",
        "date",
        "pd",
    ),
    "journal": (
        "source title",
        "journal",
        "journal title",
        "journal/book",
        "publication title",
        "periodical full",
        "secondary title",
        "journal name",
        "so",
        "source",
    ),
    "volume": ("volume", "vol", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page", "page range", "pg"),
    "page_start": ("page start", "first page", "start page", "sp", "bp"),
    "page_end": ("page end", "last page", "end page", "other pages", "ep"),
    "doi": ("doi", "do", "di"),
    "pmid": ("pmid", "pubmed id", "medline pmid", "pubmed_id", "pm"),
    "url": ("url", "link", "plink", "full text link", "links", "ur"),
    "keywords": (
        "keywords",
        "author keywords",
        "index keywords",
        "descriptors",
        "subjects",
        "mesh terms",
        "manual tags",
        "kw",
        "de",
    ),
    "language": ("language", "article language", "language of original document", "la"),
    "type": (
        "document type",
        "publication type",
        "reference type",
        "doctype",
        "item type",
        "type",
        "dt",
        "pt",
    ),
}
TITLE_COLUMNS = frozenset(COLUMNS["title"])


def column_key(name: str) -> str:
    return " ".join(name.strip().strip("\"'").lower().split())


@dataclass(frozen=True, slots=True)
class Header:
    index: int  # 0-based line (XLSX: row) of the header (those before it are a preamble)
    delimiter: str
    columns: tuple[str, ...]  # as named in the file, blanks and repeats made unique


def mapped_titles(mapping: Mapping[str, str] | None) -> frozenset[str]:
    """The headers a column_mapping maps to "title"."""
    return frozenset(h.strip() for h, f in (mapping or {}).items() if f == "title")


def is_title_row(cells: Iterable[str], extra_titles: frozenset[str] = frozenset()) -> bool:
    return any(column_key(c) in TITLE_COLUMNS or c.strip() in extra_titles for c in cells)


def find_header(lines: Sequence[str], extra_titles: frozenset[str] = frozenset()) -> Header | None:
    """The first line that, split on ',', tab or ';', names a title column (a known name or
    one of extra_titles)."""
    for index, line in enumerate(lines):
        best: Header | None = None
        for delimiter in ("\t", ",", ";"):
            if delimiter not in line:
                continue
            cells = next(csv.reader([line], delimiter=delimiter), [])
            if is_title_row(cells, extra_titles) and (
                best is None or len(cells) > len(best.columns)
            ):
                best = Header(index, delimiter, unique_columns(cells))
        if best is not None:
            return best
    return None


def unique_columns(cells: Iterable[str]) -> tuple[str, ...]:
    """Header cells as column names: a blank one is 'Unnamed: 3', a repeat 'Title.1' (as
    pandas names them, which earlier imports stored)."""
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        name = cell if cell.strip() else f"Unnamed: {index}"
        base, n = name, 0
        while name in seen:
            n += 1
            name = f"{base}.{n}"
        seen.add(name)
        names.append(name)
    return tuple(names)


def guess_columns(lines: Sequence[str]) -> list[str] | None:
    """Column names of a delimited header that has no title column, for the error message."""
    first = next((line for line in lines if line.strip()), "")
    counts = {d: first.count(d) for d in ("\t", ",", ";")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        return None
    cells = [c.strip() for c in next(csv.reader([first], delimiter=delimiter), [])]
    if sum(1 for c in cells if c and len(c) <= 60) < 2:
        return None
    return cells


def read_table(
    stream: TextIO,
    header: Header,
    *,
    warn: Warn,
    mapping: Mapping[str, str] | None = None,
) -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per data row; stream is at the start of the file.

    Rows are split by the csv module's C reader, one row in memory at a time. Unlike pandas
    (which refuses the whole file), it reads rows with more or fewer fields than the header:
    see rows_to_records for what becomes of them.
    """
    for _ in range(header.index):
        stream.readline()
    columns = list(header.columns)
    picks = pick_columns(columns, mapping)
    reader = csv.reader(_with_end_mark(stream), delimiter=header.delimiter, strict=False)

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = 0  # physical lines read so far, counted from the header line
        try:
            next(reader, None)  # the header row itself (its cells came from detection)
            last = reader.line_num
            for cells in reader:
                start, last = header.index + last + 1, reader.line_num
                if cells and cells[-1].endswith(END_MARK):
                    if cells == [END_MARK]:
                        return
                    raise ImportFileError(
                        'the CSV has a quote (") that is never closed, so the rest of the file '
                        "is one cell",
                        line=start,
                    )
                if cells:  # a blank line is no row (as in pandas)
                    yield start, cells
        except csv.Error as exc:
            line = header.index + last + 1
            if "field larger than field limit" in str(exc):
                raise ImportFileError(
                    f"the CSV has a cell longer than {MAX_CELL // 2**20} MB (probably a quote "
                    '(") that is never closed)',
                    line=line,
                ) from None
            raise ImportFileError(f"the CSV cannot be read: {exc}", line=line) from None

    yield from rows_to_records(
        rows(), columns, picks, delimiter=header.delimiter, warn=warn, unit="line"
    )


# Appended after the last line: inside a quoted cell it shows that the quote never closed
# (the csv module would otherwise return the rest of the file as that cell, silently).
END_MARK = "\ufdd0"  # a Unicode noncharacter: never in a real export
# One cell at most (the csv module's limit is per process): bounds the memory an unclosed
# quote can take; a real cell (Scopus' References of a long review) is far smaller.
MAX_CELL = 64 << 20
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))


def _with_end_mark(stream: TextIO) -> Iterator[str]:
    line = ""
    for line in stream:
        yield line
    yield END_MARK if line.endswith("\n") or not line else "\n" + END_MARK


# A file-level warning names at most this many runs of lines (then 'and N more').
LISTED_RUNS = 12


class _Lines:
    """Line numbers as runs ('2-11, 14'), in bounded memory."""

    def __init__(self) -> None:
        self.count = 0
        self.runs: list[list[int]] = []
        self.more = 0

    def add(self, line: int) -> None:
        self.count += 1
        if self.runs and self.runs[-1][1] == line - 1:
            self.runs[-1][1] = line
        elif len(self.runs) < LISTED_RUNS:
            self.runs.append([line, line])
        else:
            self.more += 1

    def text(self, unit: str) -> str:
        shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in self.runs)
        more = f" and {self.more} more" if self.more else ""
        plural = "s" if self.count > 1 else ""
        return f"{unit}{plural} {shown}{more}"


def _rows(n: int) -> str:
    return "1 row had" if n == 1 else f"{n} rows had"


def extra_names(columns: Sequence[str], count: int) -> list[str]:
    """Names for cells beyond the header's last column: 'Unnamed: 46' (the header has no
    name for them, as pandas names a blank header cell), unique against the header."""
    taken = set(columns)
    names = []
    for index in range(len(columns), len(columns) + count):
        name, n = f"Unnamed: {index}", 0
        while name in taken:
            n += 1
            name = f"Unnamed: {index}.{n}"
        taken.add(name)
        names.append(name)
    return names


def rows_to_records(
    rows: Iterable[tuple[int, list[str]]],
    columns: list[str],
    picks: dict[str, list[int]],
    *,
    delimiter: str,
    warn: Warn,
    unit: str = "line",
    report_short: bool = True,
) -> Iterator[ParsedRecord]:
    """One record per (line or row number, cells) that has a non-blank cell.

    Ragged rows are read, never refused, and reported once per kind with their lines:
    - fewer cells than the header: the missing cells are empty (not reported for a sheet,
      whose rows simply end at their last cell);
    - more cells, all of them empty (a trailing delimiter, as Scopus writes): ignored;
    - more cells with values: kept in raw_fields as unnamed columns ('Unnamed: 46'), so
      that nothing is lost; they feed no normalised field and are listed as unused fields.
    """
    width = len(columns)
    header_text = serialise(columns, delimiter)
    short, empty_extra, extra = _Lines(), _Lines(), _Lines()
    widest = 0
    row_number = 0
    for where, cells in rows:
        names: list[str] = []
        if len(cells) < width:
            if report_short and any(c.strip() for c in cells):
                short.add(where)
            cells = cells + [""] * (width - len(cells))
        elif len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                extra.add(where)
                widest = max(widest, len(cells) - width)
                names = extra_names(columns, len(cells) - width)
            else:
                empty_extra.add(where)
                cells = cells[:width]
        if not any(c.strip() for c in cells):
            warn(
                "blank-row", f"a row with only empty cells after data row {row_number} was skipped"
            )
            continue
        row_number += 1
        record = row_record(
            columns + names if names else columns,
            cells,
            picks,
            row_number,
            delimiter,
            # The stored header names the extra cells, so that the text alone gives them back.
            f"{header_text}{delimiter}{serialise(names, delimiter)}" if names else header_text,
        )
        if names:
            record.warnings.append(
                f"{len(names)} more cell{'s' if len(names) > 1 else ''} than the header row "
                f"({unit} {where}): kept as " + ", ".join(repr(n) for n in names)
            )
        yield record
    if short.count:
        warn(
            "short-rows",
            f"{_rows(short.count)} fewer cells than the header row ({short.text(unit)}): "
            "the missing cells were left empty; check that their columns line up",
        )
    if empty_extra.count:
        warn(
            "trailing-cells",
            f"{_rows(empty_extra.count)} more cells than the header row, all of them empty "
            f"(a delimiter at the end of the row; {empty_extra.text(unit)}): they were ignored",
        )
    if extra.count:
        shown = ", ".join(repr(n) for n in extra_names(columns, min(widest, 3)))
        warn(
            "extra-cells",
            f"{_rows(extra.count)} more cells than the header row, with values "
            f"({extra.text(unit)}): the values were kept as unnamed columns ({shown}"
            f"{' ...' if widest > 3 else ''}), which feed no field; check that the columns "
            "of these rows line up",
        )


def check_mapping(mapping: Mapping[str, str] | None) -> None:
    for header, field in (mapping or {}).items():
        if field != "ignore" and field not in TARGET_FIELDS:
            raise ImportFileError(
                f"the column mapping maps {header!r} to {field!r}, which is not a field "
                f"(fields: {', '.join(TARGET_FIELDS)}, or ignore)"
            )


def pick_columns(
    columns: Sequence[str], mapping: Mapping[str, str] | None = None
) -> dict[str, list[int]]:
    """Field -> the indexes of the columns that can supply it, best first.

    Columns the mapping names (by their exact header, or without surrounding spaces) feed
    only the field they are mapped to, before any recognised column; "ignore" feeds none.
    """
    mapped: dict[int, str] = {}
    for index, column in enumerate(columns):
        if mapping and (field := mapping.get(column, mapping.get(column.strip()))):
            mapped[index] = field
    keys = [column_key(c) for c in columns]
    picks: dict[str, list[int]] = {}
    for field, aliases in COLUMNS.items():
        chosen = [i for i, f in mapped.items() if f == field]
        for alias in aliases:
            if alias in keys:
                index = keys.index(alias)
                if index not in mapped and index not in chosen:
                    chosen.append(index)
        picks[field] = chosen
    return picks


def used_columns(columns: Sequence[str], picks: dict[str, list[int]]) -> frozenset[str]:
    """The columns that feed a normalised field (the others are reported as unmapped)."""
    return frozenset(columns[i] for indexes in picks.values() for i in indexes)


def _first(cells: list[str], indexes: list[int]) -> str:
    for i in indexes:
        if value := clean(cells[i]):
            # EBSCOhost writes ="19326203" so that Excel keeps leading zeros.
            if value.startswith('="') and value.endswith('"'):
                value = value[2:-1].strip()
            return value
    return ""


def serialise(cells: Sequence[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(cells)
    return out.getvalue()[:-2]  # "\r\n" in lineterminator makes newlines inside cells quoted


def row_record(
    columns: list[str],
    cells: list[str],
    picks: dict[str, list[int]],
    row: int,
    delimiter: str,
    header_text: str,
) -> ParsedRecord:
    warnings: list[str] = []
    title = _first(cells, picks["title"])
    if not title:
        warnings.append("no title")
    year_text = _first(cells, picks["year"])
    year = parse_year(year_text) if year_text else None
    if year_text and year is None:
        warnings.append(f"year not understood: {year_text!r}")
    authors: list[str] = []
    for i in picks["authors"]:
        if authors := split_authors_cell(cells[i]):
            break
    pages = _first(cells, picks["pages"]) or join_pages(
        _first(cells, picks["page_start"]), _first(cells, picks["page_end"])
    )
    doi = ""
    for i in picks["doi"]:
        if doi := normalise_doi(cells[i]):
            break
    pmid = ""
    for i in picks["pmid"]:
        if pmid := pmid_digits(cells[i]):
            break
    return ParsedRecord(
        ordinal=row,
        line=row,
        # The header and the row, so the text alone says what every cell was.
        raw_text=f"{header_text}\n{serialise(cells, delimiter)}",
        raw_fields={c: v for c, v in zip(columns, cells, strict=True) if v.strip()},
        title=title,
        abstract=next((cells[i].strip() for i in picks["abstract"] if cells[i].strip()), ""),
        authors=authors,
        year=year,
        year_text=year_text,
        journal=_first(cells, picks["journal"]),
        volume=_first(cells, picks["volume"]),
        issue=_first(cells, picks["issue"]),
        pages=pages,
        doi=doi,
        pmid=pmid,
        keywords=split_keywords(cells[i] for i in picks["keywords"]),
        url=first_url(_first(cells, picks["url"])),
        language=_first(cells, picks["language"]),
        type=_first(cells, picks["type"]),
        warnings=warnings,
    )
