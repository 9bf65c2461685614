"""Celery tasks: take ids, call one service. Retries live here, business rules do not.
Services send these by name (config.jobs), so they never import this module."""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from django.db import OperationalError

from config.jobs import job_task
from reviews import services

log = logging.getLogger(__name__)


# Time limits (SIFT_JOBS): a file that holds a worker past them fails (soft: the run's
# failure path deletes what it wrote; hard: the worker is killed, the heartbeat stops and
# the batch is taken over, then given up after MAX_ATTEMPTS). Bounds on the files keep real
# imports of a million records far inside them.
@job_task("import", max_retries=20)
def import_batch_task(self, batch_id: int) -> None:
    try:
        services.import_batch_run(batch_id=batch_id)
    except services.BatchBusy as exc:
        # A live run holds it (or a killed one has not gone stale yet): look again later.
        raise self.retry_busy(exc) from exc
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            services.import_batch_fail(
                batch_id=batch_id,
                message="The database stayed unavailable during this import; nothing was "
                "kept. Upload the file again.",
            )
            raise
        raise self.retry_database(exc) from exc


@job_task("preview", max_retries=5)
def import_batch_preview_task(self, batch_id: int) -> None:
    try:
        services.import_batch_preview_run(batch_id=batch_id)
    except services.BatchBusy as exc:
        raise self.retry_busy(exc) from exc
    except OperationalError as exc:
        raise self.retry_database(exc) from exc


@job_task("dedup", max_retries=30)
def dedup_task(self, review_id: int) -> None:
    try:
        services.dedup_run(review_id=review_id)
    except services.DedupBusy as exc:
        # Another run holds the review; it reads the newest records before it writes, so
        # this message only has to make sure a run happens if that one dies.
        raise self.retry_busy(exc) from exc
    except OperationalError as exc:
        raise self.retry_database(exc, cap=6) from exc


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
