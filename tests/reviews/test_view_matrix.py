"""Every reviews URL x {anonymous, outsider, reviewer, lead} x method, written down once.

A new URL without a row here fails `test_every_url_has_a_row`.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews import urls as review_urls

MEMBER, LEAD = "member", "lead"

# name -> (kwargs needing objects, {method: who may})
MATRIX: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "list": ((), {"GET": "user"}),
    "create": ((), {"GET": "user", "POST": "user"}),
    "detail": (("review",), {"GET": MEMBER}),
    "edit": (("review",), {"GET": LEAD, "POST": LEAD}),
    "team": (("review",), {"GET": MEMBER, "POST": LEAD}),
    "member_role": (("review", "member_id"), {"POST": LEAD}),
    "member_remove": (("review", "member_id"), {"POST": LEAD}),
    "sources": (("review",), {"GET": MEMBER}),
    "source_create": (("review",), {"GET": LEAD, "POST": LEAD}),
    "source_detail": (("review", "source_id"), {"GET": MEMBER}),
    "source_edit": (("review", "source_id"), {"GET": LEAD, "POST": LEAD}),
    "search_create": (("review", "source_id"), {"GET": LEAD, "POST": LEAD}),
    "search_edit": (("review", "search_id"), {"GET": LEAD, "POST": LEAD}),
    "import_upload": (("review", "source_id"), {"POST": LEAD}),
    "batches": (("review",), {"GET": MEMBER}),
    "batch_detail": (("review", "batch_id"), {"GET": MEMBER}),
    "batch_confirm": (("review", "batch_id"), {"POST": LEAD}),
    "batch_cancel": (("review", "batch_id"), {"POST": LEAD}),
    "batch_remap": (("review", "batch_id"), {"POST": LEAD}),
    "batch_undo": (("review", "batch_id"), {"POST": LEAD}),
    "batch_requeue": (("review", "batch_id"), {"POST": LEAD}),
    "records": (("review",), {"GET": MEMBER}),
    "record_detail": (("review", "record_id"), {"GET": MEMBER}),
    "record_edit": (("review", "record_id"), {"GET": LEAD, "POST": LEAD}),
    "dedup": (("review",), {"GET": MEMBER}),
    "dedup_run": (("review",), {"POST": LEAD}),
    "dedup_queue": (("review",), {"GET": LEAD}),
    "dedup_report": (("review",), {"GET": MEMBER}),
    "dedup_sources": (("review",), {"GET": MEMBER}),
    "dedup_log": (("review",), {"GET": MEMBER}),
    "dedup_cluster": (("review", "record_id"), {"GET": MEMBER}),
    "dedup_split": (("review", "record_id"), {"POST": LEAD}),
    "dedup_primary": (("review", "record_id"), {"POST": LEAD}),
    "dedup_compare": (("review", "record_id", "other_id"), {"GET": LEAD}),
    "dedup_decide": (("review", "record_id", "other_id"), {"POST": LEAD}),
}
ALL_METHODS = ("GET", "POST", "PUT", "DELETE")


def test_every_url_has_a_row():
    names = {p.name for p in review_urls.urlpatterns}
    assert names == set(MATRIX), (
        f"rows missing for {names - set(MATRIX)}; stale {set(MATRIX) - names}"
    )


@pytest.fixture
def objects(review, source, compared_batch):
    member = review.members.get(user__username="reviewer")
    return {
        "review": review.slug,
        "member_id": member.pk,
        "source_id": source.pk,
        "search_id": source.searches.first().pk,
        "batch_id": compared_batch.pk,
        "record_id": compared_batch.records.first().pk,
        "other_id": compared_batch.records.last().pk,
    }


def _url(name, objects):
    keys = MATRIX[name][0]
    return reverse(f"reviews:{name}", kwargs={k: objects[k] for k in keys})


def _call(client, method, url):
    return getattr(client, method.lower())(url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, objects, name):
    for method in MATRIX[name][1]:
        response = _call(client, method, _url(name, objects))
        assert response.status_code == 302, (name, method)
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, row in MATRIX.items() if row[0]))
def test_outsider_gets_404(client, objects, outsider, other_review, name):
    client.force_login(outsider)
    for method in MATRIX[name][1]:
        assert _call(client, method, _url(name, objects)).status_code == 404, (name, method)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_reviewer_may_read_but_not_change(client, objects, reviewer, name):
    client.force_login(reviewer)
    for method, who in MATRIX[name][1].items():
        status = _call(client, method, _url(name, objects)).status_code
        if who == LEAD:
            assert status == 403, (name, method)
        else:
            assert status in (200, 302), (name, method, status)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_wrong_method_is_405(client, objects, lead, name):
    client.force_login(lead)
    for method in set(ALL_METHODS) - set(MATRIX[name][1]):
        assert _call(client, method, _url(name, objects)).status_code == 405, (name, method)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, row in MATRIX.items() if "GET" in row[1]))
def test_lead_gets_every_page(client, objects, lead, name):
    client.force_login(lead)
    response = client.get(_url(name, objects))
    assert response.status_code == 200, name


@pytest.mark.django_db
def test_ids_of_another_review_are_not_reachable(client, review, source, compared_batch, outsider):
    """A member of review A trying every id that belongs to review B gets 404."""
    from reviews import services
    from reviews.models import SourceType

    other = services.review_create(user=outsider, title="B")
    other_source = services.source_create(review=other, name="X", source_type=SourceType.DATABASE)
    client.force_login(outsider)
    for name, kwargs in [
        ("source_detail", {"source_id": source.pk}),
        ("batch_detail", {"batch_id": compared_batch.pk}),
        ("record_detail", {"record_id": compared_batch.records.first().pk}),
        ("search_edit", {"search_id": source.searches.first().pk}),
    ]:
        url = reverse(f"reviews:{name}", kwargs={"review": other.slug, **kwargs})
        assert client.get(url).status_code == 404, name
    assert other_source.batches.count() == 0
