"""Who may write to a batch: the run that claimed it last; retries are bounded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import BatchStatus, ImportBatch, Record
from reviews.services import imports
from reviews.services.imports import rows, runs
from tests.conftest import ris_upload


def _queued(review, source, lead, preview=False):
    return services.import_batch_start(
        review=review,
        source=source,
        upload=ris_upload(),
        filename="r.ris",
        user=lead,
        preview=preview,
        enqueue=False,
    )


def _go_stale(batch):
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=5)
    )


@pytest.mark.django_db
def test_a_run_taken_over_writes_nothing_more_and_cannot_fail_its_successor(review, source, lead):
    batch = _queued(review, source, lead)
    first = runs._claim(batch.pk, waiting=BatchStatus.QUEUED, working=BatchStatus.RUNNING)
    _go_stale(batch)  # the first run looks dead...
    second = runs._claim(batch.pk, waiting=BatchStatus.QUEUED, working=BatchStatus.RUNNING)
    assert (first, second) == (1, 2)
    row = (
        review.pk,
        batch.pk,
        1,
        1,
        "t",
        "",
        "[]",
        "",
        None,
        "",
        "",
        "",
        "",
        "",
        "",
        "[]",
        "",
        "",
        "",
        "TY  - JOUR",
        "[]",
        7,
        11,
    )
    with pytest.raises(imports.RunSuperseded):  # ...but was only slow: it must stop
        rows._write_chunk(batch.pk, first, [row], 10, 1)
    assert not Record.objects.filter(batch=batch).exists()
    rows._write_chunk(batch.pk, second, [row], 10, 1)
    services.import_batch_fail(batch_id=batch.pk, message="late failure", attempt=first)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and Record.objects.filter(batch=batch).count() == 1


@pytest.mark.django_db
def test_a_file_that_keeps_killing_workers_fails_after_three_attempts(review, source, lead):
    batch = _queued(review, source, lead)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, attempts=3)
    _go_stale(batch)
    services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "after 3 attempts" in batch.errors[0]
    assert not Record.objects.exists()


@pytest.mark.django_db
def test_a_preview_that_crashes_fails_the_batch(review, source, lead, monkeypatch):
    batch = _queued(review, source, lead, preview=True)

    def crash(self, parsed):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(runs._PreviewBuilder, "add", crash)
    with pytest.raises(RuntimeError):
        services.import_batch_preview_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "internal error" in batch.errors[0]


@pytest.mark.django_db
def test_a_stale_preview_cannot_overwrite_a_newer_one(review, source, lead):
    batch = _queued(review, source, lead, preview=True)
    old = runs._claim(batch.pk, waiting=BatchStatus.PREVIEWING, working=BatchStatus.PREVIEWING)
    _go_stale(batch)
    services.import_batch_preview_run(batch_id=batch.pk)  # a newer run finishes
    assert runs._owned(batch.pk, old, BatchStatus.PREVIEWING).update(preview={}) == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.preview["records"] == 2


@pytest.mark.django_db
def test_a_lead_can_cancel_while_the_file_is_being_read(client, review, source, lead):
    batch = _queued(review, source, lead, preview=True)
    client.force_login(lead)
    page = client.get(reverse("reviews:batch_detail", args=[review.slug, batch.pk]))
    assert "Cancel: import nothing" in page.content.decode()
    client.post(reverse("reviews:batch_cancel", args=[review.slug, batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert services.import_batch_preview_run(batch_id=batch.pk) is None
