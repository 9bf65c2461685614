"""Celery tasks of screening: take ids, call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from screening import services

log = logging.getLogger(__name__)


# A PDF that hangs the parser must not hold a worker for ever: the job fails cleanly.
@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5, soft_time_limit=3600
)
def bulk_upload_task(self, bulk_id: int) -> None:
    try:
        services.bulk_upload_run(bulk_id=bulk_id)
    except services.BulkBusy as exc:
        # A run that looks alive (a worker killed and restarted at once): wait until its
        # heartbeat could be stale, then take over or find it finished.
        countdown = int(services.fulltexts.BULK_STALE_AFTER.total_seconds()) + 5
        raise self.retry(exc=exc, countdown=countdown) from exc
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


# Training is CPU work of seconds; a run that dies leaves the model as it was, and the next
# decisions queue another. Two runs at once are harmless (services.ranking_train).
@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3, soft_time_limit=600
)
def ranking_train_task(self, review_id: int, stage: str) -> None:
    try:
        services.ranking_train(review_id=review_id, stage=stage)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


def enqueue_ranking(review_id: int, stage: str) -> None:
    try:
        ranking_train_task.delay(review_id, stage)
    except Exception:
        # Screening goes on in the last model's order (or the random one) and the lead's
        # panel says why; the next decisions, or a worker that starts, queue training again.
        log.exception("could not queue ranking of review %s: is the broker running?", review_id)
        services.ranking_mark_sent(review_id=review_id, stage=stage, sent=False)
    else:
        services.ranking_mark_sent(review_id=review_id, stage=stage, sent=True)


def enqueue_bulk(bulk_id: int) -> None:
    try:
        bulk_upload_task.delay(bulk_id)
    except Exception:
        # The upload's row waits; its page says at once that the queue could not be reached.
        log.exception("could not queue the bulk upload %s: is the broker running?", bulk_id)
        services.bulk_upload_mark_sent(bulk_id=bulk_id, sent=False)
    else:
        services.bulk_upload_mark_sent(bulk_id=bulk_id, sent=True)


@worker_ready.connect
def requeue_waiting_bulk_uploads(**_kwargs) -> None:
    """Uploads queued while no worker or broker was there, or whose worker died."""
    ids = services.bulk_uploads_requeue(worker_start=True)
    if ids:
        log.info("queued again bulk upload(s) %s", ids)


@worker_ready.connect
def requeue_unsent_rankings(**_kwargs) -> None:
    """Training runs whose message never reached the broker."""
    waiting = services.ranking_requeue()
    if waiting:
        log.info("queued again ranking of (review, stage) %s", waiting)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def ranking_prepare_task(self, review_id: int) -> None:
    """New batches' term counts for ranking; safe to run twice (files found are kept)."""
    try:
        services.ranking_prepare(review_id=review_id)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


def enqueue_ranking_prepare(review_id: int) -> None:
    try:
        ranking_prepare_task.delay(review_id)
    except Exception:
        # Nothing waits on it: the first training computes what is missing.
        log.exception("could not queue term counts of review %s: is the broker running?", review_id)
