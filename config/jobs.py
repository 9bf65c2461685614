"""The background-job protocol, written once. Every job row follows it: an import batch (its
preview and its import), a review's deduplication run, a bulk upload of PDFs, and a
ranking model (which only uses the sending half).

- The job is sent after commit (`enqueue_on_commit`) to the task named by its dotted path,
  so services never import tasks (tasks import services); whether the message reached the
  broker is marked on the row (`mark_sent`), so its page says at once when Redis is down.
- A worker takes the job with a compare-and-set (`claim`): from waiting, or from a run whose
  heartbeat went silent for the kind's stale time (its worker was killed). A live run makes
  the claim raise the kind's busy error; the task looks again later (`JobTask.retry_busy`).
- A running job beats (`beat`, and `Heartbeat` from a second thread while a library call
  holds the working thread). Beats use the database's clock, so workers on other hosts agree.
- A worker that starts queues again the jobs waiting or gone silent (`requeue_stale`).
- Tasks take ids and have soft and hard time limits of their kind (`job_task`).
- A job's model mixes in `JobRow`: whether its page should say the queue or the worker is
  missing (`queue_unreachable`, `waiting_for_worker`). It adds no column.

Every clock is a setting (SIFT_JOBS), so a test's worker can shorten them.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

MarkSent = Callable[..., None]


# --- the clocks ------------------------------------------------------------------------------


def _kind(kind: str) -> dict[str, Any]:
    return settings.SIFT_JOBS["KINDS"][kind]


def stale_after(kind: str) -> dt.timedelta:
    """A run of this kind silent for this long is presumed dead."""
    return dt.timedelta(seconds=_kind(kind)["STALE_AFTER"])


def busy_retry(kind: str) -> int:
    """Seconds before a message that met a live run of this kind looks again."""
    return int(_kind(kind)["BUSY_RETRY"])


def heartbeat_every() -> float:
    return float(settings.SIFT_JOBS["HEARTBEAT_EVERY"])


def waiting_after() -> dt.timedelta:
    """A job waiting this long without a worker says so on its page."""
    return dt.timedelta(seconds=settings.SIFT_JOBS["WAITING_AFTER"])


def time_limits(kind: str) -> tuple[int, int]:
    """(soft, hard) seconds: soft raises in the task (its failure path cleans up), hard
    kills the worker (its heartbeat stops and the job is taken over, or given up)."""
    soft = int(_kind(kind)["SOFT_LIMIT"])
    return soft, soft + int(settings.SIFT_JOBS["HARD_LIMIT_MARGIN"])


# --- the row: claim, beat, requeue ------------------------------------------------------------


def silent(kind: str) -> Q:
    """Rows whose run has not beaten within the kind's stale time (or never)."""
    return Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=Now() - stale_after(kind))


def claim(
    rows: QuerySet, *, kind: str, waiting: Q, working: str, busy: Exception, **fields
) -> bool:
    """Compare-and-set `rows` (one job's row) from `waiting`, or from a `working` run gone
    silent, to `working`, with a fresh heartbeat, the broker's mark cleared and `fields`.
    True: this run holds the job. False: there is nothing to do. Raises `busy` when a live
    run holds it."""
    claimed = rows.filter(waiting | Q(silent(kind), status=working)).update(
        status=working, heartbeat_at=Now(), queue_failed_at=None, **fields
    )
    if claimed:
        return True
    if rows.filter(status=working).exists():
        raise busy
    return False


def beat(rows: QuerySet, **fields) -> bool:
    """Write the run's heartbeat (and `fields`); False when the run no longer holds the row
    (`rows` names the run: its attempt or token), which the run takes as "stop"."""
    return bool(rows.update(heartbeat_at=Now(), **fields))


def requeue_stale(
    rows: QuerySet, *, kind: str, waiting: Q, working: Iterable[str], worker_start: bool = False
) -> QuerySet:
    """The job rows to queue again: those waiting, and runs gone silent. `worker_start`:
    live-looking runs too. A worker killed and restarted within the stale time leaves a
    fresh heartbeat, and Redis gives its unacknowledged message back only after the
    visibility timeout (an hour); the new message meets the busy error and retries until
    the heartbeat is stale, then takes the job over (or finds a live run finished it)."""
    stale = Q() if worker_start else silent(kind)
    return rows.filter(waiting | Q(stale, status__in=list(working)))


