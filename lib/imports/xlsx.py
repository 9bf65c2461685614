"""Excel workbooks (.xlsx): the first sheet, read row by row by openpyxl in read-only mode.

pandas.read_excel loads a whole sheet into memory; openpyxl's read-only mode streams the
rows (defusedxml, when installed, guards its XML parsing). The header row is found and the
columns recognised as for CSV (tabular.py); a record's raw_text is its header and row
written as CSV, so fields_from_raw reads it as CSV.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from .records import ImportFileError, ParsedRecord
from .tabular import (
    Header,
    Warn,
    is_title_row,
    mapped_titles,
    pick_columns,
    rows_to_records,
    unique_columns,
)

HEAD_ROWS = 50  # the header row is looked for among the first rows

# Bounds on what a workbook expands to, checked before openpyxl reads it (issue #16: a 21 MB
# workbook with 208 MB of shared strings took 364 s and 1.5 GB per read). openpyxl holds the
# whole shared-strings table in memory and spends its time per string, so the table is
# bounded by its size, by its count of strings and by what the sheets could use: a string
# cell costs at least MIN_CELL_BYTES of sheet XML ('<c t="s"><v>0</v></c>'), so a table
# with more strings than the sheets have room for holds strings nothing shows.
MAX_UNZIPPED = 1 << 30
MAX_SHARED_STRINGS_BYTES = 256 << 20
MAX_SHARED_STRINGS = 2_000_000
MIN_CELL_BYTES = 20
UNUSED_STRINGS_SLACK = 1000
_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_SCAN_CHUNK = 4 << 20


@dataclass(frozen=True, slots=True)
class Sheet:
    header: Header
    rows: int | None  # the sheet's own count of rows, when it states one (for progress)


def is_xlsx(names: list[str]) -> bool:
    return "xl/workbook.xml" in names or any(n.startswith("xl/worksheets/") for n in names)


def check_expansion(f: BinaryIO, name: str) -> None:
    """Refuse a workbook that would unpack past the bounds above, reading only its ZIP
    directory and streaming its shared-strings part once (counted in C: about a second for
    the bomb's 208 MB), so such a file is refused in seconds and in little memory."""
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as archive:
            infos = archive.infolist()
            unzipped = sum(info.file_size for info in infos)
            if unzipped > MAX_UNZIPPED:
                raise ImportFileError(
                    f"{name} is an Excel workbook that unpacks to {unzipped // 2**20:,} MB, "
                    f"more than the {MAX_UNZIPPED // 2**20:,} MB that can be read: save it as CSV"
                )
            strings = [i for i in infos if i.filename.lower().endswith("sharedstrings.xml")]
            if not strings:
                return
            table = strings[0]
            if table.file_size > MAX_SHARED_STRINGS_BYTES:
                raise ImportFileError(
                    f"{name} is an Excel workbook whose shared strings unpack to "
                    f"{table.file_size // 2**20:,} MB, more than the "
                    f"{MAX_SHARED_STRINGS_BYTES // 2**20:,} MB that can be read: save it as CSV"
                )
            sheets = sum(
                i.file_size for i in infos if i.filename.lower().startswith("xl/worksheets/")
            )
            room = sheets // MIN_CELL_BYTES + UNUSED_STRINGS_SLACK
            limit = min(MAX_SHARED_STRINGS, room)
            count = _count_strings(archive, table, stop_after=limit)
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"{name}: the Excel workbook is damaged: {exc}") from None
    finally:
        f.seek(0)
    if count > room:
        raise ImportFileError(
            f"{name} is an Excel workbook whose shared-strings table holds more strings "
            f"(over {room:,}) than its sheets have cells to show: refused unread, as a file "
            "made to exhaust the importer; save the sheet as CSV"
        )
    if count > MAX_SHARED_STRINGS:
        raise ImportFileError(
            f"{name} is an Excel workbook of more than {MAX_SHARED_STRINGS:,} different "
            "strings, more than can be read: save it as CSV"
        )


