"""Where ../shared/data/imports is and what its MANIFEST says; importing this never skips.

Tests over the whole corpus use `needs_corpus` (skipped where ../shared is absent, e.g. a
user's clone); SIFT_SHARED overrides where it is looked for.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(
    os.environ.get("SIFT_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)
CORPUS = SHARED / "data" / "imports"
MANIFEST = CORPUS / "MANIFEST.md"
SUPPORTED = {"ris", "csv"}
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
        rows.append((cells[0].strip("`"), cells[2], int(cells[3])))
    return rows


ROWS = manifest_rows()
READABLE = [pytest.param(f, n, id=f) for f, fmt, n in ROWS if fmt in SUPPORTED]
REFUSED = [pytest.param(f, fmt, id=f) for f, fmt, _ in ROWS if fmt not in SUPPORTED]
