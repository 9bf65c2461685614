"""Helpers for the lib.imports tests: write bytes to a file, read every record back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lib.imports import ExportReader, ParsedRecord, open_export

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


@pytest.fixture
def export_file(tmp_path: Path) -> Callable[..., Path]:
    """write(data, name="export.ris") -> the path of a file holding exactly these bytes."""

    def write(data: bytes | str, name: str = "export.ris") -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return write


def read_all(path: Path, **kwargs: str) -> tuple[ExportReader, list[ParsedRecord]]:
    """Open and read a whole export; the reader is returned closed, with its warnings."""
    with open_export(path, **kwargs) as reader:
        records = list(reader)
    return reader, records
