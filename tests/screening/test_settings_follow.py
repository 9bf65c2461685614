"""Changing how many reviewers a stage needs (or how reasons and Maybe count) moves outcomes
without a vote: the next stage follows them as after a vote, so PRISMA's boxes agree.
Found by the attack after the #16/#17 merges (a lone include lost its report at 2 -> 1; a
report stayed on a paper awaiting its second vote at 1 -> 2, and a reviewer was offered it
at full text)."""

from __future__ import annotations

import pytest

from reporting.selectors import prisma_flow
from screening import selectors
from screening.models import Report
from tests.screening.conftest import TA, decide, screenable, settings_of

pytestmark = pytest.mark.django_db


def _sought(review) -> int:
    return prisma_flow(review).fields["dbr_sought_reports"].value


def test_two_to_one_reviewer_gives_a_lone_include_its_report(review, source, lead, reviewer):
    (a,) = screenable(review, source, lead, 1)
    decide(review, a, reviewer, "include")
    assert not Report.objects.filter(record=a).exists()
    settings = settings_of(review, reviewers_required=1)
    assert selectors.stage_summary(review, TA, settings).included == 1
    assert Report.objects.get(record=a).eligible
    assert _sought(review) == 1


def test_one_to_two_reviewers_takes_the_report_back(review, source, lead, reviewer):
    settings_of(review, reviewers_required=1)
    (a,) = screenable(review, source, lead, 1)
    decide(review, a, reviewer, "include")
    assert Report.objects.get(record=a).eligible
    settings = settings_of(review, reviewers_required=2)
    assert selectors.stage_summary(review, TA, settings).included == 0
    assert not Report.objects.filter(record=a, eligible=True).exists()
    assert _sought(review) == 0
    # Back to one: the include counts again and the report returns.
    settings_of(review, reviewers_required=1)
    assert Report.objects.get(record=a).eligible and _sought(review) == 1
