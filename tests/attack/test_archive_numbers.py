"""Attack: a review archive whose record numbers were tampered with (two records numbered
#1). The import refuses it, leaving no review behind (it does), and says so as other
refusals do: naming the file and line and the problem, not the database's constraint."""

from __future__ import annotations

import pytest

from lib.fulltext.archive import ArchiveError
from reporting import archive
from reviews.models import Review
from tests.reporting import test_archive as base
from tests.reporting.test_archive import edit_rows

pytestmark = pytest.mark.django_db
built, good = base.built, base.good  # fixtures


def _same_number(row: dict) -> dict:
    return {**row, "number": 1} if "number" in row else row


def test_an_archive_with_two_records_of_one_number_is_refused_naming_the_file(good, lead, tmp_path):
    bad = edit_rows(good, tmp_path / "bad.zip", rows={"reviews.Record": _same_number})
    with pytest.raises(ArchiveError) as refused:
        archive.archive_import(file=bad, user=lead, slug="twice")
    assert not Review.objects.filter(slug="twice").exists()
    message = refused.value.message
    assert "reviews.Record.jsonl" in message and "constraint" not in message.lower(), message
    assert "line 2" in message and "number 1" in message, message
