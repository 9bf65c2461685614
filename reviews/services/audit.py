"""The audit trail: append AuditEvent rows (imports, undos, resolutions, early stops,
checklist and form edits). Votes and deduplication log to their own history tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from reviews.models import AuditEvent, AuditKind, Review


def _event(
    *, review_id: int, kind: str, summary: str, actor, record_id, stage: str, detail, at
) -> AuditEvent:
    if kind not in AuditKind.values:
        raise ValueError(f"unknown audit kind {kind!r}")
    return AuditEvent(
        review_id=review_id,
        at=at,
        kind=kind,
        summary=summary[:500],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        record_id=record_id,
        stage=stage,
        detail=detail or {},
    )


def audit_log(
    *,
    review: Review | int,
    kind: AuditKind | str,
    summary: str,
    actor=None,
    record_id: int | None = None,
    stage: str = "",
    detail: dict | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Write one history row, inside the caller's transaction (the change and its history
    commit together or not at all). `summary` is one plain-text line for people; `detail`
    holds the facts (JSON: ids, counts, old and new values)."""
    event = _event(
        review_id=review if isinstance(review, int) else review.pk,
        kind=kind, summary=summary, actor=actor, record_id=record_id, stage=stage,
        detail=detail, at=at or timezone.now(),
    )  # fmt: skip
    event.save()
    return event


def audit_log_records(
    *,
    review: Review | int,
    kind: AuditKind | str,
    summary: str,
    record_ids: Iterable[int],
    actor=None,
    stage: str = "",
    detail: dict | None = None,
    at: dt.datetime | None = None,
) -> int:
    """One row per record, the same event for each (an early stop excluding 10,000 papers),
    inside the caller's transaction. Returns the count.

    Plain executemany, as for ranking scores: the rows differ only in `record_id`, and a
    model instance per row cost several times the insert itself (seconds for 10,000)."""
    template = _event(
        review_id=review if isinstance(review, int) else review.pk,
        kind=kind, summary=summary, actor=actor, record_id=None, stage=stage, detail=detail,
        at=at or timezone.now(),
    )  # fmt: skip
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    slot = [f.attname for f in fields].index("record_id")
    rows = [(*values[:slot], pk, *values[slot + 1 :]) for pk in record_ids]
    quote = connection.ops.quote_name
    columns = [f.column for f in fields if f.column]  # concrete fields: every one has a column
    sql = (
        f"INSERT INTO {quote(AuditEvent._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
    return len(rows)
