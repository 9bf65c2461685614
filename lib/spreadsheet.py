"""Typed cells for files people open in a spreadsheet: CSV downloads and XLSX workbooks.

A row is a sequence of plain Python values, and the value's type decides how it is written:

| value | CSV | XLSX |
|---|---|---|
| `None` | empty | empty cell |
| `bool` | `True` / `False` | boolean cell |
| `int`, `float`, `Decimal` | the number (`-0.35`, never guarded) | number cell |
| `datetime` | `2026-12-07 11:53:47` in UTC (name the column `..._utc`) | date-time cell, UTC |
| `date` | `2026-12-07` | date cell |
| `str` | the text, guarded if a spreadsheet would evaluate it | string cell, never guarded |
| list / tuple | its items joined with `"; "`, then as text | as text |

So a number is written as a number (R and pandas read the column as numeric) and a date as
a date, whatever the text of other cells looks like; a caller that has a number as text
(an extracted value) passes `number_or_text(text)`.

The formula guard (OWASP "CSV injection"). In XLSX a string cell is stored as a shared
string and never evaluated, so its text is written exactly, with no apostrophe. In CSV the
spreadsheet decides: Excel and Google Sheets read a cell starting with `=`, `+`, `-` or `@`
as a formula (a title `-Hyphen-leading` shows as `#NAME?` in Excel; `-2+3+cmd|' /C calc'!A0`
runs a command in old Excel), and tab, carriage return or NUL before them are dropped. So
CSV text starting with one of `= + - @ \\t \\r \\0` gets a leading apostrophe, the marker
spreadsheets take as "this is text", unless the whole text is a plain number literal
(`-0.35`, `+3`, `-1e3`), which every spreadsheet reads as that number and nothing else.
Measured with LibreOffice 7.4 (tests/security/test_libreoffice.py): it evaluates only `=`,
keeps every other guarded text as text, and shows the apostrophe; XLSX is the download that
keeps such text exact in every spreadsheet.

`needs_guard` is the rule; `csv_row` / `csv_lines` / `csv_bytes` and `xlsx_bytes` apply it.
Issue #20's exports build on this: rows of typed values in, files out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice

# --- the formula guard ------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
# What every spreadsheet reads as just a number (no thousands separators, no %, no currency).
NUMBER_LITERAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet opening this CSV text would read it as a formula."""
    return text.startswith(FORMULA_START) and not NUMBER_LITERAL.match(text)


def guard(text: str) -> str:
    """CSV text as a spreadsheet must show it: a leading apostrophe where needed."""
    return "'" + text if needs_guard(text) else text


# --- values ---------------------------------------------------------------------------------

Value = None | bool | int | float | Decimal | dt.date | dt.datetime | str | Sequence[object]


def utc_naive(value: dt.datetime) -> dt.datetime:
    """A date-time in UTC without its zone (what spreadsheets hold); naive ones are taken to be
    UTC already (Sift stores every time zone-aware, in UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def number_or_text(text: object) -> object:
    """A number typed as text ("-0.35", "12", "1,234") as a number (int or Decimal, exactly as
    typed); anything else unchanged. For values stored as text that are numbers by kind."""
    if not isinstance(text, str):
        return text
    clean = text.strip().replace(",", "")
    if not NUMBER_LITERAL.match(clean):
        return text
    if re.fullmatch(r"[+-]?\d+", clean):
        return int(clean)
    try:
        return Decimal(clean)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return text


def date_or_text(text: object) -> object:
    """An ISO date typed as text ("2003-05-01") as a date; partial dates stay text."""
    if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            return text
    return text


def _scalar(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are not numbers a spreadsheet can hold
    if isinstance(value, (bool, int, float, Decimal, dt.date, str)) or value is None:
        return value
    return str(value)


def csv_text(value: object) -> str:
    """One value as CSV text (see the module's table)."""
    value = _scalar(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.datetime):
        return utc_naive(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return guard(str(value))  # a str (the scalars above return theirs)


def csv_row(row: Iterable[object]) -> list[str]:
    return [csv_text(v) for v in row]


class _Echo:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one CSV line (quoted as RFC 4180 says), for streaming responses."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(csv_row(row))


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    return "".join(csv_lines(rows)).encode()


# --- XLSX -----------------------------------------------------------------------------------

MAX_TEXT = 32_767  # Excel's limit for one cell's text
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths, in characters
WIDTH_SAMPLE = 500  # rows measured for column widths (XLSX writes widths before the rows)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its title and rows (the first row is the header), any iterable."""

    title: str
    rows: Iterable[Sequence[object]]


def xlsx_bytes(sheets: Iterable[Sheet | tuple[str, Iterable[Sequence[object]]]]) -> bytes:
    """A workbook with one sheet per `Sheet` (or `(title, rows)`): typed cells (strings are
    string cells, so `=1+1` is text, never a formula), a bold header row that stays in view
    (frozen), a filter on the header, and column widths that fit the content.
    Written in openpyxl's write-only mode: rows are streamed, not held as cell objects."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    for item in sheets:
        title, rows = (item.title, item.rows) if isinstance(item, Sheet) else item
        _write_sheet(book.create_sheet(_sheet_name(title, used)), rows)
    if not book.worksheets:
        book.create_sheet("Sheet1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, rows: Iterable[Sequence[object]]) -> None:
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    head = [[_scalar(v) for v in row] for row in islice(rows, WIDTH_SAMPLE)]
    if not head:
        return
    columns = max(len(row) for row in head)
    for index in range(columns):
        width = max((_shown_width(row[index]) for row in head if index < len(row)), default=0)
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    sheet.freeze_panes = "A2"
    count = 0
    for number, row in enumerate(head):
        sheet.append([_xlsx_cell(sheet, v, header=number == 0) for v in row])
        count += 1
    for rest in rows:
        sheet.append([_xlsx_cell(sheet, _scalar(v)) for v in rest])
        count += 1
        columns = max(columns, len(rest))
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(columns, 1))}{count}"


_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters XML cannot hold


def _xlsx_cell(sheet, value: object, *, header: bool = False):
    """The value as openpyxl should write it: plain values as they are (openpyxl stores a
    str as a string cell), a cell object where the type must be forced or formatted."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if value == "":
        value = None
    if isinstance(value, str):
        value = _ILLEGAL.sub("\ufffd", value)[:MAX_TEXT]
        if value.startswith("=") or header:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl types "=..." as a formula ("f"): this is text
        else:
            return value
    elif isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=utc_naive(value).replace(microsecond=0))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif header:
        cell = WriteOnlyCell(sheet, value=value)
    else:
        return value
    if header:
        cell.font = Font(bold=True)
    return cell


def _shown_width(value: object) -> int:
    """Roughly how many character widths the value takes (wide East Asian glyphs count 2;
    a multi-line text counts its longest line)."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    text = value if isinstance(value, str) else str(value)
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:200])
        for line in text.splitlines() or [""]
    )


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique within the workbook.
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
