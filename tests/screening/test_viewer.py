"""Issue #16.1: what a reviewer may know is written down once (`screening.access.Viewer`)
and every page, selector and export asks it: own votes; records, reports and studies final
for everyone; nothing that depends on a colleague's open vote; a reviewer's export holds
their own decisions and no derived outcome columns."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from appraisal import services as appraisal_services
from appraisal.models import Design
from reviews.models import Role
from screening import selectors
from screening.access import Viewer
from screening.models import Report, Retrieval
from screening.services import decision_record, report_set_retrieval
from tests.appraisal.conftest import all_yes
from tests.screening.conftest import TA, decide, settings_of

pytestmark = pytest.mark.django_db


def _download(client, review, fmt) -> str:
    response = client.get(reverse("reporting:records_export", args=[review.slug, fmt]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.fixture
def included(review, records, lead, reviewer, second_reviewer):
    """records[0] included by both at title/abstract, its report retrieved and included by
    both at full text: a study."""
    record = records[0]
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")
    report = Report.objects.get(record=record)
    report_set_retrieval(
        review=review, report=report, retrieval=Retrieval.RETRIEVED, user=lead,
        link="https://example.org/ft",
    )  # fmt: skip
    for user in (reviewer, second_reviewer):
        decision_record(
            review=review, record=record, reviewer=user, stage="full_text", verdict="include"
        )
    report.refresh_from_db()
    assert report.study is not None
    return record


def test_a_reviewers_export_has_their_own_votes_and_no_derived_columns(
    as_user, review, included, lead, reviewer
):
    client = as_user(reviewer)
    header = next(csv.reader(io.StringIO(_download(client, review, "csv"))))
    assert "ta_reviewer_vote" in header
    for derived in ("retrieval", "study", "ta_final", "ft_final"):
        assert derived not in header, derived
    assert not [c for c in header if "second_reviewer" in c]
    ris = _download(client, review, "ris")
    assert "Study:" not in ris and "second_reviewer" not in ris
    # The lead's has them all.
    client = as_user(lead)
    header = next(csv.reader(io.StringIO(_download(client, review, "csv"))))
    assert {"retrieval", "study", "ta_final", "ta_second_reviewer_vote"} <= set(header)
    assert "N1  - Study:" in _download(client, review, "ris")


def test_a_reviewer_counts_settled_records_not_votes(
    as_user, review, records, reviewer, second_reviewer
):
    decide(review, records[1], second_reviewer, "exclude")  # open: reviewer has not voted
    settings = selectors.stage_settings(review, TA)
    mine = selectors.progress(review, Viewer(review, reviewer.pk, Role.REVIEWER), TA, settings)
    everything = selectors.progress(review, Viewer.everything(review), TA, settings)
    assert (mine.votes, mine.settled, everything.votes) == (None, 0, 1)
    page = as_user(reviewer).get(reverse("screening:overview", args=[review.slug, TA]))
    assert "votes cast" not in page.text and "0 of 6" in page.text


def test_a_report_of_a_paper_with_an_open_slot_is_hidden_from_reviewers(
    as_user, review, records, lead, reviewer, second_reviewer
):
    """One reviewer was enough when the colleague included it; then the lead asked for two.
    The paper is open again: its report goes as after a withdrawn vote (nobody worked on
    it), so neither a reviewer nor the lead lists it, and PRISMA does not count it."""
    settings_of(review, reviewers_required=1)
    decide(review, records[2], second_reviewer, "include")
    report = Report.objects.get(record=records[2])
    settings_of(review, reviewers_required=2)
    client = as_user(reviewer)
    listing = client.get(reverse("screening:reports", args=[review.slug]))
    assert records[2].title not in listing.text
    assert listing.context["counts"].sought == 0
    assert client.get(reverse("screening:report", args=[review.slug, report.pk])).status_code == 404
    assert (
        records[2].title
        not in as_user(lead).get(reverse("screening:reports", args=[review.slug])).text
    )
    assert not Report.objects.filter(record=records[2], eligible=True).exists()


def test_a_colleagues_appraisal_draft_shows_nowhere(
    as_user, review, included, lead, reviewer, second_reviewer
):
    """Side channel: a colleague's draft was "1 not final yet" and a link to the table."""
    study = Report.objects.get(record=included).study
    checklist = appraisal_services.checklist_add_builtin(
        review=review, user=lead, key="seed_qualitative"
    )
    appraisal_services.study_design_set(
        review=review, user=lead, study=study, design=Design.QUALITATIVE
    )
    version = checklist.versions.get()
    appraisal_services.appraisal_save(
        review=review, study=study, version=version, reviewer=second_reviewer,
        answers=all_yes(version), submit=False,
    )  # fmt: skip
    client = as_user(reviewer)
    overview = client.get(reverse("appraisal:overview", args=[review.slug]))
    table_url = reverse("appraisal:table", args=[review.slug, version.pk])
    assert table_url not in overview.text
    assert "not final" not in client.get(table_url).text
    lead_client = as_user(lead)
    assert table_url in lead_client.get(reverse("appraisal:overview", args=[review.slug])).text
    assert "1 not final yet" in lead_client.get(table_url).text
