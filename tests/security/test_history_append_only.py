"""The audit history (screening.DecisionEvent, reviews.DedupEvent) is append-only: the
model refuses updates and deletes, single and bulk; deleting a whole review still removes
its history through the cascade; undoing an import only unlinks deleted records."""

from __future__ import annotations

import pytest

from reviews import services as review_services
from reviews.models import DedupEvent, HistoryIsAppendOnly, Review
from screening.models import DecisionEvent
from tests.security.conftest import TA, _vote

pytestmark = pytest.mark.django_db

HISTORY = (DecisionEvent, DedupEvent)


@pytest.fixture
def history(world):
    _vote(world.review, world.open_record, world.reviewer, "include")
    assert DecisionEvent.objects.filter(review=world.review).count() >= 7
    assert DedupEvent.objects.filter(review=world.review).exists()
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
    assert [m.objects.filter(review=world_b.review).count() for m in HISTORY] == theirs


def test_undoing_an_import_keeps_the_dedup_history(review, source, lead):
    from tests.reviews.test_dedup_service import import_text, ris, run
    from tests.screening.conftest import paper

    batch = import_text(review, source, lead, ris(paper(1), paper(1), paper(2)))
    run(review)
    events = DedupEvent.objects.filter(review=review).count()
    assert events
    review_services.import_batch_undo(batch=batch, user=lead)
    assert DedupEvent.objects.filter(review=review).count() >= events
