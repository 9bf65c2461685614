"""A duplicate answer given after both records were screened (issue #17, section 1): the
votes join on one paper and every count (PRISMA, the stage pages) still adds up."""

from __future__ import annotations

import pytest

from lib.prisma.checks import check
from reporting import selectors
from reviews import services as review_services
from reviews.models import Role
from reviews.models import Verdict as Same
from screening import selectors as screening_selectors
from screening.access import Viewer
from screening.models import Stage
from tests.screening.conftest import criterion, decide

pytestmark = pytest.mark.django_db
TA = Stage.TITLE_ABSTRACT


def test_same_paper_after_screening_keeps_prisma_and_the_stage_page_in_step(
    review, records, reviewer, second_reviewer, lead
):
    e1 = criterion(review, "E1")
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    for record in records[1:]:
        decide(review, record, reviewer, "exclude", reason=e1)
        decide(review, record, second_reviewer, "exclude", reason=e1)
    assert selectors.prisma_flow(review).value("records_excluded") == 5

    # Both records of the pair already screened, by the same two reviewers.
    review_services.dedup_decide(
        review=review, record=records[1], other=records[2], verdict=Same.SAME, user=lead
    )

    flow = selectors.prisma_flow(review)
    assert flow.value("records_screened") == 5
    assert flow.value("records_excluded") == 4  # not 1: the re-checked paper adds, not replaces
    assert flow.value("dbr_sought_reports") == 1
    assert not any("awaiting" in note for note in flow.footnotes)
    settings = screening_selectors.stage_settings(review, TA)
    summary = screening_selectors.stage_summary(review, TA, settings)
    assert (summary.papers, summary.included, summary.excluded, summary.awaiting) == (5, 1, 4, 0)
    progress = screening_selectors.progress(
        review, Viewer(review, lead.pk, Role.LEAD), TA, settings
    )
    assert (progress.votes, progress.votes_needed) == (10, 10)  # not "12 of 10"
    assert not [f.check for f in check(flow) if f.check == "C07"]


@pytest.mark.slow
def test_the_demo_keeps_its_numbers_after_a_late_same_paper_answer():
    """The issue's reproduction: the fully screened demo, one probable pair answered "same
    paper" by the lead (both records screened), then split off again."""
    from io import StringIO

    from django.core.management import call_command

    from reviews.models import Review, Role

    call_command("load_demo", stdout=StringIO())
    review = Review.objects.get(slug="demo")
    lead = review.members.get(role=Role.LEAD).user
    before = selectors.prisma_flow(review)
    assert before.value("records_screened") == 1058
    assert before.value("records_excluded") == 895
    pair = review.dedup_pairs.order_by("pk").first()
    a, b = pair.record_a, pair.record_b
    review_services.dedup_decide(review=review, record=a, other=b, verdict=Same.SAME, user=lead)
    flow = selectors.prisma_flow(review)
    assert flow.value("records_screened") == 1057
    settings = screening_selectors.stage_settings(review, TA)
    summary = screening_selectors.stage_summary(review, TA, settings)
    excluded = flow.value("records_excluded")
    assert excluded in (894, 895)  # the two papers' outcomes joined: one fewer of either
    assert summary.excluded == excluded and summary.awaiting == 0
    assert not any("awaiting" in note for note in flow.footnotes)
    progress = screening_selectors.progress(
        review, Viewer(review, lead.pk, Role.LEAD), TA, settings
    )
    assert progress.votes <= progress.votes_needed
    assert "C07" not in {f.check for f in check(flow)} or flow.notes.get("C07")
    a.refresh_from_db()
    b.refresh_from_db()
    loser = a if a.duplicate_of_id else b
    review_services.dedup_split(review=review, record=loser, user=lead)
    again = selectors.prisma_flow(review)
    for key in ("records_screened", "records_excluded", "dbr_sought_reports", "new_studies"):
        assert again.value(key) == before.value(key), key


def _page_and_prisma(review):
    flow = selectors.prisma_flow(review)
    summary = screening_selectors.stage_summary(
        review, TA, screening_selectors.stage_settings(review, TA)
    )
    assert summary.papers == flow.value("records_screened")
    assert summary.excluded == flow.value("records_excluded_human")
    assert summary.included == flow.value("dbr_sought_reports")
    if not (summary.awaiting or summary.conflicts):  # C07 holds once screening is done
        assert "C07" not in {f.check for f in check(flow)}
    return flow, summary


