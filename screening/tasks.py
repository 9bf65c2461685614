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
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


def enqueue_bulk(bulk_id: int) -> None:
    try:
        bulk_upload_task.delay(bulk_id)
    except Exception:
        # The upload's row waits; its page says no worker has picked it up.
        log.exception("could not queue the bulk upload %s: is the broker running?", bulk_id)


@worker_ready.connect
def requeue_waiting_bulk_uploads(**_kwargs) -> None:
    """Uploads queued while no worker or broker was there, or whose worker died."""
    ids = services.bulk_uploads_requeue()
    if ids:
        log.info("queued again bulk upload(s) %s", ids)
