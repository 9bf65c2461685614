"""Issue #21, words on the screening pages: undo keeps the reason and the note, reasons
named by their label, "revisiting your decision" only on a decided record, the ranking
estimate in whole records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening import selectors
from screening.models import Decision
from tests.screening.conftest import TA, criterion, decide, settings_of

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def url(review, name, *args) -> str:
    return reverse(f"screening:{name}", args=[review.slug, TA, *args])


def _exclude_then_undo(client, review, reviewer, **headers):
    first = selectors.next_record(review, reviewer, TA, settings_of(review))
    e3 = criterion(review, "E3")
    client.post(
        url(review, "decide", first.pk),
        {"verdict": "exclude", "reason": e3.pk, "note": "Only adults, line 4", "stream": "on"},
    )
    assert Decision.objects.get().reason == e3
    return first, e3, client.post(url(review, "undo"), headers=headers)


def test_undo_offers_the_withdrawn_reason_and_note_again(as_user, review, records, reviewer):
    client = as_user(reviewer)
    first, e3, response = _exclude_then_undo(client, review, reviewer, **HX)
    assert not Decision.objects.exists()
    assert response.context["record"] == first
    page = response.content.decode()
    assert f'value="{e3.pk}" checked' in page
    assert ">Only adults, line 4</textarea>" in page


def test_undo_without_javascript_keeps_them_too(as_user, review, records, reviewer):
    client = as_user(reviewer)
    first, e3, response = _exclude_then_undo(client, review, reviewer)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert f'value="{e3.pk}" checked' in page
    assert ">Only adults, line 4</textarea>" in page
    # Offered once: opening the record again later starts from a blank form.
    again = client.get(response.url).content.decode()
    assert "Only adults" not in again and f'value="{e3.pk}" checked' not in again


def test_a_record_never_decided_is_not_revisiting_a_decision(as_user, review, records, reviewer):
    client = as_user(reviewer)
    page = client.get(url(review, "screen") + f"?record={records[3].pk}").content.decode()
    assert "revisiting your decision" not in page
    decide(review, records[3], reviewer, "include")
    page = client.get(url(review, "screen") + f"?record={records[3].pk}").content.decode()
    assert "revisiting your decision" in page


def test_my_decisions_name_the_reason_by_its_label(as_user, review, records, reviewer):
    decide(review, records[0], reviewer, "exclude", reason=criterion(review, "E3"))
    page = as_user(reviewer).get(url(review, "mine")).content.decode()
    assert "E3 Clinical only" in page


def test_the_ranking_estimate_is_in_whole_records(as_user, review, records, lead, reviewer):
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    response = as_user(lead).get(url(review, "ranking"))
    estimate = response.context["stats"].remaining.estimate
    page = response.content.decode()
    shown = f"{estimate:.0f}"
    assert f'<span class="big">about {shown}</span> relevant record' in page
    assert 'class="big">~' not in page  # not "~510.3"
    assert "1 include found" in page and "of 6 records screened" in page
