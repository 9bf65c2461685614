"""Decisions as facts: one per reviewer x record x stage, history of every change, undo,
who is offered what and in which order, and what the votes add up to."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from reviews import services as review_services
from reviews.models import BatchStatus, Record
from screening import selectors, services
from screening.models import Decision, DecisionEvent, Order, Resolution, Stage
from tests.reviews.test_dedup_service import PAPER, import_text, ris, run
from tests.screening.conftest import (
    TA,
    criterion,
    decide,
    screenable,
    settings_of,
    third,
)

pytestmark = pytest.mark.django_db


def walk(review, user) -> list[int]:
    """Screen everything offered to `user`, in order, as the screen page does."""
    seen = []
    while (record := selectors.next_record(review, user, TA, settings_of(review))) is not None:
        assert record.pk not in seen, "a decided record came back"
        seen.append(record.pk)
        decide(review, record, user, "exclude", advance=True)
    return seen


def walk_and_forget(review, user) -> list[int]:
    with transaction.atomic():
        order = walk(review, user)
        transaction.set_rollback(True)
    return order


# --- one fact per reviewer x record x stage -------------------------------------------------


def test_include_exclude_and_maybe_are_stored_with_reason_and_note(review, records, reviewer):
    e1 = criterion(review, "E1")
    decide(review, records[0], reviewer, "include", note="clearly in")
    decide(review, records[1], reviewer, "exclude", reason=e1, note="Scotland")
    decide(review, records[2], reviewer, "exclude", reason_other="  a letter  ")
    decide(review, records[3], reviewer, "maybe")
    rows = Decision.objects.filter(reviewer=reviewer, stage=TA).order_by("record_id")
    assert [(d.record_id, d.paper_id, d.verdict, d.reason, d.reason_other, d.note) for d in rows] == [
        (records[0].pk, records[0].pk, "include", None, "", "clearly in"),
        (records[1].pk, records[1].pk, "exclude", e1, "", "Scotland"),
        (records[2].pk, records[2].pk, "exclude", None, "a letter", ""),
        (records[3].pk, records[3].pk, "maybe", None, "", ""),
    ]  # fmt: skip
    events = DecisionEvent.objects.filter(reviewer=reviewer).order_by("record_id")
    assert [(e.old_verdict, e.new_verdict, e.new_reason) for e in events] == [
        ("", "include", ""),
        ("", "exclude", "E1"),
        ("", "exclude", "other: a letter"),
        ("", "maybe", ""),
    ]


def test_a_reason_must_be_one_of_this_reviews_exclusion_criteria(
    review, records, reviewer, other_review
):
    from reviews.services.reviews import CriterionItem

    review_services.criteria_replace(
        review=other_review, inclusion=[], exclusion=[CriterionItem("E1", "Elsewhere")]
    )
    foreign = other_review.criteria.get(code="E1")
    inclusion = criterion(review, "I1")
    for verdict, kw in [
        ("exclude", {"reason": foreign}),
        ("exclude", {"reason": inclusion}),
        ("include", {"reason": criterion(review, "E1")}),  # the view drops it; the service refuses
        ("maybe", {"reason_other": "not a trial"}),
        ("nonsense", {}),
    ]:
        with pytest.raises(ValidationError):
            decide(review, records[0], reviewer, verdict, **kw)
    assert not Decision.objects.exists() and not DecisionEvent.objects.exists()


def test_a_repeated_decision_writes_nothing_twice(review, records, reviewer):
    e3 = criterion(review, "E3")
    first = decide(review, records[0], reviewer, "exclude", reason=e3, note="n")
    again = decide(review, records[0], reviewer, "exclude", reason=e3, note="n")
    assert again.pk == first.pk
    assert Decision.objects.count() == 1 and DecisionEvent.objects.count() == 1


def test_changing_only_the_other_reason_text_is_saved(review, records, reviewer):
    e1 = criterion(review, "E1")
    decide(review, records[0], reviewer, "exclude", reason=e1, reason_other="first")
    decide(review, records[0], reviewer, "exclude", reason=e1, reason_other="second")
    assert Decision.objects.get().reason_other == "second"


def test_changing_a_decision_keeps_its_history(review, records, reviewer):
    e1 = criterion(review, "E1")
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], reviewer, "exclude", reason=e1)
    decide(review, records[0], reviewer, "maybe", note="not sure after all")
    mine = Decision.objects.get()
    assert (mine.verdict, mine.reason, mine.note) == ("maybe", None, "not sure after all")
    history = list(DecisionEvent.objects.filter(record=records[0], stage=TA))
    assert [(e.reviewer, e.old_verdict, e.new_verdict, e.old_reason, e.new_reason) for e in history] == [
        (reviewer, "", "include", "", ""),
        (reviewer, "include", "exclude", "", "E1"),
        (reviewer, "exclude", "maybe", "E1", ""),
    ]  # fmt: skip
    assert history[0].at <= history[1].at <= history[2].at


def test_undo_withdraws_the_last_decision_and_offers_the_record_again(review, records, reviewer):
    first = selectors.next_record(review, reviewer, TA, settings_of(review))
    decide(review, first, reviewer, "include", advance=True)
    second = selectors.next_record(review, reviewer, TA, settings_of(review))
    decide(review, second, reviewer, "exclude", advance=True)
    back = services.decision_withdraw_last(review=review, reviewer=reviewer, stage=TA)
    assert back == second
    assert list(Decision.objects.values_list("record_id", flat=True)) == [first.pk]
    withdrawn = DecisionEvent.objects.last()
    assert (withdrawn.record_id, withdrawn.old_verdict, withdrawn.new_verdict) == (
        second.pk,
        "exclude",
        "",
    )
    assert second.pk in walk(review, reviewer)  # undecided again: it comes round
    Decision.objects.all().delete()
    with pytest.raises(ValidationError):
        services.decision_withdraw_last(review=review, reviewer=reviewer, stage=TA)


def test_only_members_screen_and_only_records_compared_by_deduplication(
    review, source, records, lead, outsider
):
    with pytest.raises(ValidationError):
        decide(review, records[0], outsider, "include")
    with pytest.raises(ValidationError):
        services.decision_record(
            review=review, record=records[0], reviewer=lead, stage=Stage.FULL_TEXT,
            verdict="include",
        )  # fmt: skip
    batch = import_text(review, source, lead, ris(PAPER))  # not yet deduplicated
    waiting = batch.records.get()
    with pytest.raises(ValidationError):
        decide(review, waiting, lead, "include")
    assert waiting.pk not in walk_and_forget(review, lead)
    assert not Decision.objects.exists()


# --- who is offered what ------------------------------------------------------------------


def test_a_decided_record_never_comes_back_to_its_reviewer(review, records, reviewer):
    decide(review, records[2], reviewer, "include")  # decided out of order, not advancing
    order = walk(review, reviewer)
    assert sorted(order) == sorted(r.pk for r in records if r != records[2])
    assert selectors.next_record(review, reviewer, TA, settings_of(review)) is None
    assert Decision.objects.filter(reviewer=reviewer).count() == len(records)


def test_with_two_reviewers_required_a_third_is_not_offered_the_record(
    review, records, reviewer, second_reviewer, django_user_model
):
    other = third(django_user_model, review)
    done = records[0]
    decide(review, done, reviewer, "include")
    assert done.pk in walk_and_forget(review, other)  # one vote: still open to others
    decide(review, done, second_reviewer, "exclude")
    assert done.pk not in walk_and_forget(review, other)
    with pytest.raises(ValidationError, match="enough reviewers"):
        decide(review, done, other, "include")
    assert Decision.objects.filter(paper=done).count() == 2


def test_with_one_reviewer_required_one_decision_is_final(
    review, records, reviewer, second_reviewer
):
    settings = settings_of(review, reviewers_required=1)
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    assert records[0].pk not in walk_and_forget(review, second_reviewer)
    summary = selectors.stage_summary(review, TA, settings)
    assert (summary.papers, summary.included, summary.excluded, summary.awaiting) == (6, 1, 1, 4)
    with pytest.raises(ValidationError):
        decide(review, records[0], second_reviewer, "exclude")


def test_each_reviewer_has_a_stable_random_order_of_their_own(
    review, source, lead, reviewer, second_reviewer
):
    imported = [r.pk for r in screenable(review, source, lead, 30)]
    mine, theirs = walk_and_forget(review, reviewer), walk_and_forget(review, second_reviewer)
    assert sorted(mine) == sorted(theirs) == sorted(imported)
    assert mine != theirs and mine != imported and theirs != imported
    assert walk_and_forget(review, reviewer) == mine  # the same order every time
    # Halfway through, the rest of the order is unchanged.
    for pk in mine[:10]:
        decide(review, Record.objects.get(pk=pk), reviewer, "include", advance=True)
    assert walk(review, reviewer) == mine[10:]


def test_a_reviewers_order_survives_a_team_change(review, source, lead, reviewer, second_reviewer):
    screenable(review, source, lead, 30)
    before = walk_and_forget(review, second_reviewer)
    review_services.member_remove(member=review.members.get(user=reviewer))
    assert walk_and_forget(review, second_reviewer) == before


def test_import_order_when_the_lead_asks_for_it(review, source, lead, reviewer, second_reviewer):
    settings_of(review, order=Order.IMPORT)
    imported = [r.pk for r in screenable(review, source, lead, 30)]
    assert walk_and_forget(review, reviewer) == imported
    assert walk_and_forget(review, second_reviewer) == imported


# --- what the votes add up to --------------------------------------------------------------


def test_agreement_finalises_and_disagreement_is_a_conflict(
    review, records, reviewer, second_reviewer
):
    settings = settings_of(review)
    pairs = [("include", "include"), ("exclude", "exclude"), ("include", "exclude"),
             ("maybe", "include"), ("maybe", "exclude")]  # fmt: skip
    for record, (mine, theirs) in zip(records, pairs, strict=False):
        decide(review, record, reviewer, mine)
        decide(review, record, second_reviewer, theirs)
    summary = selectors.stage_summary(review, TA, settings)
    assert (summary.included, summary.excluded, summary.conflicts, summary.awaiting) == (2, 1, 2, 1)
    assert selectors.conflict_list(review, TA, settings) == [records[2], records[4]]
    # When Maybe does not count as Include, a Maybe always needs a resolution.
    settings = settings_of(review, maybe_counts_as_include=False)
    assert selectors.conflict_list(review, TA, settings) == records[2:5]
    summary = selectors.stage_summary(review, TA, settings)
    assert (summary.included, summary.excluded, summary.conflicts) == (1, 1, 3)


def test_a_single_vote_is_awaiting_a_second(review, records, reviewer):
    decide(review, records[0], reviewer, "exclude")
    settings = settings_of(review)
    summary = selectors.stage_summary(review, TA, settings)
    assert (summary.awaiting, summary.excluded, summary.conflicts) == (6, 0, 0)
    assert selectors.conflict_list(review, TA, settings) == []


# --- decisions stay with their paper when clusters change ----------------------------------


def _two_papers_then_the_same(review, source, lead):
    """Two records deduplication cannot tell apart by itself (a probable pair)."""
    look_alike = PAPER | {"title": PAPER["title"] + ": interim findings", "doi": "",
                          "volume": "", "sp": "", "ep": "", "abstract": "Early findings."}  # fmt: skip
    batch = import_text(review, source, lead, ris(PAPER, look_alike))
    run(review)
    return batch, *batch.records.order_by("ordinal")


def test_a_decision_moves_to_the_primary_when_its_record_turns_out_a_duplicate(
    review, source, lead, reviewer, second_reviewer
):
    _, full, interim = _two_papers_then_the_same(review, source, lead)
    assert interim.duplicate_of_id is None and full.duplicate_of_id is None
    decide(review, interim, reviewer, "exclude", reason=criterion(review, "E1"))
    decide(review, full, second_reviewer, "include")
    review_services.dedup_decide(
        review=review, record=interim, other=full, verdict="same", user=lead
    )
    interim.refresh_from_db()
    assert interim.duplicate_of_id == full.pk
    moved = Decision.objects.get(reviewer=reviewer)
    assert (moved.record_id, moved.paper_id, moved.verdict) == (interim.pk, full.pk, "exclude")
    votes = selectors.paper_votes(full, TA)
    assert {(v.reviewer, v.verdict) for v in votes} == {
        (reviewer, "exclude"),
        (second_reviewer, "include"),
    }
    assert selectors.conflict_list(review, TA, settings_of(review)) == [full]
    assert selectors.next_record(review, reviewer, TA, settings_of(review)) is None
    # Split again: the decision goes back with its record.
    review_services.dedup_split(review=review, record=interim, user=lead)
    assert Decision.objects.get(reviewer=reviewer).paper_id == interim.pk


def test_an_import_with_screened_records_cannot_be_undone(review, source, lead, reviewer):
    batch, full, _ = _two_papers_then_the_same(review, source, lead)
    decide(review, full, reviewer, "include")
    services.decision_withdraw_last(review=review, reviewer=reviewer, stage=TA)
    with pytest.raises(ValidationError, match="screened"):  # even a withdrawn vote counts
        review_services.import_batch_undo(batch=batch, user=lead)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.records.count() == 2
    assert not Resolution.objects.exists()


def test_an_import_nobody_screened_can_be_undone(review, source, lead, reviewer):
    screened = screenable(review, source, lead, 2)
    decide(review, screened[0], reviewer, "include")
    batch, *_ = _two_papers_then_the_same(review, source, lead)
    assert review_services.import_batch_undo(batch=batch, user=lead) == 2
    assert Decision.objects.filter(paper=screened[0]).count() == 1
