"""Screening's statuses for the records list (`reviews.record_status`), through the
Viewer. Registered from `ScreeningConfig.ready()`."""

from __future__ import annotations

from reviews.models import Member, Review
from reviews.record_status import StageStatuses, register_record_statuses
from screening.access import STATUS_LABELS, Viewer
from screening.models import Stage


@register_record_statuses
def _statuses(review: Review, member: Member) -> list[StageStatuses]:
    viewer = Viewer(review, member.user_id, member.role)
    return [
        StageStatuses(s.value, s.label, viewer.paper_statuses(s.value), STATUS_LABELS)
        for s in Stage
    ]
