"""Issue #21.2: the records list shows each paper's status per stage and filters by it,
through the Viewer: a reviewer's statuses come from their own vote or from outcomes final
for everyone (a record with a colleague's open vote is "awaiting me", never a verdict)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Record
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import TA, criterion, decide, paper, screenable

pytestmark = pytest.mark.django_db

URL = "reviews:records"


@pytest.fixture
def world(review, source, lead, records, reviewer, second_reviewer):
    """0: reviewer includes (slot open); 1: both include; 2: conflict; 3: both exclude;
    4, 5: nobody; and a copy of record 0 (a duplicate)."""
    decide(review, records[0], reviewer, "include")
    for who in (reviewer, second_reviewer):
        decide(review, records[1], who, "include")
        decide(review, records[3], who, "exclude", reason=criterion(review, "E1"))
    decide(review, records[2], reviewer, "include")
    decide(review, records[2], second_reviewer, "exclude")
    import_text(review, source, lead, ris(paper(0)), "copy.ris")
    run(review)
    copy = Record.objects.get(review=review, batch__filename="copy.ris")
    assert copy.duplicate_of_id == records[0].pk
    return records, copy


def _statuses(client, review):
    page = client.get(reverse(URL, args=[review.slug])).context["page"]
    return {r.pk: r.stage_statuses[0] for r in page.object_list}


def test_each_person_sees_statuses_from_their_own_vote_or_final_outcomes(
    as_user, review, lead, reviewer, second_reviewer, world
):
    records, copy = world
    mine = _statuses(as_user(reviewer), review)
    theirs = _statuses(as_user(second_reviewer), review)
    lead_view = _statuses(as_user(lead), review)
    settled = {records[1].pk: "Included", records[2].pk: "Conflict", records[3].pk: "Excluded"}
    for view in (mine, theirs, lead_view):
        assert {pk: view[pk] for pk in settled} == settled
        assert view[copy.pk] == "Duplicate"
        assert view[records[4].pk] == view[records[5].pk] == "Awaiting me"
    assert mine[records[0].pk] == "Awaiting others"
    # The colleague's open vote changes nothing for the second reviewer.
    assert theirs[records[0].pk] == "Awaiting me"


def test_the_status_filter(as_user, review, reviewer, second_reviewer, world):
    records, copy = world
    url = reverse(URL, args=[review.slug])

    def shown(client, status):
        page = client.get(url, {"status": status}).context["page"]
        return {r.pk for r in page.object_list}

    client = as_user(reviewer)
    assert shown(client, f"{TA}:awaiting_others") == {records[0].pk}
    assert shown(client, f"{TA}:awaiting_me") == {records[4].pk, records[5].pk}
    assert shown(client, f"{TA}:conflict") == {records[2].pk}
    assert shown(client, f"{TA}:included") == {records[1].pk}
    assert shown(client, f"{TA}:excluded") == {records[3].pk}
    assert shown(client, f"{TA}:duplicate") == {copy.pk}
    assert shown(client, "full_text:included") == set()
    other = as_user(second_reviewer)
    assert shown(other, f"{TA}:awaiting_me") == {records[0].pk, records[4].pk, records[5].pk}
    assert shown(other, f"{TA}:awaiting_others") == set()
    bad = client.get(url, {"status": "title_abstract:secret"})
    assert bad.context["page"].paginator.count == 0 and "status" in bad.context["form"].errors


def test_the_status_column_costs_the_same_queries_for_n_and_2n_rows(
    as_user, review, source, lead, reviewer, second_reviewer
):
    client = as_user(reviewer)
    url = reverse(URL, args=[review.slug])

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).context["page"]
        return len(ctx.captured_queries), len(page.object_list)

    first = screenable(review, source, lead, 5)
    for r in first:
        decide(review, r, reviewer, "include")
        decide(review, r, second_reviewer, "include")
    count_queries()  # the first visit creates the stages' settings rows
    n_queries, n_rows = count_queries()
    more = import_text(review, source, lead, ris(*(paper(n) for n in range(100, 105))), "m.ris")
    run(review)
    for r in more.records.all():
        decide(review, r, reviewer, "exclude")
    n2_queries, n2_rows = count_queries()
    assert (n_rows, n2_rows) == (5, 10)
    assert n2_queries == n_queries
