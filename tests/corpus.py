"""Where ../shared/data/imports is and what its MANIFEST says; importing this never skips.

Tests over the whole corpus use `needs_corpus` (skipped where ../shared is absent, e.g. a
user's clone); SIFT_SHARED overrides where it is looked for. Every format of the corpus is
imported: READABLE holds every file, REFUSED none.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

SHARED = Path(
    os.environ.get("SIFT_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)
CORPUS = SHARED / "data" / "imports"
MANIFEST = CORPUS / "MANIFEST.md"
# The MANIFEST's format names -> ExportReader.format.
FORMATS = {
    "ris": "ris",
    "csv": "csv",
    "medline": "medline",
    "wos-tagged": "wos",
    "endnote-xml": "endnote-xml",
    "endnote-tagged": "endnote-tagged",
    "bibtex": "bibtex",
    "ovid-tagged": "ovid",
    "pubmed-xml": "pubmed-xml",
    "csl-json": "csl-json",
}
SUPPORTED = set(FORMATS)
# Counts the MANIFEST has wrong, with the reason. colrev__ais_enl.txt holds 6 references,
# each ended by a blank line; the MANIFEST counted only the 2 that have a '%0' type line
# (CoLRev's own expected output for this file, ais_enl_result.bib, has all 6).
COUNT_CORRECTIONS = {"endnote/colrev__ais_enl.txt": 6}
AVAILABLE = MANIFEST.exists()

needs_corpus = pytest.mark.skipif(not AVAILABLE, reason=f"no corpus at {CORPUS}")


def manifest_rows() -> list[tuple[str, str, int]]:
    """(file, format, records) for each row of the MANIFEST's markdown table."""
    if not AVAILABLE:
        return []
    rows = []
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        rows.append((name, cells[2], COUNT_CORRECTIONS.get(name, int(cells[3]))))
    return rows


ROWS = manifest_rows()
READABLE = [pytest.param(f, n, id=f) for f, fmt, n in ROWS if fmt in SUPPORTED]
REFUSED = [pytest.param(f, fmt, id=f) for f, fmt, _ in ROWS if fmt not in SUPPORTED]
FORMAT_OF = {f: FORMATS.get(fmt, fmt) for f, fmt, _ in ROWS}


@cache
def read_corpus_file(name: str):
    """(reader, records) of one corpus file, read once per test session.

    The corpus tests and the raw-field round trip share it, so that each file is parsed
    once (the 1,988-record EndNote XML and the 1,000-entry BibTeX take a second each).
    """
    from lib.imports import open_export

    with open_export(CORPUS / name) as reader:
        records = list(reader)
    return reader, records
