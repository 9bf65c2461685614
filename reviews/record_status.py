"""Per-stage statuses of the records list (issue #21.2), supplied by later apps.

Screening registers a source here (as it registers its history with `reviews.history`):
`reviews` never imports it. A source is `fn(review, member) -> list[StageStatuses]`; it
decides what the member may know (blinding: a reviewer's statuses come from their own
vote or from outcomes final for everyone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reviews.models import Member, Review


@dataclass(frozen=True)
class StageStatuses:
    stage: str
    label: str
    statuses: dict[int, str] = field(default_factory=dict)  # paper pk -> status key
    labels: dict[str, str] = field(default_factory=dict)  # status key -> words

    def of(self, record) -> str:
        """A record's status: a duplicate is never screened; "" when not at this stage."""
        if record.duplicate_of_id is not None:
            return "duplicate"
        return self.statuses.get(record.pk, "")


StatusSource = Callable[[Review, Member], list[StageStatuses]]
_SOURCES: list[StatusSource] = []


def register_record_statuses(fn: StatusSource) -> StatusSource:
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def record_statuses(review: Review, member: Member) -> list[StageStatuses]:
    return [stage for source in _SOURCES for stage in source(review, member)]
