"""The audit history (screening.DecisionEvent, reviews.DedupEvent, reviews.AuditEvent) is
append-only: the model refuses updates and deletes, single and bulk; deleting a whole review
still removes its history through the cascade; undoing an import changes no row of either
DedupEvent or AuditEvent (both name records by plain numbers, which keep naming the deleted
records)."""

from __future__ import annotations

import pytest

from reviews import services as review_services
from reviews.models import (
    AuditEvent,
    AuditKind,
    DedupAction,
    DedupEvent,
    HistoryIsAppendOnly,
    Record,
    Review,
    Verdict,
)
from screening.models import DecisionEvent
from tests.security.conftest import TA, _vote

pytestmark = pytest.mark.django_db

HISTORY = (DecisionEvent, DedupEvent, AuditEvent)


@pytest.fixture
def history(world):
    _vote(world.review, world.open_record, world.reviewer, "include")
    assert DecisionEvent.objects.filter(review=world.review).count() >= 7
    assert DedupEvent.objects.filter(review=world.review).exists()
    # The world's imports, its early stop and the stop's undo (one event per paper).
    kinds = set(AuditEvent.objects.filter(review=world.review).values_list("kind", flat=True))
    assert {AuditKind.IMPORT, AuditKind.STOP, AuditKind.STOP_UNDO} <= kinds
    return world


def snapshot() -> list:
    return [list(m._base_manager.order_by("pk").values()) for m in HISTORY]


@pytest.mark.parametrize("model", HISTORY, ids=lambda m: m.__name__)
def test_a_history_row_cannot_be_changed_or_deleted(history, model):
    before = snapshot()
    row = model.objects.filter(review=history.review).first()
    if model is DecisionEvent:
        row.new_verdict = "exclude"
    else:
        row.detail = {"forged": True}
    with pytest.raises(HistoryIsAppendOnly):
        row.save()
    with pytest.raises(HistoryIsAppendOnly):
        row.delete()
    rows = model.objects.filter(review=history.review)
    with pytest.raises(HistoryIsAppendOnly):
        rows.update(review=history.review)
    with pytest.raises(HistoryIsAppendOnly):
        rows.delete()
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.bulk_update([row], ["review"])
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.update_or_create(pk=row.pk, defaults={"review": history.review})
    assert snapshot() == before


def test_new_history_rows_are_still_written(history):
    before = DecisionEvent.objects.count()
    _vote(history.review, history.open_record, history.second_reviewer, "exclude")
    assert DecisionEvent.objects.count() == before + 1
    event = DecisionEvent.objects.order_by("pk").last()
    assert (event.reviewer, event.stage, event.new_verdict) == (
        history.second_reviewer,
        TA,
        "exclude",
    )


def test_deleting_a_whole_review_deletes_its_history_and_no_other(history, world_b):
    theirs = [m.objects.filter(review=world_b.review).count() for m in HISTORY]
    assert all(theirs)
    review_pk = history.review.pk
    Review.objects.filter(pk=review_pk).delete()
    assert not DecisionEvent._base_manager.filter(review_id=review_pk).exists()
    assert not DedupEvent._base_manager.filter(review_id=review_pk).exists()
    assert not AuditEvent._base_manager.filter(review_id=review_pk).exists()
    assert [m.objects.filter(review=world_b.review).count() for m in HISTORY] == theirs


def test_undoing_an_import_changes_no_dedup_event(review, source, lead):
    from tests.reviews.test_dedup_service import import_text, ris, run
    from tests.screening.conftest import paper

    batch = import_text(review, source, lead, ris(paper(1), paper(1), paper(2)))
    run(review)
    first, copy, _ = batch.records.order_by("ordinal")
    review_services.dedup_decide(
        review=review, record=copy, other=first, verdict=Verdict.DIFFERENT, user=lead
    )
    run(review)
    before = list(DedupEvent._base_manager.filter(review=review).order_by("pk").values())
    decided = [e for e in before if e["action"] == DedupAction.DIFFERENT]
    assert [(e["record_id"], e["other_id"]) for e in decided] == [(copy.pk, first.pk)]
    assert {e["action"] for e in before} == {DedupAction.RUN, DedupAction.DIFFERENT}
    review_services.import_batch_undo(batch=batch, user=lead)
    assert not Record.objects.filter(pk__in=[first.pk, copy.pk]).exists()
    after = list(DedupEvent._base_manager.filter(review=review).order_by("pk").values())
    # Every row as it was, still naming the records that are gone (later runs may add rows).
    assert after[: len(before)] == before


def test_undoing_an_import_changes_no_audit_event(review, source, lead):
    from tests.reviews.test_dedup_service import import_text, ris, run
    from tests.screening.conftest import paper

    batch = import_text(review, source, lead, ris(paper(1), paper(2)))
    run(review)
    review_services.import_batch_undo(batch=batch, user=lead)
    rows = list(AuditEvent.objects.filter(review=review).order_by("pk").values())
    assert [r["kind"] for r in rows] == [AuditKind.IMPORT, AuditKind.IMPORT_UNDO]
    assert rows[0]["detail"]["batch_id"] == rows[1]["detail"]["batch_id"] == batch.pk
    assert rows[0]["actor_id"] == rows[1]["actor_id"] == lead.pk


def test_a_user_named_by_history_cannot_be_deleted(history, django_user_model):
    """Deleting a user would rewrite the rows that name them (Django's SET_NULL is an
    update): refused, as for a reviewer with votes."""
    from django.db.models import ProtectedError

    from reviews.services.audit import audit_log

    clerk = django_user_model.objects.create_user("clerk")  # named by history rows only
    DedupEvent.objects.create(review=history.review, actor=clerk, action=DedupAction.SAME)
    audit_log(review=history.review, kind=AuditKind.SETTINGS, summary="x", actor=clerk)
    before = snapshot()
    with pytest.raises(ProtectedError):
        clerk.delete()
    assert snapshot() == before
