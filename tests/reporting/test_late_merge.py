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


def test_a_resolution_whose_votes_were_split_off_still_counts_on_both_pages(
    review, records, reviewer, second_reviewer, lead
):
    e1 = criterion(review, "E1")
    decide(review, records[1], reviewer, "include")
    decide(review, records[1], second_reviewer, "exclude", reason=e1)
    resolve_ = screening_selectors.votes_token(screening_selectors.paper_votes(records[1], TA))
    from screening import services as screening_services

    screening_services.conflict_resolve(
        review=review, paper=records[1], stage=TA, verdict="exclude", user=lead, seen=resolve_,
        reason=e1,
    )  # fmt: skip
    review_services.dedup_decide(
        review=review, record=records[0], other=records[1], verdict=Same.SAME, user=lead
    )
    _page_and_prisma(review)
    review_services.dedup_split(review=review, record=records[1], user=lead)
    # records[0] keeps the resolution it was given with the cluster (final for that paper);
    # records[1] takes its own two votes back: a conflict again, to be resolved for it.
    flow, summary = _page_and_prisma(review)
    assert (summary.excluded, summary.conflicts, summary.resolved) == (1, 1, 1)


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


def test_a_reviewers_older_vote_on_a_merged_record_is_shown_not_counted(
    review, records, reviewer, second_reviewer, lead
):
    e1 = criterion(review, "E1")
    decide(review, records[0], reviewer, "exclude", reason=e1)
    decide(review, records[1], reviewer, "include")
    review_services.dedup_decide(
        review=review, record=records[0], other=records[1], verdict=Same.SAME, user=lead
    )
    votes = screening_selectors.paper_votes(records[0], TA)
    older = screening_selectors.uncounted_votes(records[0], TA)
    assert [v.verdict for v in votes] == ["include"] and [v.verdict for v in older] == ["exclude"]
    # This reviewer's own count, and the stage's votes as a lead sees them.
    progress = screening_selectors.progress(
        review, Viewer(review, reviewer.pk, Role.LEAD), TA,
        screening_selectors.stage_settings(review, TA),
    )  # fmt: skip
    assert (progress.mine, progress.votes, progress.votes_needed) == (1, 1, 10)


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
    assert (late.merged_papers, late.uncounted_votes, late.extra_reviewers) == (1, 2, 0)
    client.force_login(lead)
    page = client.get(reverse("screening:overview", args=[review.slug, TA])).content.decode()
    assert 'id="late-changes"' in page and "2 older votes of a reviewer" in page
    # The newest votes (includes) count: the paper is included, its report follows.
    assert review.reports.filter(record=records[0], eligible=True).exists()
    page = client.get(
        reverse("reviews:record_detail", args=[review.slug, records[1].pk])
    ).content.decode()
    assert f"Votes cast on this record count for #{records[0].number}" in page

    # A conflict page lists the older votes it does not count.
    # Every slot is filled, so the vote is fixed: a lead reopens it, then it changes.
    from screening.services import decision_reopen

    decision_reopen(review=review, paper=records[0], stage=TA, reviewer_id=reviewer.pk,
                    user=lead, reason="Re-read the abstract")  # fmt: skip
    decide(review, records[0], reviewer, "exclude", reason=e1)  # now include vs exclude
    url = reverse("screening:conflict", args=[review.slug, TA, records[0].pk])
    page = client.get(url).content.decode()
    assert 'id="uncounted-votes"' in page
    assert f"record #{records[0].number}</a>" in page.split('id="uncounted-votes"')[1]
    # A removed member's votes stay and count; the overview says so.
    from reviews.models import Member

    review_services.member_remove(member=Member.objects.get(review=review, user=second_reviewer))
    page = client.get(reverse("screening:overview", args=[review.slug, TA])).content.decode()
    assert "by people no longer on the team" in page
