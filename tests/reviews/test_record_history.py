"""A record's page shows its history (reviews.history.record_history): the import that
brought it in, deduplication naming it, votes and their changes, resolutions and the
automation tool. Blinding: a lead sees every event; a reviewer sees the import, the
deduplication and their own votes only, never a colleague's vote or a final verdict."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reviews import services as review_services
from reviews.history import record_history
from reviews.models import Verdict
from screening import selectors
from screening import services as screening_services
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import TA, criterion, decide, paper, screenable

pytestmark = pytest.mark.django_db


def history_html(client, user, review, record) -> str:
    client.force_login(user)
    response = client.get(reverse("reviews:record_detail", args=[review.slug, record.pk]))
    assert response.status_code == 200
    section = re.search(r'<section id="history">.*?</section>', response.content.decode(), re.S)
    assert section, "the record page has a History section"
    return section.group(0)


@pytest.fixture
def records(review, source, lead):
    return screenable(review, source, lead, 6)


@pytest.fixture
def resolved(review, records, lead, reviewer, second_reviewer):
    """The first record: reviewer includes, second_reviewer excludes (E1, a secret note),
    the lead resolves to exclude."""
    paper_record = records[0]
    decide(review, paper_record, second_reviewer, "maybe")
    # Changed while reviewer's slot is still open: the vote is still second_reviewer's own.
    decide(review, paper_record, second_reviewer, "exclude", reason=criterion(review, "E1"))
    decide(review, paper_record, reviewer, "include")
    seen = selectors.votes_token(selectors.paper_votes(paper_record, TA))
    screening_services.conflict_resolve(
        review=review, paper=paper_record, stage=TA, verdict="exclude", user=lead, seen=seen,
        reason=criterion(review, "E1"), note="Agreed on a call",
    )  # fmt: skip
    return paper_record


def test_the_lead_sees_every_vote_change_and_the_resolution(
    client, review, lead, resolved, django_assert_max_num_queries
):
    client.force_login(lead)
    url = reverse("reviews:record_detail", args=[review.slug, resolved.pk])
    with django_assert_max_num_queries(12):  # whatever the number of events
        client.get(url)
    html = history_html(client, lead, review, resolved)
    for text in ("Imported 6 records from results.ris (Medline)", "reviewer", "second_reviewer",
                 "Voted include at title and abstract", "Voted maybe at title and abstract",
                 "Changed the vote at title and abstract from maybe to exclude", "reason=E1",
                 "Conflict resolved at title and abstract: exclude (E1)", "Agreed on a call"):  # fmt: skip
        assert text in html, text
    assert html.index("Imported 6") < html.index("Voted include") < html.index("Conflict")


def test_a_reviewer_sees_their_own_votes_and_nothing_of_a_colleagues(
    client, review, reviewer, resolved
):
    html = history_html(client, reviewer, review, resolved)
    assert "Imported 6 records from results.ris (Medline)" in html
    assert "Voted include at title and abstract" in html and ">reviewer<" in html
    for hidden in ("second_reviewer", "maybe", "exclude", "E1", "Conflict", "Agreed"):
        assert hidden not in html, hidden
    client.force_login(reviewer)
    page = client.get(reverse("reviews:record_detail", args=[review.slug, resolved.pk]))
    assert "second_reviewer" not in page.content.decode()


def test_the_second_reviewer_sees_their_own_change_and_not_the_first_vote(
    client, review, second_reviewer, resolved
):
    html = history_html(client, second_reviewer, review, resolved)
    assert "Changed the vote at title and abstract from maybe to exclude" in html
    assert "Voted include" not in html and ">reviewer<" not in html and "Conflict" not in html


def test_the_automation_tool_shows_to_the_lead_only(client, review, records, lead, reviewer):
    stop = screening_services.screening_stop_early(
        review=review, stage=TA, user=lead, rule="judgement"
    )
    screening_services.screening_stop_undo(review=review, stop=stop, user=lead)
    lead_html = history_html(client, lead, review, records[2])
    assert "Excluded by the automation tool (screening stopped early)" in lead_html
    assert "Exclusion by the automation tool undone" in lead_html
    assert "automation" not in history_html(client, reviewer, review, records[2])


def test_votes_on_a_record_merged_later_show_on_its_paper(client, review, source, lead, reviewer):
    """A vote cast on a record that later becomes a duplicate stays in the history of its
    paper (the primary), marked with the record it was cast on."""
    first = import_text(review, source, lead, ris(paper(1)))
    run(review)
    early = first.records.get()
    decide(review, early, reviewer, "include")
    second = import_text(review, source, lead, ris(paper(2)), name="more.ris")
    run(review)
    later = second.records.get()
    review_services.dedup_decide(
        review=review, record=early, other=later, verdict=Verdict.SAME, user=lead
    )
    review_services.dedup_set_primary(review=review, record=later, user=lead)
    early.refresh_from_db()
    assert early.duplicate_of_id == later.pk
    entries = record_history(later, review.members.get(user=lead))
    (vote,) = [e for e in entries if e.kind == "vote"]
    assert (vote.record_id, vote.actor) == (early.pk, "reviewer")
    assert [e.summary for e in entries if e.kind == "import"] == [
        "Imported 1 records from more.ris (Medline)"  # the primary's own import
    ]
    assert [e.summary for e in entries if e.kind == "dedup"] == [
        f"Marked the same paper: records #{early.number} and #{later.number}",
        f"Chose the primary record: records #{later.number} and #{early.number}",
    ]
    html = history_html(client, lead, review, later)
    assert (
        f'Voted include at title and abstract <span class="muted">(on record #{early.number})'
        in html
    )
    mine = record_history(later, review.members.get(user=reviewer))
    assert [e.record_id for e in mine if e.kind == "vote"] == [early.pk]  # their own
    theirs = record_history(later, review.members.get(user__username="second_reviewer"))
    assert not [e for e in theirs if e.kind == "vote"]


def test_history_text_is_escaped(client, review, source, lead):
    batch = import_text(
        review, source, lead, ris(paper(1)), name="<img src=x onerror=alert(1)>.ris"
    )
    run(review)
    html = history_html(client, lead, review, batch.records.get())
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.ris" in html


def test_an_app_registers_how_the_detail_of_its_kinds_reads(monkeypatch):
    from reviews import history

    monkeypatch.setattr(history, "_DETAIL_TEXTS", dict(history._DETAIL_TEXTS))

    def mine(detail):
        return f"Colour: {detail['colour']}" if "colour" in detail else None

    history.register_detail_text("paint", mine)
    history.register_detail_text("paint", mine)  # again (a module imported twice): the same
    assert history.detail_text({"colour": "red", "id": 3}, "paint") == "Colour: red"
    # A detail the formatter does not know, or another kind: the plain text.
    assert history.detail_text({"size": 2}, "paint") == "size=2"
    assert history.detail_text({"colour": "red", "id": 3}, "import") == "colour=red; id=3"
    with pytest.raises(ValueError, match="'paint' events already have a detail formatter"):
        history.register_detail_text("paint", lambda detail: "")
