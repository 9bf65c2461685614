"""Issue #21, record edits: a lead corrects a record's fields (a missing abstract, a wrong
year); the imported text is kept, the change is in the record's history, and deduplication
is told (the clusters are computed again from the corrected fields)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews import selectors, services
from reviews.history import record_history
from reviews.models import AuditEvent, AuditKind, DedupRun, DedupStatus, Record
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(review, source, lead):
    """Two records of different papers, deduplicated."""
    batch = import_text(
        review, source, lead, ris(paper(1, doi="10.5555/one"), paper(2, doi="10.5555/two"))
    )
    run(review)
    return list(batch.records.order_by("ordinal"))


def edit_url(review, record):
    return reverse("reviews:record_edit", args=[review.slug, record.pk])


def form_data(record, **change):
    data = {
        name: getattr(record, name) if getattr(record, name) is not None else ""
        for name in ("title", "abstract", "year", "journal", "volume", "issue", "pages",
                     "doi", "pmid", "language", "type")
    }  # fmt: skip
    data["authors"] = "\r\n".join(record.authors)
    data.update(change)
    return data


def test_a_lead_adds_a_missing_abstract_and_corrects_the_year(as_user, review, two, lead):
    record = two[0]
    raw, year = record.raw_text, record.year
    assert record.abstract == ""
    client = as_user(lead)
    assert client.get(edit_url(review, record)).status_code == 200
    response = client.post(
        edit_url(review, record),
        form_data(record, abstract="We studied partnerships.\r\nIn England.", year=year + 1),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.abstract == "We studied partnerships.\nIn England."
    assert record.year == year + 1
    assert record.raw_text == raw  # the imported text stays as it was
    event = AuditEvent.objects.get(kind=AuditKind.RECORD_EDIT)
    assert (event.record_id, event.actor) == (record.pk, lead)
    assert event.detail["changes"] == {
        "abstract": ["", "We studied partnerships.\nIn England."],
        "year": [year, year + 1],
    }
    # The record's page: the imported values beside the corrected ones, and the history.
    page = client.get(reverse("reviews:record_detail", args=[review.slug, record.pk]))
    text = page.content.decode()
    assert 'id="corrections"' in text and f"<dd>{year}</dd>" in text
    entry = next(e for e in page.context["history"] if e.kind == AuditKind.RECORD_EDIT)
    assert entry.detail.splitlines()[1] == f"year: {year} → {year + 1}"


def test_a_second_correction_keeps_the_imported_value(review, two, lead):
    record = two[0]
    year = record.year
    services.record_edit(review=review, record=record, user=lead, values={"year": 1999})
    services.record_edit(review=review, record=record, user=lead, values={"year": 2001})
    corrections = selectors.record_corrections(Record.objects.get(pk=record.pk))
    assert [(c.field, c.imported, c.now) for c in corrections] == [("year", year, 2001)]
    # Back to the imported value: nothing corrected any more, the history keeps all three.
    services.record_edit(review=review, record=record, user=lead, values={"year": year})
    assert selectors.record_corrections(Record.objects.get(pk=record.pk)) == []
    assert AuditEvent.objects.filter(kind=AuditKind.RECORD_EDIT).count() == 3


def test_deduplication_is_told_and_joins_a_corrected_duplicate(review, two, lead):
    """The second record's DOI was wrong; corrected to the first's (and its title with it),
    the next run of the matcher merges them."""
    first, second = two
    assert second.duplicate_of_id is None
    services.record_edit(
        review=review, record=second, user=lead,
        values={"doi": "https://doi.org/10.5555/ONE", "title": first.title,
                "authors": first.authors, "year": first.year, "journal": first.journal,
                "volume": first.volume, "pages": first.pages},
    )  # fmt: skip
    assert DedupRun.objects.get(review=review).status == DedupStatus.QUEUED
    run(review)
    second.refresh_from_db()
    assert second.doi == "10.5555/one"
    assert second.duplicate_of_id == first.pk


def test_an_untouched_form_changes_nothing(as_user, review, two, lead):
    record = two[0]
    before = DedupRun.objects.get(review=review).version
    response = as_user(lead).post(edit_url(review, record), form_data(record))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(kind=AuditKind.RECORD_EDIT).exists()
    assert DedupRun.objects.get(review=review).version == before


def test_bad_values_are_refused_and_nothing_changes(as_user, review, two, lead):
    record = two[0]
    response = as_user(lead).post(edit_url(review, record), form_data(record, doi="not a doi"))
    assert response.status_code == 200
    assert "is not a DOI" in response.content.decode()
    record.refresh_from_db()
    assert record.doi == "10.5555/one"
    assert not AuditEvent.objects.filter(kind=AuditKind.RECORD_EDIT).exists()


def test_only_a_lead_corrects_and_reviewers_see_the_correction(
    as_user, review, two, lead, reviewer
):
    record = two[0]
    assert as_user(reviewer).post(edit_url(review, record), form_data(record)).status_code == 403
    with pytest.raises(ValidationError):
        services.record_edit(review=review, record=record, user=reviewer, values={"year": 2000})
    page = as_user(reviewer).get(reverse("reviews:record_detail", args=[review.slug, record.pk]))
    assert "Correct this record" not in page.content.decode()
    services.record_edit(review=review, record=record, user=lead, values={"year": 2000})
    viewer = review.members.get(user=reviewer)
    assert any(e.kind == AuditKind.RECORD_EDIT for e in record_history(record, viewer))
