"""One-line fields refuse line breaks in services (issue #16): a name, a label, a title or a
reason that travels into RIS notes, the PRISMA diagram or a file name. Forms fold them first
(tests/reporting/test_ris_export.py); these are the services' own checks, for every other
way in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from appraisal import services as appraisal_services
from reviews import services
from reviews.models import Source, SourceType
from reviews.services.reviews import CriterionItem
from screening import services as screening_services
from screening.models import Retrieval
from tests.screening.conftest import decide, screenable

pytestmark = pytest.mark.django_db
BROKEN = "Medline\nTY  - JOUR"


def test_review_source_search_and_criteria_refuse_line_breaks(review, lead, source):
    search = source.searches.get()
    attempts = {
        "review title": lambda: services.review_update(review=review, title=BROKEN, question="",
                                                       date_from=None, date_to=None),
        "source name": lambda: services.source_create(review=review, name=BROKEN,
                                                      source_type=SourceType.DATABASE),
        "platform": lambda: services.source_update(
            source=source, name="Medline", source_type=SourceType.DATABASE, platform="Ovid\rX",
            arm="", pooled_into_screening=True, notes="two\nlines are fine here"),
        "search label": lambda: services.search_update(search=search, label="Main\u2028x"),
        "criterion": lambda: services.criteria_replace(
            review=review, inclusion=[], exclusion=[CriterionItem("E1", "Outside\x85England")]),
        "checklist name": lambda: appraisal_services.checklist_create(
            review=review, user=lead, name=BROKEN, definition="Q1 | Aims? | | Yes, No"),
    }  # fmt: skip
    for what, attempt in attempts.items():
        with pytest.raises(ValidationError, match="one line"):
            attempt()
        assert not Source.objects.filter(name__contains="\n").exists(), what
    services.source_update(source=source, name="Medline", source_type=SourceType.DATABASE,
                           platform="Ovid", arm="", pooled_into_screening=True,
                           notes="two\nlines are fine here")  # fmt: skip


def test_a_not_retrieved_reason_is_one_line(review, source, lead, reviewer, second_reviewer):
    records = screenable(review, source, lead, 1)
    for user in (reviewer, second_reviewer):
        decide(review, records[0], user, "include")
    report = review.reports.get()
    with pytest.raises(ValidationError, match="one line"):
        screening_services.report_set_retrieval(
            review=review, report=report, retrieval=Retrieval.NOT_RETRIEVED, user=lead,
            reason="other", note="Paywalled\nER  - ",
        )  # fmt: skip
