"""Every real export in shared/data/imports (MANIFEST.md): exact record counts, intact titles.

Skipped when shared/ is absent. SIFT_SHARED overrides where it is looked for.
"""

from __future__ import annotations

import json

import pytest

from lib.imports.problems import _MOJIBAKE
from tests.corpus import CORPUS, FORMAT_OF, READABLE, REFUSED, ROWS, needs_corpus, read_corpus_file

MOJIBAKE = ("Ã", "â€", "\ufffd")
# Fields that hold a title, in every format; a record without a title must have none.
TITLE_FIELDS = {"TI", "T1", "CT", "BT", "%T", "titles/title", "title", "Title"}

pytestmark = [pytest.mark.corpus, needs_corpus]


def test_every_manifest_file_is_read() -> None:
    assert len(READABLE) == len(ROWS) >= 65
    assert REFUSED == []


@pytest.mark.parametrize(("name", "expected"), READABLE)
def test_readable_export(name: str, expected: int) -> None:
    reader, records = read_corpus_file(name)
    assert reader.format == FORMAT_OF[name]
    assert reader.bytes_read == reader.size
    assert len(records) == expected
    assert [r.ordinal for r in records] == list(range(1, expected + 1))
    text = (CORPUS / name).read_bytes().decode(reader.encoding)
    # Markers of text decoded with the wrong encoding, unless the file itself holds them.
    markers = [marker for marker in MOJIBAKE if marker not in text]
    for record in records:
        where = f"record {record.ordinal} (line {record.line})"
        if not record.title:
            titled = [k for k, v in record.raw_fields.items() if k in TITLE_FIELDS and v]
            assert not titled, f"{where} has no title but the file gives one in {titled}"
        for marker in markers:
            assert marker not in record.title, f"{where}: {record.title!r}"
            assert marker not in record.abstract, where
            assert not any(marker in a for a in record.authors), where
        if "suspicious-encoding" in record.problems:  # only where the file itself shows it
            assert _MOJIBAKE.search(record.raw_text), where
        assert isinstance(record.authors, list)
        assert all(isinstance(a, str) and a for a in record.authors)
        if record.doi:
            assert record.doi == record.doi.lower().strip(), where
            assert record.doi.startswith("10."), f"{where}: {record.doi!r}"
        if record.pmid:
            assert record.pmid.isdigit(), where
        json.dumps(record.raw_fields)
