"""Celery tasks of screening: take ids, call one service. Services send these by name
(config.jobs), so they never import this module."""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from django.db import OperationalError

from config.jobs import job_task
from screening import services

log = logging.getLogger(__name__)


# A PDF that hangs the parser must not hold a worker for ever: the job fails cleanly.
@job_task("bulk", max_retries=5)
def bulk_upload_task(self, bulk_id: int) -> None:
    try:
        services.bulk_upload_run(bulk_id=bulk_id)
    except services.BulkBusy as exc:
        # A run that looks alive (a worker killed and restarted at once): wait until its
        # heartbeat could be stale, then take over or find it finished.
        raise self.retry_busy(exc) from exc
    except OperationalError as exc:
        raise self.retry_database(exc) from exc


# Training is CPU work of seconds; a run that dies leaves the model as it was, and the next
# decisions queue another. Two runs at once are harmless (services.ranking_train).
@job_task("ranking", max_retries=3)
def ranking_train_task(self, review_id: int, stage: str) -> None:
    try:
        services.ranking_train(review_id=review_id, stage=stage)
    except OperationalError as exc:
        raise self.retry_database(exc) from exc


@job_task("ranking_prepare", max_retries=3)
def ranking_prepare_task(self, review_id: int) -> None:
    """New batches' term counts for ranking; safe to run twice (files found are kept)."""
    try:
        services.ranking_prepare(review_id=review_id)
    except OperationalError as exc:
        raise self.retry_database(exc) from exc


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
