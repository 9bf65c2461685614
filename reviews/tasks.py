"""Celery tasks: take ids, call one service. Retries live here, business rules do not."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from reviews import services

log = logging.getLogger(__name__)


# Time limits: a file that holds a worker past them fails (soft: the run's failure path
# deletes what it wrote; hard: the worker is killed, the heartbeat stops and the batch is
# taken over, then given up after MAX_ATTEMPTS). Bounds on the files keep real imports of
# a million records far inside them.
IMPORT_SOFT_LIMIT = 4 * 3600
PREVIEW_SOFT_LIMIT = 3600


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=20,
             soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_SOFT_LIMIT + 300)  # fmt: skip
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


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5,
             soft_time_limit=PREVIEW_SOFT_LIMIT, time_limit=PREVIEW_SOFT_LIMIT + 300)  # fmt: skip
def import_batch_preview_task(self, batch_id: int) -> None:
    try:
        services.import_batch_preview_run(batch_id=batch_id)
    except services.BatchBusy as exc:
        raise self.retry(exc=exc, countdown=services.imports.STALE_AFTER.seconds) from exc
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=30)
def dedup_task(self, review_id: int) -> None:
    try:
        services.dedup_run(review_id=review_id)
    except services.DedupBusy as exc:
        # Another run holds the review; it reads the newest records before it writes, so
        # this message only has to make sure a run happens if that one dies.
        raise self.retry(exc=exc, countdown=30) from exc
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2 ** min(self.request.retries, 6)) from exc


@worker_ready.connect
def requeue_waiting_imports(**_kwargs) -> None:
    """A worker that starts picks up imports and deduplication runs queued while no worker
    or broker was there."""
    ids = services.import_batches_requeue(worker_start=True)
    if ids:
        log.info("queued again %d import(s) that were waiting: %s", len(ids), ids)
    reviews = services.dedup_requeue()
    if reviews:
        log.info("queued again deduplication of review(s) %s", reviews)
    try:
        swept = services.import_files_sweep()
    except Exception:  # the worker starts anyway; the next start sweeps again
        log.exception("could not sweep the files of finished imports")
    else:
        if swept:
            log.info("deleted %d stored file(s) no import will read", len(swept))


def _enqueue(task, object_id: int, mark_sent: Callable[..., None]) -> None:
    """Send the job's message and record on its row whether it went (called on commit)."""
    try:
        task.delay(object_id)
    except Exception:
        # The row waits and its page says at once that the queue could not be reached; a
        # worker that starts queues it again (requeue_waiting_imports).
        log.exception("could not queue %s for %s: is the broker running?", task.name, object_id)
        mark_sent(sent=False)
    else:
        mark_sent(sent=True)


def enqueue_import(batch_id: int) -> None:
    _enqueue(
        import_batch_task, batch_id, partial(services.import_batch_mark_sent, batch_id=batch_id)
    )


def enqueue_preview(batch_id: int) -> None:
    _enqueue(
        import_batch_preview_task,
        batch_id,
        partial(services.import_batch_mark_sent, batch_id=batch_id),
    )


def enqueue_dedup(review_id: int) -> None:
    _enqueue(dedup_task, review_id, partial(services.dedup_mark_sent, review_id=review_id))
