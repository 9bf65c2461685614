"""The broker (Redis) is down: screening, resolution and the pages keep working; background
jobs wait on their rows, and their pages say so. No Redis needed: the Celery app is pointed
at a port nobody listens on, with eager tasks off, as in production."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from reviews.models import BatchStatus, DedupRun, DedupStatus, ImportBatch
from screening.models import Decision, DecisionEvent, Resolution
from tests.conftest import RIS_TWO, ris_upload
from tests.screening.conftest import TA, criterion, decide, screenable

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:6390/0"


@pytest.fixture
def broker_down(settings):
    """Every .delay() from here on tries a Redis that refuses connections."""
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "broker_transport_options", "task_always_eager")
    }
    _reset_connections()
    celery_app.conf.update(
        broker_url=DEAD_BROKER, broker_transport_options={}, task_always_eager=False
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield
    _reset_connections()
    celery_app.conf.update(saved)


def _reset_connections() -> None:
    """Close the connection pool and forget it and the producer pool built on it, so the
    next use connects to the broker configured then (later tests use the real one)."""
    from kombu import pools

    pools.reset()  # closes kombu's pools and forgets them (a closed one is never handed out)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_an_upload_waits_for_the_worker_and_its_page_says_so(
    client, review, source, lead, broker_down, caplog, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    started = time.monotonic()
    with (
        caplog.at_level(logging.ERROR, logger="reviews.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("reviews:import_upload", args=[review.slug, source.pk]),
            {"file": ris_upload(RIS_TWO, "two.ris")},
        )
    assert time.monotonic() - started < 10  # the failed enqueue does not hang the request
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/imports/{batch.pk}/")
    assert "could not queue reviews.tasks.import_batch_preview_task" in caplog.text
    # The file is stored and the job waits on its row for a worker.
    assert batch.status == BatchStatus.PREVIEWING and batch.heartbeat_at is None
    assert batch.file.size == len(RIS_TWO.encode())
    url = reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "nothing is stored until you confirm" in page.content.decode()
    # Half a minute later with no worker, the page says the worker is not there.
    ImportBatch.objects.filter(pk=batch.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=2)
    )
    html = client.get(url).content.decode()
    assert "No background worker has taken this file on" in html
    assert "a worker that starts will take it" in html


@pytest.fixture
def records(review, source, lead):
    return screenable(review, source, lead, 6)  # made while the broker is still there


def test_screening_resolution_and_pages_work_without_the_broker(
    client, review, records, lead, reviewer, second_reviewer, broker_down, caplog
):
    from screening.services import stage_settings_update

    # Relevance order: decisions queue training (a Celery task) after commit.
    stage_settings_update(review=review, stage=TA, user=lead, order="relevance")
    client.force_login(reviewer)
    screen = reverse("screening:screen", args=[review.slug, TA])
    assert client.get(screen).status_code == 200
    for record in records[:3]:
        url = reverse("screening:decide", args=[review.slug, TA, record.pk])
        response = client.post(url, {"verdict": "include"}, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.content[:500]
    assert Decision.objects.filter(reviewer=reviewer).count() == 3
    assert DecisionEvent.objects.filter(reviewer=reviewer).count() == 3

    decide(review, records[0], second_reviewer, "exclude", reason=criterion(review, "E1"))
    client.force_login(lead)
    url = reverse("screening:conflict", args=[review.slug, TA, records[0].pk])
    seen = client.get(url).context["form"].initial["seen"]
    response = client.post(url, {"verdict": "include", "note": "", "seen": seen})
    assert response.status_code == 302
    assert Resolution.objects.get().verdict == "include"

    # A lead's "run deduplication now" is stored as a request waiting for a worker.
    response = client.post(reverse("reviews:dedup_run", args=[review.slug]))
    assert response.status_code in (200, 302)
    assert DedupRun.objects.get(review=review).status == DedupStatus.QUEUED
    DedupRun.objects.filter(review=review).update(
        queued_at=timezone.now() - dt.timedelta(minutes=2)
    )
    dedup_page = client.get(reverse("reviews:dedup", args=[review.slug])).content.decode()
    assert "No background worker has taken this on yet" in dedup_page

    pages = [
        reverse("reviews:list"),
        reverse("reviews:detail", args=[review.slug]),
        reverse("reviews:sources", args=[review.slug]),
        reverse("reviews:batches", args=[review.slug]),
        reverse("reviews:records", args=[review.slug]),
        reverse("screening:overview", args=[review.slug, TA]),
        reverse("screening:conflicts", args=[review.slug, TA]),
        reverse("screening:agreement", args=[review.slug, TA]),
        reverse("screening:ranking", args=[review.slug, TA]),
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
