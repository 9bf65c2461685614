"""Fuzzing the import parsers with every real export in tests/fixtures/imports (the
property tests in tests/lib/test_import_properties.py seed from a few per format): cut,
spliced, bit-flipped and repeated, each file never makes a parser raise anything but
`ImportFileError` with a message."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.lib.conftest import FIXTURES
from tests.lib.test_import_properties import FAST, SEED_BYTES, mutated, read_everything

FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file() and p.name != "README.md")


def test_every_fixture_is_fuzzed():
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_mutated_real_export_raises_only_the_importers_error(path):
    seed = path.read_bytes()
    read_everything(seed)  # the file as it is reads too

    @FAST
    @given(mutated([seed]))
    def check(data: bytes) -> None:
        read_everything(data)

    check()


def test_a_mutated_workbook_raises_only_the_importers_error():
    @FAST
    @given(mutated(SEED_BYTES["xlsx"]))
    def check(data: bytes) -> None:
        read_everything(data)

    check()
