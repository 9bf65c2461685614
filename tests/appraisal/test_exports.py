"""Downloads: appraisal table (CSV/XLSX), summary, long and wide files, robvis input,
figures (valid SVG/PNG), characteristics, extraction long and results; formula cells
neutralised in CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import AnswerInput
from tests.appraisal.conftest import appraise, extract

pytestmark = pytest.mark.django_db
EVIL = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def appraised(review, lead, reviewer, second_reviewer, study, version):
    from appraisal import services

    study.label = EVIL[0]
    study.save()
    appraise(review, study, version, reviewer, Q2="no", Q3="cant_tell")
    appraise(review, study, version, second_reviewer, Q3="cant_tell")
    q2 = version.questions.get(code="Q2")
    services.appraisal_consensus(
        review=review, study=study, version=version, user=lead,
        answers={q2.pk: AnswerInput(answer="no", method="discussion", support_text=EVIL[1])},
        comment=EVIL[3],
    )  # fmt: skip
    return study


def test_appraisal_table_csv_and_xlsx(client, lead, review, appraised, version):
    client.force_login(lead)
    rows = _csv(
        client.get(reverse("appraisal:table_download", args=[review.slug, version.pk, "csv"]))
    )
    assert rows[0] == ["study_id", "Study", *[f"Q{n}" for n in range(1, 11)], "Comments"]
    assert rows[1] == [str(appraised.pk), "'" + EVIL[0], "Yes", "No", "Can't tell", *["Yes"] * 7,
                       "'" + EVIL[3]]  # fmt: skip
    response = client.get(
        reverse("appraisal:table_download", args=[review.slug, version.pk, "xlsx"])
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Appraisal", "Summary", "Legend"]
    sheet = book["Appraisal"]
    assert sheet["A2"].value == appraised.pk and sheet["A2"].data_type == "n"
    assert sheet["B2"].value == EVIL[0] and sheet["B2"].data_type == "s"  # text, not a formula
    assert sheet["D2"].value == "No"
    summary = [tuple(r) for r in book["Summary"].iter_rows(values_only=True)]
    assert summary[0][:5] == ("Question", "Text", "Studies answered", "Yes", "Yes %")
    assert summary[2][:3] == ("Q2", version.questions.get(code="Q2").text, 1)


def test_summary_wide_long_and_robvis(client, lead, reviewer, review, appraised, version):
    client.force_login(lead)
    summary = _csv(client.get(reverse("appraisal:summary_csv", args=[review.slug, version.pk])))
    assert summary[2][3:] == ["0", "0.0", "1", "100.0", "0", "0.0", "0", "0.0"]  # Q2: one No
    wide = _csv(client.get(reverse("appraisal:wide_csv", args=[review.slug, version.pk])))
    assert wide[0][:3] == ["study_id", "study_label", "Q1"] and wide[1][4] == "Can't tell"
    robvis = _csv(client.get(reverse("appraisal:robvis_csv", args=[review.slug, version.pk])))
    assert robvis[0] == ["Study", *[f"D{n}" for n in range(1, 11)], "Weight"]
    assert robvis[1][1:4] == ["Low", "High", "Unclear"] and robvis[1][-1] == "1"  # unweighted
    long = _csv(client.get(reverse("appraisal:long_csv", args=[review.slug])))
    assert long[0] == ["study_id", "tool", "tool_version", "item_id", "item_text", "reviewer_id",
                       "answer", "support_text", "page_ref", "timestamp_utc", "is_consensus",
                       "resolution_method", "resolved_by"]  # fmt: skip
    assert len(long) == 1 + 30
    q2 = [r for r in long[1:] if r[3] == "Q2"]
    assert [(r[5], r[6], r[10], r[11], r[12]) for r in q2] == [
        ("reviewer", "No", "False", "", ""), ("second_reviewer", "Yes", "False", "", ""),
        ("", "No", "True", "discussion", "lead"),
    ]  # fmt: skip
    assert q2[2][7] == "'" + EVIL[1]


@pytest.mark.slow  # renders a figure (matplotlib): .ci/run's PostgreSQL pass
def test_figures_are_valid_svg_png_and_pdf(client, lead, review, appraised, version):
    client.force_login(lead)
    for name in ("traffic-light", "summary"):
        svg = client.get(reverse("appraisal:figure", args=[review.slug, version.pk, name, "svg"]))
        assert svg["Content-Type"] == "image/svg+xml"
        from defusedxml.ElementTree import fromstring

        root = fromstring(svg.content)
        assert root.tag.endswith("svg")
        assert b"Checklist answers, not risk-of-bias judgements." in svg.content
        png = client.get(reverse("appraisal:figure", args=[review.slug, version.pk, name, "png"]))
        assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
        pdf = client.get(reverse("appraisal:figure", args=[review.slug, version.pk, name, "pdf"]))
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert pdf["Content-Disposition"] == f'attachment; filename="{name}_{version.pk}.pdf"'
    missing = reverse("appraisal:figure", args=[review.slug, version.pk, "summary", "gif"])
    assert client.get(missing).status_code == 404


def test_extraction_exports_neutralise_formulas(
    client, lead, review, reviewer, second_reviewer, study, form
):
    version = form.versions.get()
    extract(review, study, version, reviewer, setting=EVIL[2])
    extract(review, study, version, second_reviewer, setting=EVIL[2])
    client.force_login(lead)
    rows = _csv(
        client.get(reverse("appraisal:characteristics", args=[review.slug, form.pk, "csv"]))
    )
    header = rows[0]
    assert header[:4] == ["study_id", "study_label", "report_ids", "primary_citation"]
    assert header[-4:] == ["extractor_1", "extractor_2", "consensus_by", "extraction_status"]
    row = dict(zip(header, rows[1], strict=True))
    assert row["setting"] == "'" + EVIL[2] and row["partnership"] == "HAZ"
    assert row["extractor_1"] == "reviewer" and row["extraction_status"] == "Done"
    book = load_workbook(io.BytesIO(client.get(
        reverse("appraisal:characteristics", args=[review.slug, form.pk, "xlsx"])).content))  # fmt: skip
    assert book.sheetnames == ["Studies", "Study", "Results", "Appraisal and provenance"]
    assert [c.value for c in book["Study"][2]][3] == EVIL[2]  # a string cell: exact
    long = _csv(client.get(reverse("appraisal:extraction_long_csv", args=[review.slug])))
    assert long[0][:8] == ["study_id", "report_id", "form_version", "section", "field_id",
                           "field_label", "reviewer_id", "value"]  # fmt: skip
    # One row per study x field x arm x outcome x time point (x measure: n, mean, sd).
    assert len(long) == 1 + 2 * (3 + 3) and {r[11] for r in long[1:]} == {"False"}
    assert long[0][14:] == ["outcome", "timepoint", "arm", "item", "instance", "unit"]
    table = [r for r in long[1:] if r[4] == "results"]
    assert sorted((r[6], r[14], r[15], r[16], r[17], r[7]) for r in table)[:3] == [
        (table[0][6], "smoking", "12m", "intervention", "mean", "3.2"),
        (table[0][6], "smoking", "12m", "intervention", "n", "100"),
        (table[0][6], "smoking", "12m", "intervention", "sd", "1.1"),
    ]  # fmt: skip
    assert all(r[14:] == ["", "", "", "", "", ""] for r in long[1:] if r[4] != "results")
    results = _csv(client.get(reverse("appraisal:results_csv", args=[review.slug, form.pk])))
    assert results[0][:4] == ["study_id", "outcome", "timepoint", "arm"]
    assert results[1][:5] == [str(study.pk), "smoking", "12m", "intervention", "100"]


def test_the_long_files_are_for_leads(client, reviewer, review, appraised):
    client.force_login(reviewer)
    assert client.get(reverse("appraisal:long_csv", args=[review.slug])).status_code == 403
    assert (
        client.get(reverse("appraisal:extraction_long_csv", args=[review.slug])).status_code == 403
    )


def test_characteristics_give_rob2_domain_judgements_not_answer_counts(
    client, lead, reviewer, second_reviewer, review, study, form
):
    """Walk defect: a RoB 2 row of the characteristics export summarised its answers
    ("Yes 6, Probably yes 1, ...") instead of its judgements. Now: each domain's judgement
    and the overall one, with robvis's codes and words (D1..D5, Low / Some concerns / High)."""
    from appraisal import services as appraisal_services
    from appraisal.services import JudgementInput
    from tests.appraisal.test_judgements import LOW_BUT_D2, _save

    rob2 = appraisal_services.checklist_add_builtin(review=review, user=lead, key="rob2")
    version = rob2.versions.get()
    d3 = version.domains.get(code="D3")
    for user in (reviewer, second_reviewer):
        _save(review, study, version, user, LOW_BUT_D2, submit=True,
              judgements={d3.pk: JudgementInput("some_concerns", "Attrition unclear")})  # fmt: skip
    extract(review, study, form.versions.get(), reviewer)
    extract(review, study, form.versions.get(), second_reviewer)
    client.force_login(lead)
    rows = _csv(
        client.get(reverse("appraisal:characteristics", args=[review.slug, form.pk, "csv"]))
    )
    row = dict(zip(rows[0], rows[1], strict=True))
    assert rob2.name in row["appraisal_tool"]
    assert row["appraisal_summary"] == (
        "D1 Low, D2 High, D3 Some concerns, D4 Low, D5 Low, Overall High"
    )


@pytest.mark.parametrize(
    ("title", "journal", "ending"),
    [("Partnerships in Leeds.", "BMJ", "Partnerships in Leeds. BMJ."),
     ("Do partnerships work?", "", "Do partnerships work?")],
)  # fmt: skip
def test_the_primary_citation_has_no_double_full_stop(
    client, lead, reviewer, review, study, form, imported_batch, title, journal, ending
):
    from reviews.models import Record
    from screening.models import Report

    record = imported_batch.records.order_by("ordinal").first()
    Record.objects.filter(pk=record.pk).update(title=title, journal=journal)
    Report.objects.create(review=review, record=record, study=study)
    extract(review, study, form.versions.get(), reviewer)
    client.force_login(lead)
    rows = _csv(
        client.get(reverse("appraisal:characteristics", args=[review.slug, form.pk, "csv"]))
    )
    cited = dict(zip(rows[0], rows[1], strict=True))["primary_citation"]
    assert cited.endswith(ending) and ".." not in cited and "?." not in cited
