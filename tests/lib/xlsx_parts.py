"""A workbook written part by part (not by openpyxl, which writes inline strings): the
shared-strings table is what the bomb of issue #16 filled."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def shared_strings_workbook(
    path: Path, rows: list[list[int]], strings: Iterable[str], *, count: int | None = None
) -> Path:
    """Rows of indexes into `strings`, streamed into xl/sharedStrings.xml (so a test can
    write a large table without holding it)."""
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        "</Types>"
    )
    rels = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" '
        f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    )
    cells = []
    for r, row in enumerate(rows, 1):
        cols = "".join(
            f'<c r="{chr(65 + c)}{r}" t="s"><v>{index}</v></c>' for c, index in enumerate(row)
        )
        cells.append(f'<row r="{r}">{cols}</row>')
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(cells)}</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            stated = f' count="{count}" uniqueCount="{count}"' if count is not None else ""
            out.write(f'<sst xmlns="{MAIN}"{stated}>'.encode())
            for text in strings:
                out.write(f"<si><t>{escape(text)}</t></si>".encode())
            out.write(b"</sst>")
    return path
