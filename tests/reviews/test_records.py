import pytest
from django.urls import reverse

from reviews import services
from tests.conftest import ris_upload


def _many(n: int) -> str:
    return "".join(
        f"TY  - JOUR\nAU  - Author{i}, A.\nTI  - Paper number {i}\nPY  - {1997 + i % 12}\n"
        f"DO  - 10.5555/p{i}\nER  - \n"
        for i in range(n)
    )


@pytest.fixture
def many(review, source, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.import_batch_start(
            preview=False,
            review=review,
            source=source,
            upload=ris_upload(_many(120)),
            filename="m.ris",
            user=lead,
        )


def _titles(response):
    return [r.title for r in response.context["page"].object_list]


@pytest.mark.django_db
def test_list_is_paginated(client, review, many, reviewer):
    client.force_login(reviewer)
    first = client.get(reverse("reviews:records", args=[review.slug]))
    assert first.context["page"].paginator.count == 120 and len(_titles(first)) == 50
    third = client.get(reverse("reviews:records", args=[review.slug]), {"page": 3})
    assert len(_titles(third)) == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("number 17", ["Paper number 17"]),
        ("author42", ["Paper number 42"]),
        ("10.5555/P101", ["Paper number 101"]),
        ("2008", None),
    ],
)
def test_search_by_title_author_doi_year(client, review, many, reviewer, q, expected):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:records", args=[review.slug]), {"q": q})
    titles = _titles(response)
    if expected is None:
        assert response.context["page"].paginator.count == 10
        assert all(r.year == 2008 for r in response.context["page"].object_list)
    else:
        assert titles == expected


@pytest.mark.django_db
def test_filter_by_source_and_batch(client, review, many, imported_batch, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:records", args=[review.slug])
    assert client.get(url, {"batch": imported_batch.pk}).context["page"].paginator.count == 2
    assert client.get(url, {"batch": many.pk}).context["page"].paginator.count == 120
    assert client.get(url, {"source": many.source_id}).context["page"].paginator.count == 122


@pytest.mark.django_db
def test_htmx_search_returns_only_the_results_fragment(client, review, many, reviewer):
    client.force_login(reviewer)
    response = client.get(
        reverse("reviews:records", args=[review.slug]),
        {"q": "number 5"},
        headers={"HX-Request": "true", "HX-Target": "record-results"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="record-results">') and "<html" not in body


@pytest.mark.django_db
def test_record_page_shows_every_field_and_the_original_text(
    client, review, imported_batch, reviewer
):
    record = imported_batch.records.get(ordinal=1)
    client.force_login(reviewer)
    body = client.get(
        reverse("reviews:record_detail", args=[review.slug, record.pk])
    ).content.decode()
    for text in [
        "Partnerships and health inequalities in England",
        "Smith, Katherine E.",
        "10.1000/abc.1",
        "We studied Health Action Zones.",
        "TY  - JOUR",
        "Medline",
    ]:
        assert text in body


@pytest.mark.django_db
def test_record_text_is_escaped(client, review, source, lead, django_capture_on_commit_callbacks):
    evil = "TY  - JOUR\nTI  - <script>alert(1)</script> partnerships\nAB  - <img src=x onerror=alert(2)>\nER  - \n"
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_batch_start(
            preview=False,
            review=review,
            source=source,
            upload=ris_upload(evil),
            filename="x.ris",
            user=lead,
        )
    client.force_login(lead)
    record = batch.records.get()
    for url in [
        reverse("reviews:record_detail", args=[review.slug, record.pk]),
        reverse("reviews:records", args=[review.slug]),
    ]:
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
        assert "<img src=x" not in body


@pytest.mark.django_db
def test_a_filter_naming_nothing_of_this_review_matches_nothing(client, review, many, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:records", args=[review.slug]), {"source": 999999})
    assert response.context["page"].paginator.count == 0
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_pages_are_numbered(client, review, many, reviewer):
    client.force_login(reviewer)
    body = client.get(reverse("reviews:records", args=[review.slug]), {"page": 2}).content.decode()
    assert 'aria-current="page">2<' in body and "page=3" in body and "page=1" in body