class Heartbeat:
    """Keeps a live run's heartbeat fresh from a second thread, every HEARTBEAT_EVERY,
    however long the working thread is held inside one call (openpyxl reading a workbook's
    shared strings: issue #16), so that no one presumes it dead and takes the job over
    beside it. `rows` names this run (its attempt or token): once the run was taken over or
    cancelled the beat finds no row, stops, and sets `superseded`; `check()` then raises
    `error` in the working thread. Inside an outer transaction (a test's) a second
    connection could not see the row: no thread."""

    def __init__(self, rows: QuerySet, *, error: Exception, label: str):
        self.rows, self.error, self.label = rows, error, label
        self.superseded = False
        self.beats = 0
        self._stop = threading.Event()
        inline = connection.in_atomic_block
        self.thread = None if inline else threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Heartbeat:
        if self.thread:
            self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self.thread:
            self.thread.join()

    def check(self) -> None:
        if self.superseded:
            raise self.error

    def _run(self) -> None:
        try:
            while not self._stop.wait(heartbeat_every()):
                try:
                    alive = beat(self.rows)
                except OperationalError:
                    log.warning("%s: heartbeat not written", self.label)
                    continue  # the database is busy or gone: the next beat tries again
                if not alive:
                    self.superseded = True
                    return
                self.beats += 1
        finally:
            connection.close()


# --- sending ----------------------------------------------------------------------------------


def mark_sent(rows: QuerySet, *, sent: bool, waiting: Q | None = None) -> None:
    """Called on commit, after the attempt to send the job of `rows` (one row). Sent: clear
    the mark (a message sent later, after a failure). Not sent: mark the row if it is still
    `waiting` for a worker, so its page says at once that the queue could not be reached.
    A worker claiming the job clears the mark too (in its claim)."""
    if sent:
        rows.filter(queue_failed_at__isnull=False).update(queue_failed_at=None)
    else:
        rows.filter(waiting or Q()).update(queue_failed_at=Now())


def send(task: str, *args, mark: MarkSent | None = None) -> bool:
    """Send the job's message to the task named `task` (its dotted path, which is also its
    Celery name) and record on its row, through `mark(sent=...)`, whether it went."""
    job = import_string(task)
    try:
        job.delay(*args)
    except Exception:
        # The row waits and its page says at once that the queue could not be reached; a
        # worker that starts queues it again (requeue_stale).
        what = ", ".join(map(str, args))
        log.exception("could not queue %s for %s: is the broker running?", job.name, what)
        if mark is not None:
            mark(sent=False)
        return False
    if mark is not None:
        mark(sent=True)
    return True


def enqueue_on_commit(task: str, *args, mark: MarkSent | None = None) -> None:
    """Send the job after the current transaction commits (at once outside one). Robust: a
    broker that is down must not turn a stored change into an error page."""
    transaction.on_commit(partial(send, task, *args, mark=mark), robust=True)


# --- tasks ------------------------------------------------------------------------------------


class JobTask(Task):
    """Base of every background job's task: acknowledged late and given back when the
    worker is lost; retries live here, business rules in the service it calls."""

    kind = ""
    acks_late = True
    reject_on_worker_lost = True

    def retry_busy(self, exc: Exception):
        """A live run holds the job (or a killed one has not gone stale yet): look again
        once it could be stale."""
        return self.retry(exc=exc, countdown=busy_retry(self.kind))

    def retry_database(self, exc: Exception, *, cap: int | None = None):
        """The database is busy or gone: back off exponentially (capped at 2**cap s)."""
        n = self.request.retries if cap is None else min(self.request.retries, cap)
        return self.retry(exc=exc, countdown=2**n)


def job_task(kind: str, **options):
    """`shared_task` for a job of `kind`: bound, JobTask, the kind's time limits."""
    soft, hard = time_limits(kind)
    return shared_task(
        bind=True, base=JobTask, kind=kind, soft_time_limit=soft, time_limit=hard, **options
    )


# --- the model --------------------------------------------------------------------------------


class JobRow:
    """Mixed into a job's model, which keeps its own columns: `status`, `heartbeat_at`,
    `queue_failed_at` and a time it was queued (`job_queued_since`)."""

    job_kind = ""
    job_waiting: tuple[str, ...] = ()  # statuses of a job waiting for a worker
    job_working: tuple[str, ...] = ()  # statuses of a run that beats

    status: str
    heartbeat_at: dt.datetime | None
    queue_failed_at: dt.datetime | None

    def job_queued_since(self) -> dt.datetime | None:
        raise NotImplementedError

    def job_is_waiting(self) -> bool:
        """Waiting for a worker: a waiting status, and no run has beaten yet."""
        return self.status in self.job_waiting and not self.heartbeat_at

    @property
    def queue_unreachable(self) -> bool:
        """Its waiting job never reached the broker (Redis down): no worker can know of it
        until one starts and queues it again."""
        return self.queue_failed_at is not None and self.job_is_waiting()

    @property
    def waiting_for_worker(self) -> bool:
        """Not picked up for WAITING_AFTER (at once when its job never reached the broker),
        or its run went silent: say so, rather than a bar that never moves."""
        if self.queue_unreachable:
            return True
        now = timezone.now()
        if self.job_is_waiting():
            since = self.job_queued_since()
            return since is not None and now - since > waiting_after()
        if self.status in self.job_working and self.heartbeat_at:
            return now - self.heartbeat_at > stale_after(self.job_kind)
        return False
