"""Attack: record numbers local to a review (Record.number, "#N" on every page). Where a
page names a record "#N", N must be its number in the review, never its primary key: in a
review whose records' keys differ from their numbers the two disagree."""

from __future__ import annotations

import re

import pytest

from reviews import services as review_services
from reviews.models import Record, Verdict
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.reviews.test_record_history import history_html
from tests.screening.conftest import paper

pytestmark = pytest.mark.django_db


def numbered_apart(review, source, lead) -> tuple[Record, Record]:
    """Two records of one paper whose primary keys are not their numbers (an undone import
    before them used up keys, not numbers)."""
    gone = import_text(review, source, lead, ris(paper(7), paper(8), paper(9)), name="gone.ris")
    run(review)
    review_services.import_batch_undo(batch=gone, user=lead)
    a = import_text(review, source, lead, ris(paper(1)), name="a.ris")
    run(review)
    b = import_text(review, source, lead, ris(paper(2)), name="b.ris")
    run(review)
    early, later = a.records.get(), b.records.get()
    assert (early.pk, later.pk) != (early.number, later.number)
    return early, later


def test_numbers_stay_unique_after_undo_and_a_third_import(review, source, lead):
    first = import_text(review, source, lead, ris(paper(1), paper(2)), name="1.ris")
    run(review)
    import_text(review, source, lead, ris(paper(3), paper(4)), name="2.ris")
    run(review)
    review_services.import_batch_undo(batch=first, user=lead)
    import_text(review, source, lead, ris(paper(5), paper(6)), name="3.ris")
    run(review)
    numbers = list(Record.objects.filter(review=review).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 4 and None not in numbers


def test_the_history_names_merged_records_by_their_numbers(client, review, source, lead):
    early, later = numbered_apart(review, source, lead)
    review_services.dedup_decide(
        review=review, record=early, other=later, verdict=Verdict.SAME, user=lead
    )
    html = history_html(client, lead, review, later)
    line = re.search(r"Marked the same paper: records #(\d+) and #(\d+)", html)
    assert line, html
    assert {int(line.group(1)), int(line.group(2))} == {early.number, later.number}


def test_comparing_with_a_record_typed_by_its_number_opens_that_record(
    client, review, source, lead
):
    from django.urls import reverse

    early, later = numbered_apart(review, source, lead)
    client.force_login(lead)
    url = reverse("reviews:dedup_cluster", args=[review.slug, early.pk])
    answer = client.get(url, {"with": f"#{later.number}"})
    assert answer.status_code == 302, "the page refused the number as no record of the review"
    assert answer.url == reverse("reviews:dedup_compare", args=[review.slug, early.pk, later.pk])


def test_the_review_trail_names_merged_records_by_their_numbers(review, source, lead):
    """The lead's whole trail (the audit download) reads dedup events as the record page
    does: by number, looked up as the trail streams."""
    from reviews.history import review_history

    early, later = numbered_apart(review, source, lead)
    review_services.dedup_decide(
        review=review, record=early, other=later, verdict=Verdict.SAME, user=lead
    )
    (line,) = [e.summary for e in review_history(review) if e.summary.startswith("Marked")]
    assert line == f"Marked the same paper: records #{early.number} and #{later.number}"
