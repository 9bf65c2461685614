"""Deduplication pages: overview, queue (page and htmx fragment), cluster, downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reviews.models import DedupDecision, DedupPair
from tests.reviews.test_dedup_service import OTHER, PAPER, import_text, ris, run

pytestmark = pytest.mark.django_db

LOOK_ALIKE = PAPER | {
    "title": PAPER["title"] + ": interim findings",
    "doi": "",
    "volume": "",
    "sp": "",
    "ep": "",
    "abstract": "Early findings.",
}


@pytest.fixture
def records(review, source, lead):
    """A cluster of two copies of PAPER, a look-alike (a probable pair) and OTHER."""
    copy = PAPER | {"title": PAPER["title"].upper(), "doi": ""}
    batch = import_text(review, source, lead, ris(PAPER, copy, LOOK_ALIKE, OTHER))
    run(review)
    return list(batch.records.order_by("ordinal"))


def test_overview_shows_the_prisma_count_and_stops_polling(client, review, lead, records):
    client.force_login(lead)
    url = reverse("reviews:dedup", args=[review.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "Duplicate records removed (n = 1)" in page.text
    assert "Check 1 probable pair" in page.text
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "dedup-status"})
    assert fragment.status_code == 286  # up to date: htmx stops polling
    assert "<html" not in fragment.text and 'id="dedup-status"' in fragment.text


def test_overview_polls_while_a_run_is_due(client, review, lead, records):
    from reviews import services

    services.dedup_request(review_id=review.pk, enqueue=False)
    client.force_login(lead)
    url = reverse("reviews:dedup", args=[review.slug])
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "dedup-status"})
    assert fragment.status_code == 200
    assert 'hx-trigger="every 2s"' in fragment.text


def test_the_log_keeps_the_numbers_of_records_an_undone_import_took_away(
    client, review, source, lead, records
):
    from reviews import services
    from reviews.models import Verdict

    later = import_text(review, source, lead, ris(OTHER | {"title": "A later paper"}), "later.ris")
    run(review)
    gone, kept = later.records.get(), records[3]
    services.dedup_decide(review=review, record=gone, other=kept, verdict=Verdict.DIFFERENT,
                          user=lead)  # fmt: skip
    services.import_batch_undo(batch=later, user=lead)
    client.force_login(lead)
    page = client.get(reverse("reviews:dedup", args=[review.slug])).text
    cluster = reverse("reviews:dedup_cluster", args=[review.slug, kept.pk])
    shown = (f'record id {gone.pk} <span class="muted">(no longer in the review)</span> and '
             f'<a href="{cluster}">#{kept.number}</a>')  # fmt: skip
    assert shown in page
    assert reverse("reviews:dedup_cluster", args=[review.slug, gone.pk]) not in page


def test_queue_shows_the_pair_side_by_side_with_differences_marked(client, review, lead, records):
    client.force_login(lead)
    page = client.get(reverse("reviews:dedup_queue", args=[review.slug]))
    assert page.status_code == 200
    first, _, look_alike, _ = records
    assert f"#{first.number}" in page.text and f"#{look_alike.number}" in page.text
    assert "<mark>interim findings</mark>" in page.text
    assert 'data-key="s"' in page.text and 'data-key="d"' in page.text


def test_deciding_in_the_queue_swaps_in_the_next_pair(client, review, lead, records):
    first, _, look_alike, _ = records
    client.force_login(lead)
    url = reverse("reviews:dedup_decide", args=[review.slug, first.pk, look_alike.pk])
    response = client.post(
        url,
        {"verdict": "different", "next": "queue"},
        headers={"HX-Request": "true", "HX-Target": "dedup-pair"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "No probable duplicates are waiting" in response.text
    assert "dedup-decided" in response.headers["HX-Trigger"]
    decision = DedupDecision.objects.get()
    assert decision.verdict == "different" and decision.decided_by == lead
    assert not DedupPair.objects.exists()


def test_deciding_without_javascript_redirects_back_to_the_queue(client, review, lead, records):
    first, _, look_alike, _ = records
    client.force_login(lead)
    url = reverse("reviews:dedup_decide", args=[review.slug, first.pk, look_alike.pk])
    response = client.post(url, {"verdict": "same", "next": "queue"})
    assert response.status_code == 302
    assert response.url == reverse("reviews:dedup_queue", args=[review.slug])
    look_alike.refresh_from_db()
    assert look_alike.duplicate_of_id == first.pk


def test_a_bad_verdict_changes_nothing(client, review, lead, records):
    first, _, look_alike, _ = records
    client.force_login(lead)
    url = reverse("reviews:dedup_decide", args=[review.slug, first.pk, look_alike.pk])
    response = client.post(url, {"verdict": "perhaps"}, headers={"HX-Request": "true"})
    # htmx 2 rule: the fragment again with the message inline, not an error status.
    assert response.status_code == 200 and "<html" not in response.text
    assert "Answer &#x27;same paper&#x27; or &#x27;different papers&#x27;." in response.text
    assert not DedupDecision.objects.exists()


def test_skipping_shows_the_next_pair(client, review, lead, records):
    client.force_login(lead)
    pair = DedupPair.objects.get()
    url = reverse("reviews:dedup_queue", args=[review.slug]) + f"?after={pair.pk}"
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "dedup-pair"})
    assert "No probable duplicates are waiting" in response.text
    assert DedupPair.objects.count() == 1  # skipping decides nothing


def test_cluster_page_shows_provenance_and_lead_actions(client, review, lead, reviewer, records):
    first, copy, _, _ = records
    client.force_login(lead)
    page = client.get(reverse("reviews:dedup_cluster", args=[review.slug, copy.pk]))
    assert "2 records of this paper, found in: <b>Medline</b>" in page.text
    assert "Make primary" in page.text
    client.force_login(reviewer)
    page = client.get(reverse("reviews:dedup_cluster", args=[review.slug, copy.pk]))
    assert page.status_code == 200 and "Make primary" not in page.text


def test_compare_box_opens_the_comparison_or_says_what_is_wrong(client, review, lead, records):
    first, _, _, other = records
    client.force_login(lead)
    url = reverse("reviews:dedup_cluster", args=[review.slug, first.pk])
    response = client.get(url, {"with": str(other.number)})  # the number shown, not the pk
    assert response.url == reverse("reviews:dedup_compare", args=[review.slug, first.pk, other.pk])
    response = client.get(url, {"with": "99999"})
    assert response.status_code == 200 and "This review has no record #99999." in response.text


def test_split_and_primary_buttons(client, review, lead, records):
    first, copy, _, _ = records
    client.force_login(lead)
    client.post(reverse("reviews:dedup_primary", args=[review.slug, copy.pk]))
    first.refresh_from_db()
    assert first.duplicate_of_id == copy.pk
    response = client.post(reverse("reviews:dedup_split", args=[review.slug, first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.duplicate_of_id is None
    assert DedupDecision.objects.get().verdict == "different"


def test_record_page_says_which_record_screening_shows(client, review, lead, records):
    first, copy, _, _ = records
    client.force_login(lead)
    page = client.get(reverse("reviews:record_detail", args=[review.slug, copy.pk]))
    assert f'A duplicate of <a href="/reviews/{review.slug}/records/{first.pk}/">' in page.text
    page = client.get(reverse("reviews:record_detail", args=[review.slug, first.pk]))
    assert "The primary record of a cluster of 2 records" in page.text


def test_downloads(client, review, reviewer, records):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:dedup_report", args=[review.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["cluster", "record_id", "role"] and len(rows) == 5
    assert sorted(r[2] for r in rows[1:]) == ["duplicate", "primary", "primary", "primary"]
    response = client.get(reverse("reviews:dedup_sources", args=[review.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1] == ["Medline", "dbr", "4", "1", "3", "3", "3"]
    assert "attachment" in response["Content-Disposition"]


def test_record_list_filters_one_record_per_paper_or_duplicates(client, review, lead, records):
    first, copy, look_alike, other = records
    client.force_login(lead)
    url = reverse("reviews:records", args=[review.slug])
    assert client.get(url).context["page"].paginator.count == 4
    shown = client.get(url, {"role": "primary"}).context["page"].object_list
    assert {r.pk for r in shown} == {first.pk, look_alike.pk, other.pk}
    page = client.get(url, {"role": "duplicate"})
    assert [r.pk for r in page.context["page"].object_list] == [copy.pk]
    assert f"duplicate of #{first.number}" in page.text


def test_downloads_quote_cells_that_a_spreadsheet_would_run(client, review, source, lead):
    formula = PAPER | {"title": '=HYPERLINK("http://evil.example","click")', "doi": ""}
    import_text(review, source, lead, ris(formula), "evil.ris")
    run(review)
    client.force_login(lead)
    response = client.get(reverse("reviews:dedup_report", args=[review.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][7] == '\'=HYPERLINK("http://evil.example","click")'
