"""Cells for files people open in a spreadsheet: CSV downloads and XLSX workbooks.

A value such as "=HYPERLINK(...)" in an imported title or a reviewer's note must never run
as a formula when the file is opened (OWASP CSV injection), so text starting with a formula
character is written with a leading apostrophe, as text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[Sequence[object]]]]) -> bytes:
    """A workbook with one sheet per (title, rows); the first row of each is its header.
    Every cell goes through `safe_cell` and is stored as a value, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for title, rows in sheets:
        name = _sheet_name(title, used)
        sheet = book.create_sheet(name)
        for index, row in enumerate(rows):
            sheet.append([_xlsx_value(v) for v in row])
            if index == 0:
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even if it looks like "=1+1"
    if not book.sheetnames:
        book.create_sheet("Sheet1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return safe_cell(str(value))


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique within the workbook.
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
