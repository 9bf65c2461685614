"""A long read keeps its heartbeat (issue #16: a workbook whose shared strings took 364 s
to read wrote no heartbeat, was presumed dead at 60 s, and "Queue it again" started a
second read of the same file beside the first). The heartbeat beats from a second thread
while the reading thread is held inside one library call, so a live run is never taken
over or queued again; a run that was taken over stops at its next chunk."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from reviews import services
from reviews.models import BatchStatus, ImportBatch, Record
from reviews.services.imports import runs as imports
from tests.conftest import RIS_TWO, ris_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_staleness(settings):
    kinds = {k: {**v, "STALE_AFTER": 1} for k, v in settings.SIFT_JOBS["KINDS"].items()}
    settings.SIFT_JOBS = {**settings.SIFT_JOBS, "HEARTBEAT_EVERY": 0.1, "KINDS": kinds}


def held_open_export(monkeypatch):
    """open_export that holds its caller (as openpyxl does on a huge shared-strings table)
    until released; returns (entered, release, calls)."""
    entered, release, calls = threading.Event(), threading.Event(), []
    real = imports.open_export

    def holding(path, **kwargs):
        calls.append(path)
        entered.set()
        release.wait(30)
        return real(path, **kwargs)

    monkeypatch.setattr(imports, "open_export", holding)
    return entered, release, calls


def in_thread(function, **kwargs) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run():
        try:
            result["value"] = function(**kwargs)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "import"])
def test_a_run_held_inside_a_long_read_is_never_doubled(
    review, source, lead, monkeypatch, quick_staleness, preview
):
    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(RIS_TWO), filename="r.ris",
        user=lead, preview=preview, enqueue=False,
    )  # fmt: skip
    entered, release, calls = held_open_export(monkeypatch)
    run = services.import_batch_preview_run if preview else services.import_batch_run
    thread, result = in_thread(run, batch_id=batch.pk)
    assert entered.wait(10)
    time.sleep(2.5)  # more than twice STALE_AFTER inside the one call
    # "Queue it again" and a second message both find the run alive.
    assert services.import_batches_requeue(batch_ids=[batch.pk]) == []
    with pytest.raises(services.BatchBusy):
        run(batch_id=batch.pk)
    release.set()
    thread.join(30)
    assert "error" not in result, result
    batch.refresh_from_db()
    assert batch.status == (BatchStatus.READY if preview else BatchStatus.DONE)
    assert batch.attempts == 1 and len(calls) == 1
    assert Record.objects.filter(batch=batch).count() == (0 if preview else 2)


def test_a_run_taken_over_stops_at_its_next_chunk_and_writes_nothing(
    review, source, lead, monkeypatch, quick_staleness
):
    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(RIS_TWO), filename="r.ris",
        user=lead, preview=False, enqueue=False,
    )  # fmt: skip
    entered, release, _ = held_open_export(monkeypatch)
    thread, result = in_thread(services.import_batch_run, batch_id=batch.pk)
    assert entered.wait(10)
    # Another run took the batch over (as if this one had been presumed dead).
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=5)
    release.set()
    thread.join(30)
    assert result == {"value": None}
    assert not Record.objects.filter(batch=batch).exists()
