"""Every real export in shared/data/imports (MANIFEST.md): exact record counts, intact titles.

Skipped when shared/ is absent. SIFT_SHARED overrides where it is looked for.
"""

from __future__ import annotations

import json

import pytest

from lib.imports import ImportFileError, open_export
from tests.corpus import CORPUS, READABLE, REFUSED, needs_corpus

MOJIBAKE = ("Ã", "â€", "\ufffd")

pytestmark = [pytest.mark.corpus, needs_corpus]


def test_manifest_was_parsed() -> None:
    assert len(READABLE) >= 40
    assert len(REFUSED) >= 20


@pytest.mark.parametrize(("name", "expected"), READABLE)
def test_readable_export(name: str, expected: int) -> None:
    path = CORPUS / name
    with open_export(path) as reader:
        records = list(reader)
        text = path.read_bytes().decode(reader.encoding)
        assert reader.bytes_read == reader.size
    assert len(records) == expected
    assert [r.ordinal for r in records] == list(range(1, expected + 1))
    # Markers of text decoded with the wrong encoding, unless the file itself holds them.
    markers = [marker for marker in MOJIBAKE if marker not in text]
    for record in records:
        assert record.title, f"record {record.ordinal} (line {record.line}) has no title"
        for marker in markers:
            assert marker not in record.title, f"record {record.ordinal}: {record.title!r}"
            assert marker not in record.abstract, f"record {record.ordinal}"
        json.dumps(record.raw_fields)


@pytest.mark.parametrize(("name", "fmt"), REFUSED)
def test_other_formats_are_not_supported_yet(name: str, fmt: str) -> None:
    with (
        pytest.raises(ImportFileError, match="not supported yet"),
        open_export(CORPUS / name) as reader,
    ):
        list(reader)
