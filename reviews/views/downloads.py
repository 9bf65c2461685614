"""CSV downloads, streamed row by row so a 100,000-record report never sits in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

from lib.spreadsheet import safe_cell, xlsx_bytes


class _Echo:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, value: str) -> str:
        return value


# An imported title such as "=HYPERLINK(...)" must not run as a formula when the download
# is opened in a spreadsheet (OWASP CSV injection): lib.spreadsheet quotes it as text.
_cell = safe_cell


def csv_response(rows: Iterable[list[object]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_cell(v) for v in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(body: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download made in memory (a figure, a workbook, an RIS file)."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(sheets, filename: str) -> HttpResponse:
    """A workbook, one sheet per (title, rows), cells formula-safe (lib.spreadsheet)."""
    return file_response(xlsx_bytes(sheets), XLSX, filename)
