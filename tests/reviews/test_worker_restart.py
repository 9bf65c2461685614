"""A worker killed and restarted at once (within STALE_AFTER): its running jobs still have a
fresh heartbeat, and Redis gives the killed worker's message back only after the visibility
timeout (an hour). The starting worker queues them again; the message waits until the
heartbeat is stale, then takes over (tests/integration/test_worker_kill.py, with a real
worker)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from reviews import services
from reviews.models import BatchStatus, DedupRun, DedupStatus, ImportBatch
from tests.conftest import ris_upload

pytestmark = pytest.mark.django_db


def test_a_starting_worker_queues_an_import_whose_run_still_looks_alive(
    review, source, lead, monkeypatch, django_capture_on_commit_callbacks
):
    from reviews.tasks import requeue_waiting_imports

    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(), filename="r.ris", user=lead,
        preview=False, enqueue=False,
    )  # fmt: skip
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1
    )
    queued: list[int] = []
    # Services send jobs by the task's name (config.jobs): the task's .delay is the seam.
    monkeypatch.setattr("reviews.tasks.import_batch_task", SimpleNamespace(delay=queued.append))
    monkeypatch.setattr("reviews.tasks.dedup_task", SimpleNamespace(delay=lambda review_id: None))
    # The page's "queue it again" leaves a live run alone ...
    assert services.import_batches_requeue(batch_ids=[batch.pk]) == []
    # ... a worker that starts does not: the run may have died with the last worker.
    with django_capture_on_commit_callbacks(execute=True):
        requeue_waiting_imports()
    assert queued == [batch.pk]
    # The message meets a heartbeat that is not yet stale and retries later.
    with pytest.raises(services.BatchBusy):
        services.import_batch_run(batch_id=batch.pk)
    assert ImportBatch.objects.get(pk=batch.pk).attempts == 1


def test_a_starting_worker_queues_a_deduplication_whose_run_still_looks_alive(review):
    DedupRun.objects.create(
        review=review, status=DedupStatus.RUNNING, heartbeat_at=timezone.now(), version=1
    )
    assert services.dedup_requeue() == [review.pk]
    with pytest.raises(services.DedupBusy):
        services.dedup_run(review_id=review.pk)
