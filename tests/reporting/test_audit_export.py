"""The audit trail download (`reporting:audit_csv`): every history row of the review, oldest
first (votes, deduplication, imports and their undoing, resolutions, early stops, whatever
else logs an AuditEvent), formula-safe, for leads only (it holds every reviewer's votes)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reporting.exports import AUDIT_HEADER
from reviews import services as review_services
from reviews.models import AuditKind, Verdict
from reviews.services.audit import audit_log
from screening import selectors
from screening import services as screening_services
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import TA, criterion, decide, paper, screenable

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(review, source, lead, reviewer, second_reviewer):
    """Votes and a change, a resolution, a lead's deduplication decision, an early stop and
    its undo, a second import undone, and an event whose summary is a formula."""
    records = screenable(review, source, lead, 4)
    decide(review, records[0], second_reviewer, "maybe")
    decide(review, records[0], second_reviewer, "exclude", reason=criterion(review, "E1"))
    decide(review, records[0], reviewer, "include")
    seen = selectors.votes_token(selectors.paper_votes(records[0], TA))
    screening_services.conflict_resolve(
        review=review, paper=records[0], stage=TA, verdict="include", user=lead, seen=seen,
        note="Agreed",
    )  # fmt: skip
    review_services.dedup_decide(
        review=review, record=records[2], other=records[3], verdict=Verdict.DIFFERENT, user=lead
    )
    stop = screening_services.screening_stop_early(
        review=review, stage=TA, user=lead, rule="judgement"
    )
    screening_services.screening_stop_undo(review=review, stop=stop, user=lead)
    extra = import_text(review, source, lead, ris(paper(30)), name="extra.ris")
    run(review)
    review_services.import_batch_undo(batch=extra, user=lead)
    audit_log(review=review, kind=AuditKind.SETTINGS, actor=lead,
              summary="=cmd|' /C calc'!A0", detail={"note": "@SUM(1)"})  # fmt: skip
    return records


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body, newline="")))


def test_the_lead_downloads_every_kind_of_history_oldest_first(client, review, lead, trail):
    client.force_login(lead)
    response = client.get(reverse("reporting:audit_csv", args=[review.slug]))
    assert response.status_code == 200 and "text/csv" in response["Content-Type"]
    assert f"{review.slug}-audit-trail.csv" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header == AUDIT_HEADER == ["at_utc", "kind", "stage", "record_id", "actor", "summary",
                                      "detail"]  # fmt: skip
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    kinds = {r[1] for r in rows}
    assert {"vote", "dedup", "import", "import_undo", "resolution", "stop", "stop_undo",
            "settings"} <= kinds  # fmt: skip
    paper_id = str(trail[0].pk)
    votes = [(r[3], r[4], r[5]) for r in rows if r[1] == "vote" and r[3] == paper_id]
    assert votes == [
        (paper_id, "second_reviewer", "Voted maybe at title and abstract"),
        (paper_id, "second_reviewer", "Changed the vote at title and abstract from maybe to exclude"),
        (paper_id, "reviewer", "Voted include at title and abstract"),
    ]  # fmt: skip
    (resolution,) = [r for r in rows if r[1] == "resolution"]
    assert (resolution[2], resolution[3], resolution[4]) == (TA, paper_id, "lead")
    assert "note=Agreed" in resolution[6] and "verdict=include" in resolution[6]
    per_paper = [r for r in rows if r[1] == "stop" and r[3]]
    assert len(per_paper) == 4 - 1  # the resolved paper stays
    assert any(r[1] == "dedup" and r[4] == "lead" and "different" in r[5] for r in rows)
    assert any(r[1] == "dedup" and r[4] == "(automatic)" for r in rows)  # the runs
    (undo,) = [r for r in rows if r[1] == "import_undo"]
    assert "extra.ris" in undo[5] and "records_removed=1" in undo[6] and undo[4] == "lead"


def test_formulas_are_written_as_text(client, review, lead, trail):
    client.force_login(lead)
    _, *rows = rows_of(client.get(reverse("reporting:audit_csv", args=[review.slug])))
    (row,) = [r for r in rows if r[1] == "settings"]
    assert row[5] == "'=cmd|' /C calc'!A0"
    assert row[6] == "note=@SUM(1)"  # starts with the key, so it is text already


def test_reviewers_and_outsiders_get_nothing(client, review, reviewer, outsider, trail):
    url = reverse("reporting:audit_csv", args=[review.slug])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 403 and b"second_reviewer" not in response.content
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 405


def test_the_exports_page_links_it_for_leads_only(client, review, lead, reviewer):
    url = reverse("reporting:exports", args=[review.slug])
    link = reverse("reporting:audit_csv", args=[review.slug])
    client.force_login(lead)
    assert link in client.get(url).content.decode()
    client.force_login(reviewer)
    assert link not in client.get(url).content.decode()
