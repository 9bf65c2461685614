"""Upload abuse not covered elsewhere (the mapping is in tests/security/README.md): a
single 50 MB abstract and a million tiny records are read in bounded memory, record by
record, without an error other than the importer's own."""

from __future__ import annotations

import tracemalloc

import pytest

from lib.imports import ImportFileError, open_export


def _read(path) -> tuple[int, int, int]:
    """(records, longest abstract, peak traced bytes)."""
    tracemalloc.start()
    count = longest = 0
    try:
        with open_export(path, filename=path.name) as reader:
            for record in reader:
                count += 1
                longest = max(longest, len(record.abstract or ""))
    except ImportFileError as error:
        assert error.message
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return count, longest, peak


def test_a_50_mb_abstract_is_read_or_refused_clearly_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.ris"
    with path.open("wb") as out:
        out.write(b"TY  - JOUR\nTI  - A record with an enormous abstract\nAB  - ")
        chunk = b"partnership " * 87_382  # ~1 MB
        for _ in range(50):
            out.write(chunk)
        out.write(b"\nER  - \n\nTY  - JOUR\nTI  - The next record\nER  - \n")
    count, longest, peak = _read(path)
    assert count in (0, 2)
    if count:
        assert longest > 50_000_000
    assert peak < 600 * 1024 * 1024, peak  # a few copies of the abstract, not of the file


@pytest.mark.integration  # about 2.5 minutes under tracemalloc: CI's integration pass runs it
def test_a_million_tiny_records_stream_in_bounded_memory(tmp_path):
    path = tmp_path / "many.ris"
    with path.open("wb") as out:
        block = b"".join(b"TY  - JOUR\nTI  - t%d\nER  - \n" % n for n in range(10_000))
        for _ in range(100):
            out.write(block)
    count, _, peak = _read(path)
    assert count == 1_000_000
    assert peak < 100 * 1024 * 1024, peak  # records are not kept