def _resolve(review, paper, user, verdict, reason=None):
    from screening import services as screening_services

    seen = screening_selectors.votes_token(screening_selectors.paper_votes(paper, TA))
    return screening_services.conflict_resolve(
        review=review, paper=paper, stage=TA, verdict=verdict, user=user, seen=seen,
        reason=reason,
    )  # fmt: skip


def _outcome(review, paper):
    """The paper's outcome by both paths of the rule (SQL for the counts, Python for the
    page), which must agree."""
    settings = screening_selectors.stage_settings(review, TA)
    sql = screening_selectors.paper_outcomes(review, TA).get(paper.pk, ("awaiting",))[0]
    page = screening_selectors.outcome_of(screening_selectors.paper_votes(paper, TA), settings)
    resolution = screening_selectors.resolution_of(paper, TA)
    assert sql == (resolution.verdict if resolution else page)
    return sql


def _conflict_then_agreed_exclude(review, a, b, reviewer, second_reviewer):
    """Record A: include and exclude (a conflict); B, screened later: two excludes."""
    e1 = criterion(review, "E1")
    decide(review, a, reviewer, "include")
    decide(review, a, second_reviewer, "exclude", reason=e1)
    decide(review, b, reviewer, "exclude", reason=e1)
    decide(review, b, second_reviewer, "exclude", reason=e1)
    assert (_outcome(review, a), _outcome(review, b)) == ("conflict", "exclude")


def test_same_paper_after_screening_keeps_the_conflict_it_joins(
    client, review, records, reviewer, second_reviewer, lead
):
    """Issue #17 (attack): the newest vote of each reviewer was an exclude on B, so the
    merged paper used to become an agreed exclude and A's conflict vanished unresolved."""
    from django.urls import reverse

    a, b = records[0], records[1]
    _conflict_then_agreed_exclude(review, a, b, reviewer, second_reviewer)
    review_services.dedup_decide(review=review, record=a, other=b, verdict=Same.SAME, user=lead)
    a.refresh_from_db()
    assert a.duplicate_of_id is None
    assert _outcome(review, a) == "conflict"
    flow, summary = _page_and_prisma(review)
    assert (summary.papers, summary.conflicts, summary.excluded) == (5, 1, 0)
    settings = screening_selectors.stage_settings(review, TA)
    assert [p.pk for p in screening_selectors.conflict_list(review, TA, settings)] == [a.pk]
    # The conflict page shows the four votes, those cast on B marked as such.
    client.force_login(lead)
    page = client.get(reverse("screening:conflict", args=[review.slug, TA, a.pk])).content.decode()
    assert 'id="merged-votes"' in page and page.count(f"record #{b.number}</a>") == 2
    # A person resolves it: then, and only then, the paper is excluded.
    _resolve(review, a, lead, "exclude", criterion(review, "E1"))
    flow, summary = _page_and_prisma(review)
    assert (summary.conflicts, summary.excluded, summary.resolved) == (0, 1, 1)


def test_a_record_correction_that_joins_two_screened_records_keeps_the_conflict(
    review, records, reviewer, second_reviewer, lead
):
    """The same through a lead's correction of B and the automatic deduplication after it."""
    from reviews.models import DedupRun, DedupStatus
    from tests.reviews.test_dedup_service import run

    a, b = records[0], records[1]
    _conflict_then_agreed_exclude(review, a, b, reviewer, second_reviewer)
    review_services.record_edit(
        review=review, record=b, user=lead,
        values={"doi": "10.5555/same", "title": a.title, "authors": a.authors, "year": a.year,
                "journal": a.journal, "volume": a.volume, "pages": a.pages},
    )  # fmt: skip
    review_services.record_edit(review=review, record=a, user=lead, values={"doi": "10.5555/same"})
    assert DedupRun.objects.get(review=review).status == DedupStatus.QUEUED
    run(review)
    a.refresh_from_db()
    b.refresh_from_db()
    paper = a if b.duplicate_of_id == a.pk else b
    assert {a.duplicate_of_id, b.duplicate_of_id} == {None, paper.pk}
    assert _outcome(review, paper) == "conflict"
    flow, summary = _page_and_prisma(review)
    assert (summary.papers, summary.conflicts, summary.excluded) == (5, 1, 0)
    # Every slot is filled, so the votes are fixed: a lead reopens the includer's votes
    # (both records' go, with history), and their new vote on the paper settles it.
    from screening.models import DecisionEvent
    from screening.services import decision_reopen

    decision_reopen(review=review, paper=paper, stage=TA, reviewer_id=reviewer.pk, user=lead,
                    reason="Merged after screening")  # fmt: skip
    reopened = DecisionEvent.objects.filter(reviewer=reviewer, reopened_by=lead)
    assert sorted(e.old_verdict for e in reopened) == ["exclude", "include"]
    assert _outcome(review, paper) == "awaiting"
    decide(review, paper, reviewer, "exclude", reason=criterion(review, "E1"))
    assert _outcome(review, paper) == "exclude"
    flow, summary = _page_and_prisma(review)
    assert (summary.conflicts, summary.excluded) == (0, 1)


