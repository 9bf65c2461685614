"""A record's history and the review's audit trail, read from every app's history tables.

Apps later in the workflow (screening, appraisal) register a source here, as screening
registers its cluster listener with deduplication: `reviews` never imports them. This
module registers the reviews app's own sources: imports and every AuditEvent, and
deduplication (DedupEvent).

An app may also register how the `detail` of its AuditEvent kinds reads
(`register_detail_text`), as appraisal does for its diffs; any other detail shows as
`key=value; ...`.

A record source is `fn(record, viewer) -> iterable of HistoryEntry`, where `viewer` is the
viewer's Member row; it decides what that member may see (blinding: a reviewer sees only
their own votes on a record). A review source is `fn(review) -> iterable of HistoryEntry`
for the lead's export of the whole trail, oldest first (the trail is merged, never sorted
in memory, so a review with a million events streams).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from django.db.models import Q

from reviews.models import AuditEvent, AuditKind, DedupEvent, Member, Record, Review, Role


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    kind: str  # short machine name: "import", "vote", "dedup", "resolution", ...
    actor: str  # username; empty for the background worker
    summary: str  # one plain-text line
    record_id: int | None = None
    stage: str = ""
    detail: str = ""  # plain text, lines separated by "\n" (rendered escaped)
    record_number: int | None = None  # the record's number in the review (record pages)


RecordSource = Callable[[Record, Member], Iterable[HistoryEntry]]
ReviewSource = Callable[[Review], Iterable[HistoryEntry]]
DetailText = Callable[[dict], "str | None"]

_RECORD_SOURCES: list[RecordSource] = []
_REVIEW_SOURCES: list[ReviewSource] = []
_DETAIL_TEXTS: dict[str, DetailText] = {}


def register_record_history(fn: RecordSource) -> RecordSource:
    if fn not in _RECORD_SOURCES:
        _RECORD_SOURCES.append(fn)
    return fn


def register_review_history(fn: ReviewSource) -> ReviewSource:
    if fn not in _REVIEW_SOURCES:
        _REVIEW_SOURCES.append(fn)
    return fn


def register_detail_text(kind: str, fn: DetailText) -> DetailText:
    """How the `detail` of AuditEvents of `kind` reads in the history (plain text, lines
    separated by "\n"; None for a detail it does not know, which then reads as
    `key=value; ...`). One formatter per kind: a second one for it is a mistake."""
    current = _DETAIL_TEXTS.get(kind)
    if current is not None and _name(current) != _name(fn):
        raise ValueError(f"{kind!r} events already have a detail formatter: {_name(current)}.")
    _DETAIL_TEXTS[kind] = fn
    return fn


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def record_history(record: Record, viewer: Member) -> list[HistoryEntry]:
    """Everything that happened to the record that `viewer` may see, oldest first."""
    entries = [e for source in _RECORD_SOURCES for e in source(record, viewer)]
    # Entries on the cluster's other records name them by number (one query, when any).
    ids = {e.record_id for e in entries if e.record_id not in (None, record.pk)}
    numbers = dict(Record.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
    entries = [
        replace(e, record_number=numbers[e.record_id]) if numbers.get(e.record_id) else e
        for e in entries
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind))


def stream(events, to_entry: Callable[[object], HistoryEntry]) -> Iterator[HistoryEntry]:
    """A review source's events as entries, oldest first, read in chunks."""
    for event in events.order_by("at", "pk").iterator(chunk_size=2000):
        yield to_entry(event)


def review_history(review: Review) -> Iterator[HistoryEntry]:
    """The whole audit trail of the review (leads only), oldest first: each source yields
    in time order and the sources are merged as they stream."""
    return heapq.merge(*(source(review) for source in _REVIEW_SOURCES), key=lambda e: e.at)


def cluster_ids(record: Record) -> list[int]:
    """The record and, for a primary, its duplicates: work done on a record before it was
    merged into this paper belongs to this paper's history."""
    return [
        record.pk,
        *Record.objects.filter(duplicate_of_id=record.pk).order_by().values_list("pk", flat=True),
    ]


def detail_text(detail: dict, kind: str = "") -> str:
    """A JSON `detail` as plain text: through the formatter registered for `kind`, else one
    line, `key=value; ...` (empty values left out)."""
    formatter = _DETAIL_TEXTS.get(kind)
    text = formatter(detail) if formatter is not None else None
    if text is not None:
        return text
    return "; ".join(f"{k}={v}" for k, v in sorted(detail.items()) if v not in ("", None, [], {}))


# --- the reviews app's own sources -------------------------------------------------------

