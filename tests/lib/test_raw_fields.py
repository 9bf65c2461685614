"""The field table derived from a stored record's text equals what the importer saw."""

from __future__ import annotations

import pytest

from lib.imports import fields_from_raw, open_export
from tests.corpus import CORPUS, READABLE, needs_corpus
from tests.lib.conftest import FIXTURES

FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in {".ris", ".txt", ".csv"})


def _assert_round_trip(path):
    with open_export(path) as reader:
        for record in reader:
            assert fields_from_raw(reader.format, record.raw_text) == record.raw_fields, (
                path.name,
                record.ordinal,
            )


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_records(path):
    _assert_round_trip(path)


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize(("name", "expected"), READABLE)
def test_corpus_records(name, expected):
    _assert_round_trip(CORPUS / name)
