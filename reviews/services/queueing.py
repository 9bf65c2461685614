"""Whether a background job's message reached the broker: one rule for every job row with
a `queue_failed_at` (imports, deduplication runs, bulk uploads, ranking models)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Now


def queue_mark_sent(rows: QuerySet, *, sent: bool, waiting: Q | None = None) -> None:
    """Called on commit, after the attempt to send the job of `rows` (one row). Sent: clear
    the mark (a message sent later, after a failure). Not sent: mark the row if it is still
    `waiting` for a worker, so its page says at once that the queue could not be reached.
    A worker claiming the job clears the mark too (in its own claim)."""
    if sent:
        rows.filter(queue_failed_at__isnull=False).update(queue_failed_at=None)
    else:
        rows.filter(waiting or Q()).update(queue_failed_at=Now())