def _count_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, stop_after: int) -> int:
    """The number of <si> items in the part, stopping once past `stop_after`."""
    count, tail = 0, b""
    with archive.open(info) as part:
        while chunk := part.read(_SCAN_CHUNK):
            data = tail + chunk
            # A tag cut by the chunk's end starts at the last '<' near the end: it is
            # counted with the next chunk (a whole tag holds no other '<').
            cut = data.rfind(b"<", max(0, len(data) - 64))
            cut = len(data) if cut < 0 else cut
            count += len(_STRING_ITEM.findall(data, 0, cut))
            tail = data[cut:]
            if count > stop_after:
                return count
    return count + len(_STRING_ITEM.findall(tail))


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV export of the sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _open(f: BinaryIO) -> Any:
    import openpyxl  # imported here: only XLSX imports need it, and it is slow to import

    f.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
        return openpyxl.load_workbook(f, read_only=True, data_only=True)


def _rows(f: BinaryIO) -> Generator[tuple[int | None, list[str]]]:
    """(the sheet's stated row count, cells) per row of the first sheet."""
    try:
        workbook = _open(f)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFileError(f"the Excel workbook is damaged: {exc}") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFileError(
            f"the Excel workbook cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("the Excel workbook has no worksheet")
        sheet = workbook.worksheets[0]
        stated = sheet.max_row if isinstance(getattr(sheet, "max_row", None), int) else None
        if hasattr(sheet, "reset_dimensions"):
            # A stated size can be wrong (some tools write 'A1'): read every row there is.
            sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            yield stated, [cell_text(v) for v in row]
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged sheet fails while it is read
        raise ImportFileError(
            f"the Excel workbook cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        workbook.close()


def find_sheet_header(f: BinaryIO, name: str, mapping: Mapping[str, str] | None = None) -> Sheet:
    """The header row of the first sheet; ImportFileError (with the columns) if none."""
    extra = mapped_titles(mapping)
    first: list[str] | None = None
    stated = None
    rows = _rows(f)
    try:
        for index, (stated, cells) in enumerate(rows):
            if index >= HEAD_ROWS:
                break
            cells = _trim(cells)
            if not cells:
                continue
            if first is None:
                first = cells
            if is_title_row(cells, extra):
                return Sheet(Header(index, ",", unique_columns(cells)), stated)
    except ImportFileError as exc:
        raise ImportFileError(f"{name}: {exc.message}") from None
    finally:
        rows.close()
    if first is None:
        raise ImportFileError(f"{name} is an Excel workbook whose first sheet is empty")
    columns = [c.strip() for c in first]
    shown = ", ".join(repr(c) for c in columns[:15]) + (" ..." if len(columns) > 15 else "")
    raise ImportFileError(
        f"{name} looks like a table but has no Title column (columns found: {shown}); "
        "the importer needs a column named Title, Article Title or Document Title",
        columns=columns,
    )


def read_xlsx(
    f: BinaryIO,
    sheet: Sheet,
    *,
    warn: Warn,
    mapping: Mapping[str, str] | None = None,
    progress: list[int] | None = None,
) -> Iterator[ParsedRecord]:
    """One record per data row below the header; progress[0] is set to the rows read."""
    columns = list(sheet.header.columns)
    width = len(columns)

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        for index, (_, cells) in enumerate(_rows(f)):
            if progress is not None:
                progress[0] = index + 1
            if index <= sheet.header.index:
                continue
            yield index + 1, _trim(cells) if len(cells) > width else cells

    yield from rows_to_records(
        data_rows(),
        columns,
        pick_columns(columns, mapping),
        delimiter=",",
        warn=warn,
        unit="row",
        report_short=False,
    )


def _trim(cells: list[str]) -> list[str]:
    """The row without its trailing empty cells."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]
