"""Issue #21.1: resolving conflicts goes straight on to the next one; the list filters by
exclusion reason and links both stages; the page shows the highlighted record, the
criteria and the keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.models import Resolution
from tests.screening.conftest import TA, criterion, decide, settings_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_conflicts(review, records, reviewer, second_reviewer):
    """Records 0, 1, 2 are conflicts: the second reviewer excludes 0 and 2 for E1 and 1 for
    E3; record 3 both include."""
    reasons = {0: "E1", 1: "E3", 2: "E1"}
    for i, code in reasons.items():
        decide(review, records[i], reviewer, "include", note=f"keep {i}")
        decide(review, records[i], second_reviewer, "exclude", reason=criterion(review, code))
    decide(review, records[3], reviewer, "include")
    decide(review, records[3], second_reviewer, "include")
    return records[:3]


def _post(client, review, paper, query="", **data):
    url = reverse("screening:conflict", args=[review.slug, TA, paper.pk]) + query
    seen = client.get(url).context["form"].initial["seen"]
    return client.post(url, {"seen": seen, **data})


def test_resolving_goes_straight_on_to_the_next_conflict(as_user, review, lead, three_conflicts):
    first, second, third = three_conflicts
    client = as_user(lead)
    response = _post(client, review, second, verdict="include")
    assert response.url == reverse("screening:conflict", args=[review.slug, TA, third.pk])
    response = _post(client, review, third, verdict="exclude", reason=criterion(review, "E1").pk)
    # Past the end of the list: back to its start.
    assert response.url == reverse("screening:conflict", args=[review.slug, TA, first.pk])
    response = _post(client, review, first, verdict="include", note="agreed")
    assert response.url == reverse("screening:conflicts", args=[review.slug, TA])
    assert dict(Resolution.objects.values_list("paper_id", "verdict")) == {
        first.pk: "include",
        second.pk: "include",
        third.pk: "exclude",
    }
    assert Resolution.objects.get(paper=first).note == "agreed"


def test_the_list_filters_by_reason_and_the_next_conflict_keeps_the_filter(
    as_user, review, lead, three_conflicts
):
    first, second, third = three_conflicts
    client = as_user(lead)
    url = reverse("screening:conflicts", args=[review.slug, TA])
    e1, e2 = criterion(review, "E1"), criterion(review, "E3")
    assert client.get(url).context["conflicts"] == [first, second, third]
    assert client.get(url, {"reason": e1.pk}).context["conflicts"] == [first, third]
    assert client.get(url, {"reason": e2.pk}).context["conflicts"] == [second]
    assert client.get(url, {"reason": "nonsense"}).context["conflicts"] == [first, second, third]
    page = client.get(url).content.decode()
    assert reverse("screening:conflicts", args=[review.slug, "full_text"]) in page
    query = f"?reason={e1.pk}"
    response = _post(client, review, first, query, verdict="include")
    assert response.url == (reverse("screening:conflict", args=[review.slug, TA, third.pk]) + query)
    response = _post(client, review, third, query, verdict="include")
    assert response.url == reverse("screening:conflicts", args=[review.slug, TA]) + query
    assert Resolution.objects.filter(paper=second).count() == 0


def test_the_conflict_page_shows_terms_criteria_and_keys(as_user, review, lead, three_conflicts):
    first = three_conflicts[0]
    word = first.title.split()[3]
    settings_of(review, include_terms=word)
    page = as_user(lead).get(reverse("screening:conflict", args=[review.slug, TA, first.pk]))
    html = page.content.decode()
    assert f'<mark class="include">{word}</mark>' in html
    assert 'class="criteria-panel"' in html and "Outside England" in html
    assert 'data-key="i"' in html and 'data-key="e"' in html and 'data-key="1"' in html
    assert "data-submit-keys" in html and "keep 0" in html
