"""Tables: CSV and TSV read by pandas in chunks (memory stays bounded), and what they share
with XLSX (xlsx.py): finding the header row, recognising columns, one record per row.

A column_mapping (header -> one of TARGET_FIELDS or "ignore") overrides the recognition of
the columns it names: a mapped column feeds only its field, ahead of the recognised ones.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

import pandas as pd

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
CHUNK_ROWS = 1000

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
    """Yield one ParsedRecord per data row; stream is at the start of the file."""
    for _ in range(header.index):
        stream.readline()
    offset = header.index  # physical lines before the header, for pandas' line numbers
    columns = list(header.columns)
    picks = pick_columns(columns, mapping)
    header_text = serialise(columns, header.delimiter)
    try:
        with pd.read_csv(
            stream,
            sep=header.delimiter,
            header=0,
            names=columns,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            index_col=False,
            chunksize=CHUNK_ROWS,
            engine="c",
        ) as chunks:
            rows = (
                [v if isinstance(v, str) else "" for v in values]
                for chunk in _chunks(chunks, header)
                for values in chunk.itertuples(index=False, name=None)
            )
            yield from rows_to_records(
                rows, columns, picks, delimiter=header.delimiter, header_text=header_text, warn=warn
            )
    except pd.errors.ParserError as exc:
        raise ImportFileError(_parser_message(exc), line=_parser_line(exc, offset)) from None
    except pd.errors.EmptyDataError:
        return


def rows_to_records(
    rows: Iterable[list[str]],
    columns: list[str],
    picks: dict[str, list[int]],
    *,
    delimiter: str,
    header_text: str,
    warn: Warn,
) -> Iterator[ParsedRecord]:
    """One record per row that has a non-blank cell; rows are padded to the header's width."""
    width = len(columns)
    row_number = 0
    for cells in rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if not any(c.strip() for c in cells):
            warn(
                "blank-row", f"a row with only empty cells after data row {row_number} was skipped"
            )
            continue
        row_number += 1
        yield row_record(columns, cells, picks, row_number, delimiter, header_text)


def _chunks(chunks: Iterator[pd.DataFrame], header: Header) -> Iterator[pd.DataFrame]:
    while (chunk := _next_chunk(chunks, header)) is not None:
        yield chunk


def _next_chunk(chunks: Iterator[pd.DataFrame], header: Header) -> pd.DataFrame | None:
    # pandas only warns when the first data row has more cells than the header (it would
    # drop them); every later ragged row is a ParserError. Both must stop the import.
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return next(chunks)
        except StopIteration:
            return None
        except pd.errors.ParserWarning:
            raise ImportFileError(
                "the CSV cannot be read: the first data row has more cells than the header row",
                line=header.index + 2,
            ) from None


def _parser_message(exc: Exception) -> str:
    detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
    detail = re.sub(r" (?:in|at|starting at) (?:line|row) \d+", "", detail)
    if "EOF inside string" in detail:
        return 'the CSV has a quote (") that is never closed, so the rest of the file is one cell'
    return f"the CSV cannot be read: {detail}"


def _parser_line(exc: Exception, offset: int) -> int | None:
    text = str(exc)
    if match := re.search(r"line (\d+)", text):
        return int(match.group(1)) + offset
    if match := re.search(r"row (\d+)", text):  # pandas counts rows from 0 (the header)
        return int(match.group(1)) + 1 + offset
    return None


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
