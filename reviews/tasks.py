"""Celery tasks: take ids, call one service. Retries live here, business rules do not."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from reviews import services

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=20)
def import_batch_task(self, batch_id: int) -> None:
    try:
        services.import_batch_run(batch_id=batch_id)
    except services.BatchBusy as exc:
        # A live run holds it (or a killed one has not gone stale yet): look again later.
        raise self.retry(exc=exc, countdown=services.imports.STALE_AFTER.seconds) from exc
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            services.import_batch_fail(
                batch_id=batch_id,
                message="The database stayed unavailable during this import; nothing was "
                "kept. Upload the file again.",
            )
            raise
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def import_batch_preview_task(self, batch_id: int) -> None:
    try:
        services.import_batch_preview_run(batch_id=batch_id)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@worker_ready.connect
def requeue_waiting_imports(**_kwargs) -> None:
    """A worker that starts picks up imports queued while no worker or broker was there."""
    ids = services.import_batches_requeue()
    if ids:
        log.info("queued again %d import(s) that were waiting: %s", len(ids), ids)


def _enqueue(task, batch_id: int) -> None:
    try:
        task.delay(batch_id)
    except Exception:
        # The batch row waits; its page tells the lead no worker has picked it up, and a
        # worker that starts queues it again (requeue_waiting_imports).
        log.exception(
            "could not queue %s for batch %s: is the broker running?", task.name, batch_id
        )


def enqueue_import(batch_id: int) -> None:
    _enqueue(import_batch_task, batch_id)


def enqueue_preview(batch_id: int) -> None:
    _enqueue(import_batch_preview_task, batch_id)
