"""A bulk PDF upload whose worker was killed and restarted at once: its run still has a
fresh heartbeat, so the starting worker queues it again and the message waits (BulkBusy)
until the heartbeat is stale, then takes the job over; a finished upload is left alone."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from config import jobs
from screening import services
from screening.models import BulkStatus, BulkUpload

pytestmark = pytest.mark.django_db


def test_a_starting_worker_queues_a_bulk_upload_whose_run_still_looks_alive(
    review, lead, monkeypatch, django_capture_on_commit_callbacks
):
    from screening.tasks import requeue_waiting_bulk_uploads

    bulk = BulkUpload.objects.create(
        review=review, uploaded_by=lead, status=BulkStatus.RUNNING, heartbeat_at=timezone.now()
    )
    queued: list[int] = []
    # Services send jobs by the task's name (config.jobs): the task's .delay is the seam.
    monkeypatch.setattr("screening.tasks.bulk_upload_task", SimpleNamespace(delay=queued.append))
    assert services.bulk_uploads_requeue() == []  # a live run is left alone ...
    with django_capture_on_commit_callbacks(execute=True):
        requeue_waiting_bulk_uploads()  # ... unless a worker starts: it may have died
    assert queued == [bulk.pk]
    with pytest.raises(services.BulkBusy):
        services.bulk_upload_run(bulk_id=bulk.pk)
    # Once the heartbeat is stale the message takes the job over and finishes it.
    stale = timezone.now() - jobs.stale_after("bulk") - dt.timedelta(seconds=1)
    BulkUpload.objects.filter(pk=bulk.pk).update(heartbeat_at=stale)
    services.bulk_upload_run(bulk_id=bulk.pk)
    assert BulkUpload.objects.get(pk=bulk.pk).status == BulkStatus.READY


def test_a_finished_upload_is_not_run_again(review, lead):
    bulk = BulkUpload.objects.create(review=review, uploaded_by=lead, status=BulkStatus.DONE)
    assert services.bulk_upload_run(bulk_id=bulk.pk) is None
    assert BulkUpload.objects.get(pk=bulk.pk).status == BulkStatus.DONE
