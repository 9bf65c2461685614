"""Record exports with decisions (CSV, XLSX, RIS), the included studies, the screening log:
who sees whose votes, formula cells, and the RIS read back by Sift's own importer."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from lib.imports import open_export
from screening import services as screening_services
from screening.models import Retrieval, Stage
from tests.screening.conftest import criterion, decide, screenable

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def screened(review, source, lead, reviewer, second_reviewer):
    """Four records: one included at both stages, one excluded (E1) at title/abstract, one
    where a reviewer changed their mind, one conflict the lead resolved (exclude, E1); the
    first record's title is a formula."""
    from screening import selectors

    records = screenable(review, source, lead, 4)
    records[0].title = '=HYPERLINK("http://evil.example","click")'
    records[0].save()
    e1 = criterion(review, "E1")
    for user in (reviewer, second_reviewer):
        decide(review, records[0], user, "include")
        decide(review, records[1], user, "exclude", reason=e1)
    # A change, for the log: made while the other slot is open (then votes are fixed).
    decide(review, records[2], second_reviewer, "exclude", reason=e1)
    decide(review, records[2], second_reviewer, "include")
    decide(review, records[2], reviewer, "include")
    decide(review, records[3], reviewer, "include")
    decide(review, records[3], second_reviewer, "exclude", reason=e1)
    screening_services.conflict_resolve(
        review=review,
        paper=records[3],
        stage=TA,
        user=lead,
        verdict="exclude",
        reason=e1,
        note="Agreed after discussion",
        seen=selectors.votes_token(selectors.paper_votes(records[3], TA)),
    )
    report = review.reports.get(record=records[0])
    screening_services.report_set_retrieval(review=review, report=report,
                                            retrieval=Retrieval.RETRIEVED, user=lead,
                                            link="https://example.org/a")  # fmt: skip
    for user in (reviewer, second_reviewer):
        screening_services.decision_record(review=review, record=records[0], reviewer=user,
                                           stage=FT, verdict="include", advance=False)  # fmt: skip
    return records


def rows_of(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_lead_export_has_every_vote_and_the_final_verdicts(client, review, screened, lead):
    client.force_login(lead)
    rows = rows_of(client.get(reverse("reporting:records_export", args=[review.slug, "csv"])))
    assert len(rows) == 4
    first, second, third, fourth = rows
    assert fourth["ta_final"] == "excluded" and fourth["ta_final_reason"].startswith("E1 ")
    assert first["title"].startswith("'=HYPERLINK")  # a formula is written as text
    assert first["ta_reviewer_vote"] == "include" and first["ta_second_reviewer_vote"] == "include"
    assert first["ta_final"] == "included" and first["ft_final"] == "included"
    assert first["study"] and first["retrieval"] == "Retrieved"
    assert second["ta_final"] == "excluded" and second["ta_final_reason"].startswith("E1 ")
    assert third["ta_second_reviewer_vote"] == "include"  # the newest vote
    assert third["ta_final"] == "included"


def test_a_reviewer_gets_only_their_own_votes(client, review, screened, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("reporting:records_export", args=[review.slug, "csv"]))
    rows = rows_of(response)
    header = list(rows[0])
    assert "ta_reviewer_vote" in header
    assert not [h for h in header if "second_reviewer" in h or "final" in h]
    ris = client.get(reverse("reporting:records_export", args=[review.slug, "ris"])).content
    assert b"second_reviewer" not in ris and b"->" not in ris
    assert (
        client.get(
            reverse("reporting:records_export", args=[review.slug, "csv"]) + "?included=1"
        ).status_code
        == 403
    )
    assert client.get(reverse("reporting:screening_log", args=[review.slug])).status_code == 403


def test_outsiders_get_nothing(client, review, screened, outsider):
    client.force_login(outsider)
    for fmt in ("csv", "xlsx", "ris"):
        assert (
            client.get(reverse("reporting:records_export", args=[review.slug, fmt])).status_code
            == 404
        )
    assert client.get(reverse("reporting:exports", args=[review.slug])).status_code == 404


def test_xlsx_cells_are_typed_and_formulas_are_plain_text(client, review, screened, lead):
    """A string cell is never evaluated: the title is stored exactly (no apostrophe) as text;
    ids and years are numbers."""
    from openpyxl import load_workbook

    client.force_login(lead)
    body = client.get(reverse("reporting:records_export", args=[review.slug, "xlsx"])).content
    sheet = load_workbook(io.BytesIO(body)).active
    first = [cell for cell in sheet[2]]
    assert first[5].value == '=HYPERLINK("http://evil.example","click")'
    assert first[5].data_type == "s"
    assert isinstance(first[0].value, int) and first[0].value == screened[0].pk
    assert first[7].value == screened[0].year and first[7].data_type == "n"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_ris_reads_back_with_decisions_in_the_notes(client, review, screened, lead, tmp_path):
    client.force_login(lead)
    body = client.get(reverse("reporting:records_export", args=[review.slug, "ris"])).content
    path = tmp_path / "export.ris"
    path.write_bytes(body)
    with open_export(path, filename="export.ris") as reader:
        parsed = list(reader)
    assert len(parsed) == 4
    notes = ["\n".join(p.raw_fields.get("N1", [])) for p in parsed]
    assert "Title and abstract: reviewer: include; second_reviewer: include -> included" in notes[0]
    assert "Full text:" in notes[0] and "Study:" in notes[0]
    assert "-> excluded, reason E1 " in notes[1]
    # Included studies only: the one record included at full text.
    body = client.get(
        reverse("reporting:records_export", args=[review.slug, "ris"]) + "?included=1"
    ).content
    assert body.count(b"ER  -") == 1


def test_screening_log_has_every_vote_change_and_resolution(client, review, screened, lead):
    client.force_login(lead)
    rows = rows_of(client.get(reverse("reporting:screening_log", args=[review.slug])))
    kinds = [r["event"] for r in rows]
    assert kinds.count("vote") == 8 + 2  # title/abstract 8, full text 2
    resolved = next(r for r in rows if r["event"] == "conflict resolved")
    assert (resolved["who"], resolved["to"], resolved["note"]) == (
        "lead",
        "exclude",
        "Agreed after discussion",
    )
    numbers = {r.pk: r.number for r in screened}
    assert resolved["record_number"] == str(numbers[int(resolved["record_id"])])
    assert kinds.count("changed") == 1
    changed = next(r for r in rows if r["event"] == "changed")
    assert (changed["from"], changed["to"], changed["who"]) == (
        "exclude",
        "include",
        "second_reviewer",
    )
    assert [r["at_utc"] for r in rows] == sorted(r["at_utc"] for r in rows)
    # A form spreadsheets read as a date-time (LibreOffice, pandas), in UTC as the header says.
    import re

    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["at_utc"]) for r in rows)
