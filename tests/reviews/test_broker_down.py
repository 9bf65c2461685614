"""The broker (Redis) is down: screening, resolution and the pages keep working; background
jobs wait on their rows, and their pages say at once that the queue could not be reached
(queue_failed_at), until a message gets through or a worker takes the job. No Redis needed:
the Celery app is pointed at a port nobody listens on, with eager tasks off, as in
production. "Redis is back" is a task whose .delay() takes the message and runs nothing."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from lib.fulltext import make_pdf
from reviews import services
from reviews.models import BatchStatus, DedupRun, DedupStatus, ImportBatch
from screening import services as screening_services
from screening.models import (
    BulkStatus,
    BulkUpload,
    Decision,
    DecisionEvent,
    RankingModel,
    Resolution,
)
from tests.conftest import RIS_TWO, ris_upload
from tests.screening.conftest import TA, criterion, decide, screenable

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:6390/0"
UNREACHABLE = "Sift could not reach the background queue (is Redis running?)"
NO_WORKER = "No background worker has taken"
HX = {"HX-Request": "true"}


class Accepting:
    """A task whose broker takes the message (Redis back) while no worker runs it yet."""

    name = "accepting"

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def delay(self, *args) -> None:
        self.sent.append(args)


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


def test_an_upload_whose_job_cannot_be_queued_says_so_at_once(
    client, review, source, lead, broker_down, caplog, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
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
    # The file is stored and the job waits on its row, marked as never sent.
    assert batch.status == BatchStatus.PREVIEWING and batch.heartbeat_at is None
    assert batch.queue_failed_at is not None
    assert batch.file.size == len(RIS_TWO.encode())
    url = reverse("reviews:batch_detail", args=[review.slug, batch.pk])
    # The very first view says why, without waiting for the 30 s of "no worker".
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "nothing is stored until you confirm" in html
    assert UNREACHABLE in html
    assert "The file is stored: nothing is lost; a worker that starts will take it." in html
    assert NO_WORKER not in html and "Queue it again" in html
    fragment = client.get(url, headers=HX).content.decode()
    assert UNREACHABLE in fragment and "<html" not in fragment

    # A worker that starts queues it again and takes it: the mark goes.
    services.import_batch_preview_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.queue_failed_at is None
    assert UNREACHABLE not in client.get(url).content.decode()

    # The lead confirms; the import's message cannot be sent either.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_confirm", args=[review.slug, batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED and batch.queue_failed_at is not None
    assert UNREACHABLE in client.get(url).content.decode()

    # Redis is back, no worker yet: "Queue it again" sends the message and clears the mark.
    accepting = Accepting()
    monkeypatch.setattr("reviews.tasks.import_batch_task", accepting)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:batch_requeue", args=[review.slug, batch.pk]))
    assert accepting.sent == [(batch.pk,)]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED and batch.queue_failed_at is None
    html = client.get(url).content.decode()
    assert UNREACHABLE not in html and NO_WORKER not in html
    # Half a minute later with no worker, the page says the worker is not there.
    ImportBatch.objects.filter(pk=batch.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=2)
    )
    html = client.get(url).content.decode()
    assert "No background worker has taken this file on" in html and UNREACHABLE not in html
    assert "a worker that starts will take it" in html


@pytest.fixture
def records(review, source, lead):
    return screenable(review, source, lead, 6)  # made while the broker is still there


def test_screening_resolution_and_pages_work_without_the_broker(
    client, review, records, lead, reviewer, second_reviewer, broker_down, caplog,
    django_capture_on_commit_callbacks, monkeypatch,
):  # fmt: skip
    from screening.services import stage_settings_update
    from screening.tasks import ranking_train_task

    # Relevance order: each decision queues training (a Celery task) after commit, and
    # here every one of those messages fails.
    stage_settings_update(review=review, stage=TA, user=lead, order="relevance")
    client.force_login(reviewer)
    screen = reverse("screening:screen", args=[review.slug, TA])
    assert client.get(screen).status_code == 200
    tries = []
    real_delay = ranking_train_task.delay
    monkeypatch.setattr(ranking_train_task, "delay", lambda *a: tries.append(a) or real_delay(*a))
    for record in records[:3]:
        url = reverse("screening:decide", args=[review.slug, TA, record.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"verdict": "include"}, headers=HX)
        assert response.status_code == 200, response.content[:500]
    # The first decision tried to queue training and failed; the next ones, moments later,
    # do not wait on the broker again (a worker that starts queues the run).
    assert len(tries) == 1
    assert Decision.objects.filter(reviewer=reviewer).count() == 3
    assert DecisionEvent.objects.filter(reviewer=reviewer).count() == 3
    assert RankingModel.objects.get(review=review, stage=TA).queue_failed_at is not None

    decide(review, records[0], second_reviewer, "exclude", reason=criterion(review, "E1"))
    client.force_login(lead)
    url = reverse("screening:conflict", args=[review.slug, TA, records[0].pk])
    seen = client.get(url).context["form"].initial["seen"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"verdict": "include", "note": "", "seen": seen})
    assert response.status_code == 302
    assert Resolution.objects.get().verdict == "include"

    # A lead's "run deduplication now" is stored as a request waiting for a worker, and the
    # page says at once that it could not be queued.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:dedup_run", args=[review.slug]))
    assert response.status_code in (200, 302)
    run = DedupRun.objects.get(review=review)
    assert run.status == DedupStatus.QUEUED and run.queue_failed_at is not None
    dedup_page = client.get(reverse("reviews:dedup", args=[review.slug])).content.decode()
    assert UNREACHABLE in dedup_page and NO_WORKER not in dedup_page

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
    assert "could not queue" in caplog.text


def test_a_deduplication_run_that_cannot_be_queued_says_so_until_one_is_sent(
    client, review, lead, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    from reviews.tasks import requeue_waiting_imports

    client.force_login(lead)
    dedup = reverse("reviews:dedup", args=[review.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:dedup_run", args=[review.slug]))
    assert DedupRun.objects.get(review=review).queue_failed_at is not None
    assert UNREACHABLE in client.get(dedup).content.decode()
    fragment = client.get(dedup, headers={**HX, "HX-Target": "dedup-status"}).content.decode()
    assert UNREACHABLE in fragment and "<html" not in fragment

    # Redis is back and a worker starts: it queues the run again, and the mark goes.
    accepting = Accepting()
    monkeypatch.setattr("reviews.tasks.dedup_task", accepting)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_waiting_imports()
    assert accepting.sent == [(review.pk,)]
    run = DedupRun.objects.get(review=review)
    assert run.status == DedupStatus.QUEUED and run.queue_failed_at is None
    html = client.get(dedup).content.decode()
    assert UNREACHABLE not in html and NO_WORKER not in html
    # Sent, but no worker takes it: after half a minute the page says so.
    DedupRun.objects.filter(review=review).update(
        queued_at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert "No background worker has taken this on yet" in client.get(dedup).content.decode()

    # Failing again, then a worker takes the run: the mark goes with the claim.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:dedup_run", args=[review.slug]))
    assert DedupRun.objects.get(review=review).queue_failed_at is not None
    services.dedup_run(review_id=review.pk)
    run = DedupRun.objects.get(review=review)
    assert run.status == DedupStatus.IDLE and run.queue_failed_at is None
    assert UNREACHABLE not in client.get(dedup).content.decode()


def test_a_bulk_upload_that_cannot_be_queued_says_so_at_once(
    client, review, lead, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    pdf = SimpleUploadedFile("paper.pdf", make_pdf("A paper nobody screened", ["Results."]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("screening:bulk_upload", args=[review.slug]), {"files": [pdf]}
        )
    bulk = BulkUpload.objects.get()
    assert response.status_code == 302
    assert bulk.status == BulkStatus.QUEUED and bulk.queue_failed_at is not None
    url = reverse("screening:bulk", args=[review.slug, bulk.pk])
    html = client.get(url).content.decode()
    assert UNREACHABLE in html and "The files are stored: nothing is lost" in html
    assert NO_WORKER not in html
    fragment = client.get(url, headers={**HX, "HX-Target": "bulk-status"}).content.decode()
    assert UNREACHABLE in fragment and "<html" not in fragment

    # Redis is back and a worker starts: the upload is queued again, the mark goes.
    from screening.tasks import requeue_waiting_bulk_uploads

    accepting = Accepting()
    monkeypatch.setattr("screening.tasks.bulk_upload_task", accepting)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_waiting_bulk_uploads()
    assert accepting.sent == [(bulk.pk,)]
    assert BulkUpload.objects.get(pk=bulk.pk).queue_failed_at is None
    html = client.get(url).content.decode()
    assert UNREACHABLE not in html and NO_WORKER not in html
    # Sent, but no worker takes it: after half a minute the page says so.
    BulkUpload.objects.filter(pk=bulk.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert "No background worker has taken these files on" in client.get(url).content.decode()

    # A worker takes it (with a mark left by a failed send): the claim clears it.
    BulkUpload.objects.filter(pk=bulk.pk).update(queue_failed_at=timezone.now())
    screening_services.bulk_upload_run(bulk_id=bulk.pk)
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.READY and bulk.queue_failed_at is None


def test_a_ranking_request_that_cannot_be_queued_says_so_on_the_panel(
    client, review, records, lead, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    from screening.tasks import requeue_unsent_rankings

    def switch_to_relevance() -> None:  # which queues a training run at once
        with django_capture_on_commit_callbacks(execute=True):
            screening_services.stage_settings_update(
                review=review, stage=TA, user=lead, order="relevance"
            )

    switch_to_relevance()
    assert RankingModel.objects.get(review=review, stage=TA).queue_failed_at is not None
    client.force_login(lead)
    url = reverse("screening:ranking", args=[review.slug, TA])
    html = client.get(url).content.decode()
    assert UNREACHABLE in html and "Screening goes on and nothing is lost" in html
    fragment = client.get(url, headers={**HX, "HX-Target": "ranking-panel"}).content.decode()
    assert UNREACHABLE in fragment and "<html" not in fragment

    # A training run starts (a worker took an earlier message): the mark goes.
    screening_services.ranking_train(review_id=review.pk, stage=TA)
    assert RankingModel.objects.get(review=review, stage=TA).queue_failed_at is None
    assert UNREACHABLE not in client.get(url).content.decode()

    # Failing again; Redis is back and a worker starts: training is queued again.
    switch_to_relevance()
    assert RankingModel.objects.get(review=review, stage=TA).queue_failed_at is not None
    accepting = Accepting()
    monkeypatch.setattr("screening.tasks.ranking_train_task", accepting)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_unsent_rankings()
    assert accepting.sent == [(review.pk, TA)]
    assert RankingModel.objects.get(review=review, stage=TA).queue_failed_at is None
    assert UNREACHABLE not in client.get(url).content.decode()