# AuditEvent kinds any member may see on a record. Everything else naming a record (a
# resolution, an exclusion by the automation tool, whatever a later app logs) tells a
# verdict, so only leads see it: blinded reviewers see nothing of a colleague's work.
OPEN_KINDS = frozenset({AuditKind.IMPORT, AuditKind.IMPORT_UNDO, AuditKind.IMPORT_CANCEL,
                        AuditKind.IMPORT_FAIL, AuditKind.RECORD_EDIT})  # fmt: skip


def _audit_entry(event: AuditEvent) -> HistoryEntry:
    return HistoryEntry(
        at=event.at, kind=event.kind, actor=event.actor.get_username() if event.actor else "",
        summary=event.summary, record_id=event.record_id, stage=event.stage,
        detail=detail_text(event.detail, event.kind),
    )  # fmt: skip


def _dedup_entry(event: DedupEvent, numbers: dict[int, int]) -> HistoryEntry:
    """`numbers`: the review-local number of each record the event names (a record since
    deleted, by an undone import, keeps the id the log stored)."""
    ids = (event.record_id, event.other_id)
    records = " and ".join(f"#{numbers.get(pk, pk)}" for pk in ids if pk)
    return HistoryEntry(
        at=event.at, kind="dedup", actor=event.actor.get_username() if event.actor else "",
        summary=event.get_action_display() + (f": records {records}" if records else ""),
        record_id=event.record_id, detail=detail_text(event.detail),
    )  # fmt: skip


def _record_numbers(events: list[DedupEvent]) -> dict[int, int]:
    """Record id -> number in the review for the records `events` name (one query)."""
    ids = {pk for e in events for pk in (e.record_id, e.other_id) if pk}
    if not ids:
        return {}
    rows = Record.objects.filter(pk__in=ids, number__isnull=False).values_list("pk", "number")
    return dict(rows)


def _dedup_entries(events: Iterable[DedupEvent], chunk: int = 2000) -> Iterator[HistoryEntry]:
    """Dedup events as entries naming records by number, looked up a chunk at a time."""
    batch: list[DedupEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == chunk:
            numbers = _record_numbers(batch)
            yield from (_dedup_entry(e, numbers) for e in batch)
            batch = []
    numbers = _record_numbers(batch)
    yield from (_dedup_entry(e, numbers) for e in batch)


@register_record_history
def _record_audit(record: Record, viewer: Member) -> Iterator[HistoryEntry]:
    """The import that brought the record in, and every event naming the record (or, for a
    primary, its duplicates) that the viewer may see."""
    events = AuditEvent.objects.filter(review_id=record.review_id).select_related("actor")
    # Import events name no record (one per file): the batch's id in their detail.
    brought_in = events.filter(record_id=None, kind=AuditKind.IMPORT)
    named = events.filter(record_id__in=cluster_ids(record))
    if viewer.role != Role.LEAD:
        named = named.filter(kind__in=OPEN_KINDS)
    for event in [*brought_in.filter(detail__batch_id=record.batch_id), *named]:
        yield _audit_entry(event)


@register_record_history
def _record_dedup(record: Record, viewer: Member) -> Iterator[HistoryEntry]:
    events = DedupEvent.objects.filter(
        Q(record_id=record.pk) | Q(other_id=record.pk), review=record.review_id
    )
    yield from _dedup_entries(events.select_related("actor").order_by("at", "id"))


@register_review_history
def _review_audit(review: Review) -> Iterator[HistoryEntry]:
    return stream(AuditEvent.objects.filter(review=review).select_related("actor"), _audit_entry)


@register_review_history
def _review_dedup(review: Review) -> Iterator[HistoryEntry]:
    events = DedupEvent.objects.filter(review=review).select_related("actor")
    return _dedup_entries(events.order_by("at", "pk").iterator(chunk_size=2000))


def _correction_text(detail: dict) -> str | None:
    """A lead's correction of a record (services.records): one line per field, old -> new."""
    changes = detail.get("changes")
    if not isinstance(changes, dict):
        return None

    def shown(value) -> str:
        if isinstance(value, list):
            value = "; ".join(map(str, value))
        text = "(empty)" if value in (None, "") else " ".join(str(value).split())
        return text if len(text) <= 120 else text[:119] + "…"

    # In the form's order: PostgreSQL's jsonb keeps keys in its own order, not the saved one.
    from reviews.services.records import EDITABLE

    order = {name: n for n, name in enumerate(EDITABLE)}
    ordered = sorted(changes.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
    return "\n".join(f"{name}: {shown(old)} → {shown(new)}" for name, (old, new) in ordered)


register_detail_text(AuditKind.RECORD_EDIT, _correction_text)
