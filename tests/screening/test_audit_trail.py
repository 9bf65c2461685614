"""Resolutions and early stops write their audit events (reviews.AuditEvent) in the same
transaction: a resolution names its paper, stage, verdict, reason and note; a stop (and its
undo) writes one event for itself and one per paper it excluded (gave back), so each
record's history says "excluded by the automation tool". A change that fails writes none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from reviews.models import AuditEvent, AuditKind
from reviews.services.audit import audit_log_records
from screening import selectors, services
from screening.models import AutomationExclusion, AutomationStop, Resolution
from screening.services import decisions, ranking
from tests.screening.conftest import TA, criterion, decide

pytestmark = pytest.mark.django_db


def events(review, kind: str):
    return AuditEvent.objects.filter(review=review, kind=kind).order_by("pk")


def _resolve(review, paper, user, verdict="exclude", **kw) -> Resolution:
    seen = selectors.votes_token(selectors.paper_votes(paper, TA))
    return services.conflict_resolve(
        review=review, paper=paper, stage=TA, verdict=verdict, user=user, seen=seen, **kw
    )


@pytest.fixture
def conflict(review, records, reviewer, second_reviewer):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude", reason=criterion(review, "E1"))
    return records[0]


def test_a_resolution_logs_paper_stage_verdict_reason_and_note(review, lead, conflict):
    _resolve(review, conflict, lead, reason=criterion(review, "E1"), note="agreed on a call")
    (event,) = events(review, AuditKind.RESOLUTION)
    assert (event.actor, event.record_id, event.stage) == (lead, conflict.pk, TA)
    assert event.detail == {"verdict": "exclude", "reason": "E1", "note": "agreed on a call"}
    assert event.summary == "Conflict resolved at title and abstract: exclude (E1)"


def test_a_refused_resolution_logs_nothing(review, reviewer, conflict):
    with pytest.raises(ValidationError):
        _resolve(review, conflict, reviewer)  # a reviewer who screened it, not a lead
    assert not AuditEvent.objects.filter(kind=AuditKind.RESOLUTION).exists()


def test_a_resolution_that_fails_later_rolls_its_event_back(review, lead, conflict, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("report creation failed")

    monkeypatch.setattr(decisions, "_follow", broken)
    with pytest.raises(RuntimeError):
        _resolve(review, conflict, lead, verdict="include")
    assert not Resolution.objects.exists()
    assert not events(review, AuditKind.RESOLUTION).exists()


def test_a_stop_logs_itself_and_each_paper_it_excluded(review, records, lead, reviewer):
    decide(review, records[0], reviewer, "include")  # stays for its second reviewer
    stop = services.screening_stop_early(
        review=review, stage=TA, user=lead, rule="consecutive",
        params={"consecutive_excludes": 50}, note="enough",
    )  # fmt: skip
    excluded = set(AutomationExclusion.objects.filter(stop=stop).values_list("paper_id", flat=True))
    assert excluded == {r.pk for r in records[1:]}
    logged = list(events(review, AuditKind.STOP))
    summary, per_paper = logged[0], logged[1:]
    assert summary.record_id is None and summary.actor == lead and summary.stage == TA
    assert summary.detail["rule"] == "consecutive" and summary.detail["records"] == 5
    assert summary.detail["params"] == {"consecutive_excludes": 50}
    assert summary.detail["note"] == "enough" and "statistics" in summary.detail
    assert {e.record_id for e in per_paper} == excluded and len(per_paper) == 5
    assert all("automation tool" in e.summary and e.actor == lead for e in per_paper)
    assert len({e.at for e in logged}) <= 2  # one moment (the summary may be a tick earlier)


def test_undoing_a_stop_logs_each_paper_given_back(review, records, lead):
    stop = services.screening_stop_early(review=review, stage=TA, user=lead, rule="judgement")
    services.screening_stop_undo(review=review, stop=stop, user=lead)
    logged = list(events(review, AuditKind.STOP_UNDO))
    assert logged[0].record_id is None and logged[0].detail["records"] == 6
    assert {e.record_id for e in logged[1:]} == {r.pk for r in records}
    assert len(events(review, AuditKind.STOP)) == 7  # the stop's events stay


def test_a_stop_whose_log_fails_excludes_nothing(review, records, lead, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ranking, "audit_log_records", broken)
    with pytest.raises(RuntimeError):
        services.screening_stop_early(review=review, stage=TA, user=lead, rule="judgement")
    assert not AutomationStop.objects.exists() and not AutomationExclusion.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.STOP).exists()


def test_a_stop_by_a_reviewer_is_refused_and_logs_nothing(review, records, reviewer):
    with pytest.raises(ValidationError):
        services.screening_stop_early(review=review, stage=TA, user=reviewer, rule="judgement")
    assert not AuditEvent.objects.filter(kind=AuditKind.STOP).exists()


def test_per_paper_events_are_written_in_chunks_not_one_query_each(
    review, lead, django_assert_max_num_queries
):
    """A stop over 10,000 papers: one multi-row insert per 2000 events, not one per paper."""
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(6):
        audit_log_records(review=review, kind=AuditKind.STOP, summary="x", actor=lead,
                          record_ids=range(1, 5001), stage=TA)  # fmt: skip
    assert AuditEvent.objects.count() == before + 5000
