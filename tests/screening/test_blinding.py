"""Blinding: while a record is open, a reviewer never sees another reviewer's decision,
reason, note or identity on any screening page, fragment, header or redirect."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.models import Decision
from tests.screening.conftest import TA, criterion, decide, settings_of

pytestmark = pytest.mark.django_db

NOTE, OTHER = "SECRET-NOTE-XYZ", "SECRET-REASON-ABC"


@pytest.fixture
def their_votes(review, records, second_reviewer):
    """second_reviewer has excluded the first two records, with a note and reasons."""
    e3 = criterion(review, "E3")
    decide(review, records[0], second_reviewer, "exclude", reason=e3, note=NOTE)
    decide(review, records[1], second_reviewer, "exclude", reason_other=OTHER, note=NOTE)
    return records[:2]


def url(review, name, *args) -> str:
    return reverse(f"screening:{name}", args=[review.slug, TA, *args])


def assert_blind(response, review) -> None:
    text = response.content.decode() if not response.streaming else ""
    text += " ".join(f"{k}: {v}" for k, v in response.headers.items())
    # The reviewer only ever includes: any sign of an exclusion is the other's.
    for secret in (NOTE, OTHER, "second_reviewer", "said <b>Exclude", 'class="verdict exclude'):
        assert secret not in text, (response.request["PATH_INFO"], secret)
    assert f'value="{criterion(review, "E3").pk}" checked' not in text


def test_a_reviewer_sees_nothing_of_another_reviewers_votes(
    as_user, review, records, reviewer, their_votes
):
    client = as_user(reviewer)
    first, second = their_votes
    card = {"HX-Request": "true", "HX-Target": "screen-card"}
    hx = {"HX-Request": "true"}
    seen = []
    for path, headers in [
        (url(review, "overview"), {}),
        (url(review, "screen"), {}),
        (url(review, "screen"), card),
        (url(review, "screen") + f"?record={first.pk}", {}),
        (url(review, "screen") + f"?record={second.pk}", card),
        (url(review, "progress"), hx),
        (url(review, "mine"), {}),
        (reverse("reviews:record_detail", args=[review.slug, first.pk]), {}),
        (reverse("reviews:records", args=[review.slug]), {}),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert_blind(response, review)
        seen.append(response)
    assert any(first.title in r.content.decode() for r in seen)
    # Their own decisions, by htmx and without it, and an undo: still nothing of the other's.
    for record, headers in ((first, hx), (second, {})):
        response = client.post(
            url(review, "decide", record.pk), {"verdict": "include", "stream": "on"},
            headers=headers,
        )  # fmt: skip
        assert_blind(response, review)
        if not headers:
            assert_blind(client.get(response.url), review)
    assert_blind(client.post(url(review, "undo"), headers=hx), review)
    response = client.post(url(review, "undo"))
    assert_blind(response, review)
    assert_blind(client.get(response.url), review)
    assert_blind(client.get(url(review, "mine")), review)
    # The lead-only pages refuse, and say nothing either.
    for name, args in [("conflicts", ()), ("conflict", (first.pk,)), ("agreement", ()),
                       ("agreement_csv", ()), ("settings", ())]:  # fmt: skip
        response = client.get(url(review, name, *args))
        assert response.status_code == 403, name
        assert_blind(response, review)
    # Their votes filled each record's last slot: fixed, so the undos were refused.
    assert Decision.objects.filter(reviewer=reviewer).count() == 2


def test_leads_see_everything(as_user, review, reviewer, lead, their_votes):
    first, second = their_votes
    decide(review, first, reviewer, "include")
    client = as_user(lead)
    html = client.get(url(review, "conflict", first.pk)).content.decode()
    assert NOTE in html and "second_reviewer" in html and "E3" in html and "Exclude" in html
    html = client.get(url(review, "conflict", second.pk)).content.decode()
    assert OTHER in html and NOTE in html
    assert "second_reviewer" in client.get(url(review, "agreement")).content.decode()
    csv = b"".join(client.get(url(review, "agreement_csv")).streaming_content).decode()
    assert "second_reviewer" in csv


def test_a_named_resolver_who_screens_sees_no_votes_on_records_still_open_to_them(
    as_user, review, reviewer, their_votes
):
    settings_of(review, resolver=reviewer)
    client = as_user(reviewer)
    first, _ = their_votes  # one vote of two: not a conflict, and reviewer has not screened it
    response = client.get(url(review, "conflict", first.pk))
    assert response.status_code in (403, 404) or NOTE not in response.content.decode()
