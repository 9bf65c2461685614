"""A study whose only report stops being included keeps its appraisal: screening leaves
the study (and the link) in place when people have worked on it, and a re-inclusion finds
the same study and its answers. A study nobody worked on still goes."""

from __future__ import annotations

import pytest

from appraisal.models import Appraisal
from screening import services as screening_services
from screening.models import Decision, Retrieval, Stage, Study
from tests.appraisal.conftest import appraise
from tests.screening.conftest import criterion, decide, reopen, screenable

pytestmark = pytest.mark.django_db
FT = Stage.FULL_TEXT


def _vote(review, record, users, verdict, reason=None):
    """Both reviewers vote; a vote already fixed changes through a lead's reopening."""
    for user in users:
        if Decision.objects.filter(paper=record, reviewer=user, stage=FT).exists():
            reopen(review, record, user, FT)
        screening_services.decision_record(review=review, record=record, reviewer=user, stage=FT,
                                           verdict=verdict, reason=reason, advance=False)  # fmt: skip


@pytest.fixture
def included(review, source, lead, reviewer, second_reviewer):
    records = screenable(review, source, lead, 2)
    for record in records:
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "include")
    for report in review.reports.all():
        screening_services.report_set_retrieval(review=review, report=report, user=lead,
                                                retrieval=Retrieval.RETRIEVED,
                                                link="https://example.org/r")  # fmt: skip
    for record in records:
        _vote(review, record, (reviewer, second_reviewer), "include")
    return records


def test_appraised_study_survives_exclusion_and_comes_back(
    review, included, reviewer, second_reviewer, qualitative
):
    record = included[0]
    study = review.reports.get(record=record).study
    assert study is not None
    appraise(review, study, qualitative.versions.get(), reviewer)
    _vote(review, record, (reviewer, second_reviewer), "exclude", criterion(review, "E1"))
    assert Study.objects.filter(pk=study.pk).exists()
    assert Appraisal.objects.filter(study=study).count() == 1
    _vote(review, record, (reviewer, second_reviewer), "include")
    assert review.reports.get(record=record).study_id == study.pk


def test_a_study_nobody_worked_on_still_goes(review, included, reviewer, second_reviewer):
    record = included[1]
    study = review.reports.get(record=record).study
    _vote(review, record, (reviewer, second_reviewer), "exclude", criterion(review, "E1"))
    assert not Study.objects.filter(pk=study.pk).exists()
    assert review.reports.get(record=record).study is None
