"""Notifications from the review's history: an import finished or failed, deduplication
finished, conflicts waiting for their resolver, a stage complete. Each person can turn each
kind off; reviewers are never told anything that depends on a colleague's vote."""

from __future__ import annotations

import pytest

from accounts.models import MailKind, MailPreferences, OutboundEmail
from reviews import services
from screening import services as screening_services
from screening.models import Stage
from tests.conftest import ris_upload

pytestmark = pytest.mark.django_db(transaction=True)

TA = Stage.TITLE_ABSTRACT


@pytest.fixture(autouse=True)
def _every_vote_looks(settings):
    """Tasks run eagerly here, so a planned look would run at the first vote of a burst;
    without the debounce each vote looks (test_a_burst_of_votes_plans_one_look: with it)."""
    settings.SIFT_NOTIFY_DEBOUNCE_SECONDS = 0


def kinds_for(user) -> list[str]:
    return sorted(OutboundEmail.objects.filter(user=user).values_list("kind", flat=True))


def _import(review, source, lead):
    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(), filename="r.ris", user=lead,
        preview=False,
    )  # fmt: skip
    batch.refresh_from_db()
    return batch


def test_leads_hear_that_an_import_finished_reviewers_do_not(review, source, lead, reviewer):
    _import(review, source, lead)
    assert MailKind.IMPORT in kinds_for(lead)
    email = OutboundEmail.objects.get(user=lead, kind=MailKind.IMPORT)
    assert "import finished" in email.subject and "/imports/" in email.body_text
    assert "<p>" in email.body_html and "settings" in email.body_text
    assert kinds_for(reviewer) == []


def test_a_failed_import_is_told_too(review, source, lead):
    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload("not a reference file at all\n" * 3),
        filename="bad.ris", user=lead, preview=False,
    )  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == "failed"
    email = OutboundEmail.objects.get(user=lead, kind=MailKind.IMPORT)
    assert "failed" in email.subject


def test_turning_a_kind_off_stops_it(client, review, source, lead):
    client.force_login(lead)
    client.post("/accounts/settings/", {"display_name": "Kate Lead", "mail": ["conflicts"]})
    assert MailPreferences.objects.get(user=lead).off == ["dedup", "import", "stage"]
    _import(review, source, lead)
    assert MailKind.IMPORT not in kinds_for(lead)
    lead.refresh_from_db()
    assert lead.get_full_name() == "Kate Lead"


def _records(review, source, lead):
    batch = _import(review, source, lead)
    services.dedup_run(review_id=review.pk)
    return list(batch.records.order_by("ordinal"))


def vote(review, record, user, verdict):
    screening_services.decision_record(
        review=review, record=record, reviewer=user, stage=TA, verdict=verdict
    )


def test_a_conflict_tells_the_leads_and_then_a_complete_stage(
    review, source, lead, reviewer, second_reviewer
):
    first, second = _records(review, source, lead)
    vote(review, first, reviewer, "include")
    assert MailKind.CONFLICTS not in kinds_for(lead)  # one vote is no conflict
    vote(review, first, second_reviewer, "exclude")
    email = OutboundEmail.objects.get(user=lead, kind=MailKind.CONFLICTS)
    assert "1 conflict to resolve" in email.subject and "/conflicts/" in email.body_text
    assert MailKind.CONFLICTS not in kinds_for(reviewer) + kinds_for(second_reviewer)
    vote(review, second, reviewer, "exclude")
    vote(review, second, second_reviewer, "exclude")
    assert MailKind.STAGE not in kinds_for(lead)  # the conflict is still open
    from screening.selectors import paper_votes, votes_token

    screening_services.conflict_resolve(
        review=review, paper=first, stage=TA, verdict="include", user=lead,
        seen=votes_token(paper_votes(first, TA)),
    )  # fmt: skip
    email = OutboundEmail.objects.get(user=lead, kind=MailKind.STAGE)
    assert "complete" in email.subject and "1 included, 1 excluded" in email.body_text
    assert kinds_for(reviewer) == kinds_for(second_reviewer) == []


def test_a_named_resolver_hears_of_conflicts_they_did_not_screen(
    review, source, lead, reviewer, second_reviewer, django_user_model
):
    from reviews.models import Role
    from screening.selectors import stage_settings
    from tests.conftest import make_user

    third = make_user(django_user_model, "third")
    services.member_add(review=review, username="third", role=Role.REVIEWER)
    settings = stage_settings(review, TA)
    settings.resolver = third
    settings.save()
    first, second = _records(review, source, lead)
    # The resolver screened this one: their conflict list (and mail) leaves it out.
    vote(review, second, third, "include")
    vote(review, second, reviewer, "exclude")
    assert MailKind.CONFLICTS not in kinds_for(third)
    vote(review, first, reviewer, "include")
    vote(review, first, second_reviewer, "exclude")
    email = OutboundEmail.objects.get(user=third, kind=MailKind.CONFLICTS)
    assert "1 conflict" in email.subject


def test_leads_hear_that_deduplication_found_duplicates(review, source, lead, reviewer):
    from tests.conftest import RIS_TWO

    copy = RIS_TWO.split("ER  - ")[0] + "ER  - \n"  # the first paper again
    services.import_batch_start(
        review=review, source=source, upload=ris_upload(RIS_TWO + "\n" + copy, "twice.ris"),
        filename="twice.ris", user=lead, preview=False,
    )  # fmt: skip
    email = OutboundEmail.objects.get(user=lead, kind=MailKind.DEDUP)
    assert "1 new duplicate merged" in email.body_text and "/duplicates/" in email.body_text
    assert MailKind.DEDUP not in kinds_for(reviewer)


def test_leads_hear_that_deduplication_failed(review, source, lead, monkeypatch):
    import reviews.services.dedup as dedup

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dedup, "deduplicate", broken)
    _import(review, source, lead)
    email = OutboundEmail.objects.get(user=lead, kind=MailKind.DEDUP)
    assert "deduplication failed" in email.subject


def test_a_burst_of_votes_plans_one_look_at_the_stage(
    review, source, lead, reviewer, second_reviewer, settings, monkeypatch
):
    from accounts.tasks import notify_task

    settings.SIFT_NOTIFY_DEBOUNCE_SECONDS = 30
    first, second = _records(review, source, lead)
    planned = []
    monkeypatch.setattr(notify_task, "apply_async", lambda *a, **kw: planned.append((a, kw)))
    for record in (first, second):
        vote(review, record, reviewer, "include")
        vote(review, record, second_reviewer, "exclude")
    assert planned == [((("votes", review.pk), {"stage": TA}), {"countdown": 30})]
