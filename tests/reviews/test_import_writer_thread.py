"""The threaded chunk writer (used outside transactions: the worker, the command)."""

from __future__ import annotations

import pytest

from reviews import services
from reviews.models import BatchStatus, ImportBatch, Record
from reviews.services import imports
from tests.conftest import ris_upload

pytestmark = pytest.mark.django_db(transaction=True)


def _many(n):
    return "".join(f"TY  - JOUR\nTI  - Paper {i}\nAB  - Text {i}\nER  - \n" for i in range(n))


def test_threaded_import_stores_every_record_once(review, source, lead):
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(_many(3456)),
        filename="m.ris",
        user=lead,
        enqueue=False,
    )
    finished = services.import_batch_run(batch_id=batch.pk)
    assert finished.status == BatchStatus.DONE and finished.records_stored == 3456
    ordinals = list(Record.objects.filter(batch=batch).values_list("ordinal", flat=True))
    assert sorted(ordinals) == list(range(1, 3457))
    assert Record.objects.get(batch=batch, ordinal=3456).abstract == "Text 3455"


def test_a_failure_in_the_writer_thread_fails_the_batch_and_leaves_nothing(
    review, source, lead, monkeypatch
):
    real = imports._insert_records
    calls = {"n": 0}

    def failing(rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        real(rows)

    monkeypatch.setattr(imports, "_insert_records", failing)
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(_many(5000)),
        filename="m.ris",
        user=lead,
        enqueue=False,
    )
    with pytest.raises(RuntimeError, match="disk full"):
        services.import_batch_run(batch_id=batch.pk)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == BatchStatus.FAILED
    assert Record.objects.count() == 0