def test_a_vote_cast_on_the_merged_paper_replaces_the_reviewers_other_votes(
    review, records, reviewer, lead
):
    """One reviewer's include on A and exclude on B, merged: both count (a slot still open,
    so the paper awaits its second reviewer). Voting again on the paper replaces both; the
    withdrawn one is in the history."""
    from screening.models import DecisionEvent

    e1 = criterion(review, "E1")
    a, b = records[0], records[1]
    decide(review, a, reviewer, "include")
    decide(review, b, reviewer, "exclude", reason=e1)
    review_services.dedup_decide(review=review, record=a, other=b, verdict=Same.SAME, user=lead)
    votes = screening_selectors.paper_votes(a, TA)
    assert sorted((v.record_id, v.verdict) for v in votes) == [(a.pk, "include"), (b.pk, "exclude")]
    assert _outcome(review, a) == "awaiting"
    decide(review, a, reviewer, "exclude", reason=e1)
    votes = screening_selectors.paper_votes(a, TA)
    assert [(v.record_id, v.verdict) for v in votes] == [(a.pk, "exclude")]
    withdrawn = DecisionEvent.objects.filter(record=b, reviewer=reviewer, new_verdict="")
    assert [e.old_verdict for e in withdrawn] == ["exclude"]
    progress = screening_selectors.progress(
        review, Viewer(review, reviewer.pk, Role.LEAD), TA,
        screening_selectors.stage_settings(review, TA),
    )  # fmt: skip
    assert (progress.mine, progress.votes, progress.votes_needed) == (1, 1, 10)


def test_a_split_gives_a_resolution_back_to_the_record_it_was_made_on(
    review, records, reviewer, second_reviewer, lead
):
    """Issue #17 (attack): resolved on B, B merged into A (the resolution moves with the
    votes), then B split off again: the resolution used to stay on A, which never had
    that conflict."""
    from screening.models import Resolution

    e1 = criterion(review, "E1")
    a, b = records[0], records[1]
    decide(review, b, reviewer, "include")
    decide(review, b, second_reviewer, "exclude", reason=e1)
    resolution = _resolve(review, b, lead, "exclude", e1)
    assert (resolution.record_id, resolution.paper_id) == (b.pk, b.pk)
    review_services.dedup_decide(review=review, record=a, other=b, verdict=Same.SAME, user=lead)
    a.refresh_from_db()
    assert a.duplicate_of_id is None  # A is the primary: the resolution moves to it
    resolution.refresh_from_db()
    assert (resolution.record_id, resolution.paper_id) == (b.pk, a.pk)
    assert _outcome(review, a) == "exclude"
    _page_and_prisma(review)
    review_services.dedup_split(review=review, record=b, user=lead)
    resolution.refresh_from_db()
    assert (resolution.record_id, resolution.paper_id) == (b.pk, b.pk)
    assert (_outcome(review, a), _outcome(review, b)) == ("awaiting", "exclude")
    flow, summary = _page_and_prisma(review)
    assert (summary.excluded, summary.conflicts, summary.resolved) == (1, 0, 1)
    assert Resolution.objects.filter(paper=a).count() == 0


