"""A duplicate answer given after both records were screened (issue #17, section 1): the
votes join on one paper and every count (PRISMA, the stage pages) still adds up."""

from __future__ import annotations

import pytest

from lib.prisma.checks import check
from reporting import selectors
from reviews import services as review_services
from reviews.models import Verdict as Same
from screening import selectors as screening_selectors
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
    progress = screening_selectors.progress(review, lead, TA, settings)
    assert (progress.votes, progress.votes_needed) == (10, 10)  # not "12 of 10"
    assert not [f.check for f in check(flow) if f.check == "C07"]
