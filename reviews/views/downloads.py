"""CSV downloads, streamed row by row so a 100,000-record report never sits in memory, and
XLSX workbooks; both written by `lib.spreadsheet` (typed cells, the formula guard)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

from lib.spreadsheet import csv_lines, xlsx_bytes


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> StreamingHttpResponse:
    """Rows of typed values (lib.spreadsheet): numbers stay numbers, dates ISO, date-times
    `YYYY-MM-DD HH:MM:SS` UTC, text a spreadsheet would run as a formula guarded."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(body: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download made in memory (a figure, a workbook, an RIS file)."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(sheets, filename: str) -> HttpResponse:
    """A workbook, one sheet per (title, rows) or `lib.spreadsheet.Sheet`: typed cells,
    header frozen and filtered (lib.spreadsheet)."""
    return file_response(xlsx_bytes(sheets), XLSX, filename)