def test_choosing_the_primary_moves_the_resolution_and_its_own_comes_first(
    review, records, reviewer, second_reviewer, lead
):
    """Choose primary moves votes, report and resolution to the new primary; of two
    resolutions joined, the one made on the primary counts, the other is kept on its record."""
    from screening.models import Resolution

    e1 = criterion(review, "E1")
    a, b = records[0], records[1]
    decide(review, b, reviewer, "include")
    decide(review, b, second_reviewer, "exclude", reason=e1)
    on_b = _resolve(review, b, lead, "exclude", e1)
    review_services.dedup_decide(review=review, record=a, other=b, verdict=Same.SAME, user=lead)
    b.refresh_from_db()
    review_services.dedup_set_primary(review=review, record=b, user=lead)
    on_b.refresh_from_db()
    assert on_b.paper_id == b.pk and _outcome(review, b) == "exclude"
    a.refresh_from_db()
    review_services.dedup_set_primary(review=review, record=a, user=lead)
    on_b.refresh_from_db()
    assert on_b.paper_id == a.pk and _outcome(review, a) == "exclude"
    # Split, resolve A's own conflict the other way, merge again: A keeps its own.
    b.refresh_from_db()
    review_services.dedup_split(review=review, record=b, user=lead)
    decide(review, a, reviewer, "include")
    decide(review, a, second_reviewer, "exclude", reason=e1)
    on_a = _resolve(review, a, lead, "include")
    a.refresh_from_db()
    b.refresh_from_db()
    review_services.dedup_decide(review=review, record=a, other=b, verdict=Same.SAME, user=lead)
    a.refresh_from_db()
    b.refresh_from_db()
    primary = a if a.duplicate_of_id is None else b
    mine, other = (on_a, on_b) if primary == a else (on_b, on_a)
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.paper_id, other.paper_id) == (primary.pk, other.record_id)
    assert _outcome(review, primary) == mine.verdict
    _page_and_prisma(review)
    assert Resolution.objects.filter(review=review).count() == 2


def test_an_include_and_an_exclude_joined_become_a_conflict_and_the_report_follows(
    review, records, reviewer, second_reviewer, lead, django_user_model
):
    from tests.screening.conftest import third

    e1 = criterion(review, "E1")
    third_ = third(django_user_model, review)
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    decide(review, records[1], third_, "exclude", reason=e1)
    decide(review, records[1], lead, "exclude", reason=e1)
    assert review.reports.filter(record=records[0], eligible=True).exists()
    review_services.dedup_decide(
        review=review, record=records[0], other=records[1], verdict=Same.SAME, user=lead
    )
    flow, summary = _page_and_prisma(review)
    assert summary.conflicts == 1 and summary.included == 0
    assert not review.reports.exists()  # nobody had worked on it: it goes, as after a vote
    assert [p.pk for p in screening_selectors.conflict_list(
        review, TA, screening_selectors.stage_settings(review, TA))] == [records[0].pk]  # fmt: skip
    review_services.dedup_split(review=review, record=records[1], user=lead)
    flow, summary = _page_and_prisma(review)
    assert (summary.included, summary.excluded, summary.conflicts) == (1, 1, 0)
    assert review.reports.filter(record=records[0], eligible=True).exists()


def test_the_pages_say_what_a_late_merge_did(
    client, review, records, reviewer, second_reviewer, lead
):
    from django.urls import reverse

    e1 = criterion(review, "E1")
    decide(review, records[0], reviewer, "exclude", reason=e1)
    decide(review, records[0], second_reviewer, "exclude", reason=e1)
    decide(review, records[1], reviewer, "include")
    decide(review, records[1], second_reviewer, "include")
    review_services.dedup_decide(
        review=review, record=records[0], other=records[1], verdict=Same.SAME, user=lead
    )
    late = screening_selectors.late_changes(
        review, TA, screening_selectors.stage_settings(review, TA)
    )
    assert (late.merged_papers, late.second_votes, late.extra_reviewers) == (1, 2, 0)
    client.force_login(lead)
    page = client.get(reverse("screening:overview", args=[review.slug, TA])).content.decode()
    assert 'id="late-changes"' in page and "2 votes of a reviewer who voted on two" in page
    # Every vote counts: two excludes and two includes are a conflict; no report.
    assert _outcome(review, records[0]) == "conflict"
    assert not review.reports.filter(record=records[0], eligible=True).exists()
    page = client.get(
        reverse("reviews:record_detail", args=[review.slug, records[1].pk])
    ).content.decode()
    assert f"Votes cast on this record count for #{records[0].number}" in page

    # The conflict page shows every vote, those cast on the merged record marked.
    url = reverse("screening:conflict", args=[review.slug, TA, records[0].pk])
    page = client.get(url).content.decode()
    assert 'id="merged-votes"' in page and page.count(f"record #{records[1].number}</a>") == 2
    # A removed member's votes stay and count; the overview says so.
    from reviews.models import Member

    review_services.member_remove(member=Member.objects.get(review=review, user=second_reviewer))
    page = client.get(reverse("screening:overview", args=[review.slug, TA])).content.decode()
    assert "by people no longer on the team" in page
