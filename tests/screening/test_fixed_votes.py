"""Issue #16.1: once every slot of a record is filled (agreement or conflict) the votes are
fixed. A reviewer who has learnt the outcome cannot conform to the colleague's vote (and
make a conflict vanish) nor reopen a record both agreed on; a lead reopens a vote, with a
reason, and the history shows it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.history import record_history
from reviews.models import AuditEvent, AuditKind, Member
from screening import selectors, services
from screening.models import Decision, DecisionEvent, Report
from tests.screening.conftest import TA, decide, settings_of, third

pytestmark = pytest.mark.django_db


def _conflicts(review):
    return selectors.conflict_list(review, TA, selectors.stage_settings(review, TA))


def test_the_attack_a_reviewer_cannot_conform_after_learning_the_outcome(
    review, records, reviewer, second_reviewer
):
    """reviewer2 includes A and excludes B; reviewer1 includes both, sees A's report (B has
    none), and tries to re-vote B as exclude: refused, the conflict stays for the lead."""
    a, b = records[:2]
    decide(review, a, second_reviewer, "include")
    decide(review, b, second_reviewer, "exclude")
    decide(review, a, reviewer, "include")
    decide(review, b, reviewer, "include")
    assert [r.pk for r in _conflicts(review)] == [b.pk]
    with pytest.raises(ValidationError, match="votes are fixed"):
        decide(review, b, reviewer, "exclude")
    with pytest.raises(ValidationError, match="votes are fixed"):
        services.decision_withdraw_last(review=review, reviewer=reviewer, stage=TA)
    assert [r.pk for r in _conflicts(review)] == [b.pk]
    assert Decision.objects.get(paper=b, reviewer=reviewer).verdict == "include"
    assert DecisionEvent.objects.filter(record=b, reviewer=reviewer).count() == 1


def test_one_reviewer_cannot_reopen_a_record_both_agreed_on(
    review, records, reviewer, second_reviewer
):
    a = records[0]
    decide(review, a, second_reviewer, "include")
    decide(review, a, reviewer, "include")
    report = Report.objects.get(record=a)
    for attempt in (
        lambda: decide(review, a, reviewer, "exclude"),
        lambda: decide(review, a, second_reviewer, "maybe"),
        lambda: services.decision_withdraw_last(review=review, reviewer=reviewer, stage=TA),
    ):
        with pytest.raises(ValidationError, match="votes are fixed"):
            attempt()
    assert Report.objects.filter(pk=report.pk, eligible=True).exists()
    # The same vote sent again (a double click) is no change and no error.
    assert decide(review, a, reviewer, "include").verdict == "include"


def test_a_vote_stays_the_reviewers_own_while_the_other_slot_is_open(
    review, records, reviewer, second_reviewer
):
    a = records[0]
    decide(review, a, reviewer, "include")
    decide(review, a, reviewer, "exclude")
    services.decision_withdraw_last(review=review, reviewer=reviewer, stage=TA)
    decide(review, a, reviewer, "maybe")
    assert Decision.objects.get(paper=a).verdict == "maybe"


def test_a_lead_reopens_a_vote_with_a_reason_in_the_history(
    review, records, lead, reviewer, second_reviewer
):
    a = records[0]
    decide(review, a, second_reviewer, "include")
    decide(review, a, reviewer, "include")
    assert Report.objects.filter(record=a).exists()
    with pytest.raises(ValidationError, match="Say why"):
        services.decision_reopen(
            review=review, paper=a, stage=TA, reviewer_id=reviewer.pk, user=lead, reason=" "
        )
    with pytest.raises(ValidationError, match="Only a lead"):
        services.decision_reopen(
            review=review, paper=a, stage=TA, reviewer_id=reviewer.pk, user=reviewer,
            reason="I misread it",
        )  # fmt: skip
    services.decision_reopen(
        review=review, paper=a, stage=TA, reviewer_id=reviewer.pk, user=lead,
        reason="Misread the population",
    )  # fmt: skip
    assert not Decision.objects.filter(paper=a, reviewer=reviewer).exists()
    assert not Report.objects.filter(record=a).exists()  # no longer included: nobody worked on it
    event = DecisionEvent.objects.filter(record=a, reviewer=reviewer).last()
    assert (event.old_verdict, event.new_verdict, event.reopened_by, event.reopen_reason) == (
        "include", "", lead, "Misread the population",
    )  # fmt: skip
    audit = AuditEvent.objects.get(kind=AuditKind.REOPEN)
    assert (audit.actor, audit.record_id, audit.detail["reason"]) == (
        lead, a.pk, "Misread the population",
    )  # fmt: skip
    # The reviewer's own history says so; they vote again, and the vote is fixed again.
    mine = record_history(a, Member.objects.get(review=review, user=reviewer))
    assert any("reopened by lead: Misread the population" in e.summary for e in mine)
    decide(review, a, reviewer, "exclude")
    assert [r.pk for r in _conflicts(review)] == [a.pk]
    with pytest.raises(ValidationError, match="votes are fixed"):
        decide(review, a, reviewer, "include")


def test_a_resolved_record_cannot_be_reopened(review, records, lead, reviewer, second_reviewer):
    a = records[0]
    decide(review, a, second_reviewer, "include")
    decide(review, a, reviewer, "exclude")
    votes = selectors.paper_votes(a, TA)
    services.conflict_resolve(
        review=review, paper=a, stage=TA, verdict="include", user=lead,
        seen=selectors.votes_token(votes),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="resolved"):
        services.decision_reopen(
            review=review, paper=a, stage=TA, reviewer_id=reviewer.pk, user=lead, reason="x"
        )
    assert Decision.objects.filter(paper=a).count() == 2


def test_a_third_reviewer_hears_the_same_whatever_the_other_two_did(
    django_user_model, review, records, lead, reviewer, second_reviewer
):
    """Side channel: the refusal a third reviewer gets must not tell agreement, conflict
    or resolution apart."""
    late = third(django_user_model, review)
    agreed, disputed, resolved = records[:3]
    for record, verdict in ((agreed, "include"), (disputed, "exclude"), (resolved, "exclude")):
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, verdict)
    services.conflict_resolve(
        review=review, paper=resolved, stage=TA, verdict="include", user=lead,
        seen=selectors.votes_token(selectors.paper_votes(resolved, TA)),
    )  # fmt: skip
    messages = set()
    for record in (agreed, disputed, resolved):
        with pytest.raises(services.SlotTaken) as caught:
            decide(review, record, late, "include")
        messages.add(" ".join(caught.value.messages))
    assert len(messages) == 1


def test_single_reviewer_mode_fixes_the_vote_at_once(review, records, lead, reviewer):
    settings_of(review, reviewers_required=1)
    a = records[0]
    decide(review, a, reviewer, "include")
    with pytest.raises(ValidationError, match="votes are fixed"):
        decide(review, a, reviewer, "exclude")


def test_the_lead_reopens_from_the_records_votes_page(
    as_user, review, records, lead, reviewer, second_reviewer
):
    a = records[0]
    decide(review, a, second_reviewer, "include")
    decide(review, a, reviewer, "exclude")
    client = as_user(lead)
    page = reverse("screening:conflict", args=[review.slug, TA, a.pk])
    assert "Reopen the vote" in client.get(page).content.decode()
    url = reverse("screening:reopen", args=[review.slug, TA, a.pk])
    response = client.post(url, {"reviewer": reviewer.pk, "reason": ""})
    assert response.status_code == 302
    assert Decision.objects.filter(paper=a).count() == 2
    response = client.post(url, {"reviewer": reviewer.pk, "reason": "Wrong record"})
    assert response.status_code == 302 and response.url == page
    assert list(Decision.objects.filter(paper=a).values_list("reviewer", flat=True)) == [
        second_reviewer.pk
    ]
    assert "reopened by lead: Wrong record" in client.get(page).content.decode()


def test_the_reviewers_screen_says_the_vote_is_fixed(
    as_user, review, records, reviewer, second_reviewer
):
    a = records[0]
    decide(review, a, second_reviewer, "include")
    decide(review, a, reviewer, "include")
    client = as_user(reviewer)
    url = reverse("screening:decide", args=[review.slug, TA, a.pk])
    response = client.post(url, {"verdict": "exclude"}, headers={"HX-Request": "true"})
    assert "votes are fixed" in response.content.decode()
    screen = reverse("screening:screen", args=[review.slug, TA]) + f"?record={a.pk}"
    assert "your vote is fixed" in client.get(screen).text
    assert Decision.objects.get(paper=a, reviewer=reviewer).verdict == "include"


def test_the_leads_record_page_links_to_the_votes_page(
    as_user, review, records, lead, reviewer, second_reviewer
):
    a = records[0]
    decide(review, a, second_reviewer, "include")
    decide(review, a, reviewer, "include")
    page = reverse("reviews:record_detail", args=[review.slug, a.pk])
    votes = reverse("screening:conflict", args=[review.slug, TA, a.pk])
    assert votes in as_user(lead).get(page).text
    assert as_user(lead).get(votes).status_code == 200
    assert votes not in as_user(reviewer).get(page).text
