"""Issue #21, words on the review pages: one of a thing in the singular; removing a member
asks first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import paper

pytestmark = pytest.mark.django_db


def test_one_record_is_one_record(as_user, review, source, lead):
    batch = import_text(review, source, lead, ris(paper(1)))
    run(review)
    client = as_user(lead)
    home = client.get(reverse("reviews:detail", args=[review.slug])).content.decode()
    assert '<span class="big">1</span> record imported' in home
    assert '<span class="big">1</span> source, 1 search<' in home
    page = client.get(reverse("reviews:batch_detail", args=[review.slug, batch.pk]))
    assert "<b>1</b> record imported" in page.content.decode()
    dedup = client.get(reverse("reviews:dedup", args=[review.slug])).content.decode()
    assert '<span class="big">1</span> record imported' in dedup
    assert '<span class="big">1</span> record to screen' in dedup
    assert "1 records" not in home + dedup + page.content.decode()


def test_removing_a_member_asks_first(as_user, review, lead, reviewer):
    member = review.members.get(user=reviewer)
    address = reverse("reviews:member_remove", args=[review.slug, member.pk])
    client = as_user(lead)
    ask = client.post(address)
    assert ask.status_code == 200
    assert review.members.filter(pk=member.pk).exists()
    page = ask.content.decode()
    assert "Remove reviewer from the team?" in page or "from the team?" in page
    assert 'name="confirm" value="yes"' in page
    done = client.post(address, {"confirm": "yes"})
    assert done.status_code == 302
    assert not review.members.filter(pk=member.pk).exists()


def test_undoing_an_import_of_one_record_says_record(as_user, review, source, lead):
    batch = import_text(review, source, lead, ris(paper(1)))
    run(review)
    client = as_user(lead)
    response = client.post(
        reverse("reviews:batch_undo", args=[review.slug, batch.pk]), {"confirm": "yes"},
        follow=True,
    )  # fmt: skip
    assert "Import undone: 1 record removed." in response.content.decode()
