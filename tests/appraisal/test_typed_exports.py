"""Appraisal and extraction exports keep values (issue #17), read back as R and pandas users
read them: numbers as numbers (`-0.35` was `'-0.35`, text to R), dates as dates, "Not
applicable" in words (`NA` is missing to pandas and R), times in a form spreadsheets
recognise, two studies both "Lambert 2003" told apart as 2003a / 2003b with their ids."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appraisal import services
from appraisal.models import Design
from screening.models import Study
from tests.appraisal.conftest import appraise, extract

pytestmark = pytest.mark.django_db

FORM = """## Study
setting | Setting | short_text
n_total | Participants | number
effect | Effect size (SMD) | number
start | Start of the study | date
## Results
results | Outcomes | table
"""
ARM = "smoking | 12m | intervention | 100 | 3 | 3.2 | 1.1 | SMD | -0.35 | -0.62 | -0.08 | 0.01"


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def lamberts(review, lead):
    """Two studies both labelled "Lambert 2003", as the seed review has."""
    return [Study.objects.create(review=review, label="Lambert 2003") for _ in range(2)]


@pytest.fixture
def extracted(review, lead, reviewer, second_reviewer, lamberts):
    form = services.form_create(review=review, user=lead, name="Characteristics", definition=FORM)
    version = form.versions.get()
    for study in lamberts:
        for user in (reviewer, second_reviewer):
            extract(review, study, version, user, setting="-Hyphen-leading", n_total="120",
                    effect="-0.35", start="2003-05-01", results=ARM)  # fmt: skip
    return form


@pytest.fixture
def appraised(review, lead, reviewer, second_reviewer, lamberts, qualitative):
    version = qualitative.versions.get()
    for study in lamberts:
        services.study_design_set(review=review, user=lead, study=study, design=Design.QUALITATIVE)
        for user in (reviewer, second_reviewer):
            appraise(review, study, version, user, Q3="na")
    return version


def test_characteristics_csv_numbers_are_numbers_and_labels_are_told_apart(
    client, lead, review, extracted, lamberts
):
    client.force_login(lead)
    url = reverse("appraisal:characteristics", args=[review.slug, extracted.pk, "csv"])
    frame = pd.read_csv(io.BytesIO(_body(client.get(url))))
    assert frame["effect"].dtype.kind == "f" and list(frame["effect"]) == [-0.35, -0.35]
    assert list(frame["n_total"]) == [120, 120]
    assert list(frame["start"]) == ["2003-05-01", "2003-05-01"]
    assert list(frame["study_id"]) == [s.pk for s in lamberts]
    assert list(frame["study_label"]) == ["Lambert 2003a", "Lambert 2003b"]


def test_characteristics_xlsx_cells_are_typed_with_no_apostrophe(
    client, lead, review, extracted, lamberts
):
    client.force_login(lead)
    url = reverse("appraisal:characteristics", args=[review.slug, extracted.pk, "xlsx"])
    book = load_workbook(io.BytesIO(_body(client.get(url))))
    sheet = book["Study"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c for c in sheet[2]], strict=True))
    assert row["effect"].value == -0.35 and row["effect"].data_type == "n"
    assert row["n_total"].value == 120
    assert row["start"].value == dt.datetime(2003, 5, 1) and row["start"].is_date
    assert row["setting"].value == "-Hyphen-leading" and row["setting"].data_type == "s"
    assert row["study_label"].value == "Lambert 2003a" and row["study_id"].value == lamberts[0].pk
    for ws in book:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    frame = pd.read_excel(io.BytesIO(_body(client.get(url))), sheet_name="Study")
    assert list(frame["effect"]) == [-0.35, -0.35]


def test_results_long_reads_into_pandas_as_numbers(client, lead, review, extracted):
    client.force_login(lead)
    url = reverse("appraisal:results_csv", args=[review.slug, extracted.pk])
    frame = pd.read_csv(io.BytesIO(_body(client.get(url))))
    assert list(frame["estimate"]) == [-0.35, -0.35] and frame["estimate"].dtype.kind == "f"
    assert list(frame["ci_low"]) == [-0.62, -0.62] and list(frame["n"]) == [100, 100]
    assert frame["p"].dtype.kind == "f"


def test_extraction_long_times_are_spreadsheet_date_times(client, lead, review, extracted):
    client.force_login(lead)
    frame = pd.read_csv(io.BytesIO(_body(
        client.get(reverse("appraisal:extraction_long_csv", args=[review.slug])))))  # fmt: skip
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in frame["timestamp_utc"])
    assert "-0.35" in set(frame["value"].astype(str))  # the number, not '-0.35


def test_not_applicable_is_written_in_words_pandas_keeps_it(client, lead, review, appraised):
    client.force_login(lead)
    for name, args in (("appraisal:table_download", [appraised.pk, "csv"]),
                       ("appraisal:wide_csv", [appraised.pk])):  # fmt: skip
        frame = pd.read_csv(io.BytesIO(_body(client.get(reverse(name, args=[review.slug, *args])))))
        assert list(frame["Q3"]) == ["Not applicable", "Not applicable"], name
        assert not frame.isna().any().any(), name
    long = pd.read_csv(io.BytesIO(_body(client.get(reverse("appraisal:long_csv",
                                                           args=[review.slug])))))  # fmt: skip
    assert set(long.loc[long["item_id"] == "Q3", "answer"]) == {"Not applicable"}


def test_every_per_study_table_tells_the_two_lamberts_apart(
    client, lead, review, appraised, lamberts
):
    client.force_login(lead)
    want = ["Lambert 2003a", "Lambert 2003b"]
    table = pd.read_csv(io.BytesIO(_body(client.get(
        reverse("appraisal:table_download", args=[review.slug, appraised.pk, "csv"])))))  # fmt: skip
    assert list(table["Study"]) == want and list(table["study_id"]) == [s.pk for s in lamberts]
    wide = pd.read_csv(io.BytesIO(_body(client.get(
        reverse("appraisal:wide_csv", args=[review.slug, appraised.pk])))))  # fmt: skip
    assert list(wide["study_label"]) == want and list(wide["study_id"]) == [s.pk for s in lamberts]
    robvis = pd.read_csv(io.BytesIO(_body(client.get(
        reverse("appraisal:robvis_csv", args=[review.slug, appraised.pk])))))  # fmt: skip
    assert list(robvis["Study"]) == want
    book = load_workbook(io.BytesIO(_body(client.get(
        reverse("appraisal:table_download", args=[review.slug, appraised.pk, "xlsx"])))))  # fmt: skip
    assert [r[1] for r in book["Appraisal"].iter_rows(min_row=2, values_only=True)] == want
    figure = _body(client.get(reverse("appraisal:figure",
                                      args=[review.slug, appraised.pk, "traffic-light", "svg"])))  # fmt: skip
    assert all(label.encode() in figure for label in want)
    page = _body(client.get(reverse("appraisal:table", args=[review.slug, appraised.pk])))
    assert all(label.encode() in page for label in want)


def test_outcome_tables_for_metafor_and_revman_read_as_numbers(
    client, lead, reviewer, second_reviewer, review, study, form
):
    from tests.appraisal.conftest import extract

    version = form.versions.get()
    table = "smoking | 12m | drug | 100 | 3.2 | 1.1\nsmoking | 12m | placebo | 98 | 3.9 | 1.4"
    extract(review, study, version, reviewer, results=table)
    extract(review, study, version, second_reviewer, results=table)
    client.force_login(lead)
    url = reverse("appraisal:outcomes_csv", args=[review.slug, form.pk, "continuous"])
    frame = pd.read_csv(io.BytesIO(_body(client.get(url))))
    assert list(frame.columns) == ["study", "outcome", "timepoint", "group1", "group2",
                                   "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"]  # fmt: skip
    assert frame.shape[0] == 1 and frame["group1"][0] == "drug" and frame["group2"][0] == "placebo"
    assert frame["m1i"][0] == 3.2 and frame["sd2i"][0] == 1.4 and frame["n2i"].dtype.kind == "i"
    assert frame["study"][0] == study.label
    empty = client.get(reverse("appraisal:outcomes_csv",
                               args=[review.slug, form.pk, "dichotomous"]))  # fmt: skip
    assert pd.read_csv(io.BytesIO(_body(empty))).shape[0] == 0  # no events columns filled
    unknown = reverse("appraisal:outcomes_csv", args=[review.slug, form.pk, "other"])
    assert client.get(unknown).status_code == 404
