"""Celery tasks of screening: take ids, call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from screening import services

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
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
