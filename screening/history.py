"""Screening's part of a record's history and of the review's audit trail
(`reviews.history`): every vote, change and withdrawal (DecisionEvent). Resolutions and
early stops are AuditEvents, which the reviews app reads itself (leads only on a record).

Registered from `ScreeningConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Iterator

from reviews.history import (
    HistoryEntry,
    cluster_ids,
    register_record_history,
    register_review_history,
    stream,
)
from reviews.models import Member, Record, Review, Role
from screening.models import DecisionEvent, Stage


def _vote_entry(event: DecisionEvent) -> HistoryEntry:
    stage = Stage(event.stage).label.lower() if event.stage in Stage.values else event.stage
    old, new = event.old_verdict, event.new_verdict
    if not old:
        summary = f"Voted {new} at {stage}"
    elif not new and event.reopened_by_id:
        summary = (
            f"The vote {old} at {stage} was reopened by {event.reopened_by.get_username()}: "
            f"{event.reopen_reason}"
        )
    elif not new:
        summary = f"Withdrew the vote {old} at {stage}"
    else:
        summary = f"Changed the vote at {stage} from {old} to {new}"
    reason = event.new_reason if new else event.old_reason
    return HistoryEntry(
        at=event.at, kind="vote", actor=event.reviewer.get_username(), summary=summary,
        record_id=event.record_id, stage=event.stage,
        detail=f"reason={reason}" if reason else "",
    )  # fmt: skip


@register_record_history
def _record_votes(record: Record, viewer: Member) -> Iterator[HistoryEntry]:
    """Votes on the record (for a primary, on its duplicates too, made before they merged)."""
    events = DecisionEvent.objects.filter(review=record.review_id, record__in=cluster_ids(record))
    if viewer.role != Role.LEAD:
        # Blinding: a reviewer sees their own votes, never a colleague's.
        events = events.filter(reviewer_id=viewer.user_id)
    for event in events.select_related("reviewer", "reopened_by").order_by("at", "pk"):
        yield _vote_entry(event)


@register_review_history
def _review_votes(review: Review) -> Iterator[HistoryEntry]:
    return stream(
        DecisionEvent.objects.filter(review=review).select_related("reviewer", "reopened_by"),
        _vote_entry,
    )
