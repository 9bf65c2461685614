"""Study weights for robvis's weighted summary plot: a lead enters them on the overview
(with what they are), the summary figure and robvis.csv use them when every study in the
table has one, and say which weighting they show; a bad weight saves nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from appraisal import selectors, services
from appraisal.models import AppraisalSettings, StudyWeight
from reviews.models import AuditEvent
from tests.appraisal.test_judgements import LOW_BUT_D2, _save

pytestmark = pytest.mark.django_db


@pytest.fixture
def rob2(review, lead):
    return services.checklist_add_builtin(review=review, user=lead, key="rob2").versions.get()


@pytest.fixture
def judged(review, reviewer, second_reviewer, studies, rob2):
    """Two studies with final RoB 2 judgements (both reviewers agree)."""
    for study in studies[:2]:
        _save(review, study, rob2, reviewer, submit=True)
        _save(review, study, rob2, second_reviewer, submit=True)
    return studies[:2]


def _weights_post(client, review, basis, **weights):
    data = {"basis": basis, **{f"weight-{pk}": w for pk, w in weights.items()}}
    return client.post(reverse("appraisal:study_weights", args=[review.slug]), data)


def _robvis(client, review, version) -> list[list[str]]:
    response = client.get(reverse("appraisal:robvis_csv", args=[review.slug, version.pk]))
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _summary_svg(client, review, version) -> str:
    url = reverse("appraisal:figure", args=[review.slug, version.pk, "summary", "svg"])
    return client.get(url).content.decode()


def test_a_lead_enters_weights_on_the_overview_and_the_summary_is_weighted(
    client, review, lead, reviewer, judged, rob2
):
    first, second = judged
    client.force_login(lead)
    page = client.get(reverse("appraisal:overview", args=[review.slug])).content.decode()
    assert f'name="weight-{first.pk}" form="study-weights"' in page and 'id="study-weights"' in page
    # Unweighted until every study in the table has a weight.
    assert "Unweighted: each study counts equally" in _summary_svg(client, review, rob2)
    assert [row[-1] for row in _robvis(client, review, rob2)] == ["Weight", "1", "1"]

    response = _weights_post(client, review, "sample size", **{str(first.pk): "120",
                                                                str(second.pk): ""})  # fmt: skip
    assert response.status_code == 302
    assert dict(StudyWeight.objects.values_list("study_id", "weight")) == {first.pk: 120.0}
    table = client.get(reverse("appraisal:table", args=[review.slug, rob2.pk])).content.decode()
    assert "Unweighted: each study counts equally (1 of 2 studies have no weight)" in table
    assert [row[-1] for row in _robvis(client, review, rob2)] == ["Weight", "1", "1"]

    _weights_post(client, review, "sample size", **{str(first.pk): "120", str(second.pk): "40"})
    assert AppraisalSettings.objects.get(review=review).weight_basis == "sample size"
    assert "Weighted by sample size" in _summary_svg(client, review, rob2)
    robvis = _robvis(client, review, rob2)
    assert robvis[0] == ["Study", "D1", "D2", "D3", "D4", "D5", "Overall", "Weight"]
    assert [(r[0], float(r[-1])) for r in robvis[1:]] == [(first.label, 120.0),
                                                         (second.label, 40.0)]  # fmt: skip
    # The members' table page says so too.
    client.force_login(reviewer)
    table = client.get(reverse("appraisal:table", args=[review.slug, rob2.pk])).content.decode()
    assert "Summary plot: Weighted by sample size." in table
    pdf_url = reverse("appraisal:figure", args=[review.slug, rob2.pk, "summary", "pdf"])
    assert f'href="{pdf_url}?download=1">PDF</a>' in table
    pdf = client.get(reverse("appraisal:figure", args=[review.slug, rob2.pk, "summary", "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_weights_are_history_and_a_no_change_writes_nothing(client, review, lead, judged):
    first, second = judged
    client.force_login(lead)
    _weights_post(client, review, "meta-analysis weight (%)", **{str(first.pk): "62.5"})
    _weights_post(client, review, "meta-analysis weight (%)", **{str(first.pk): "62.5"})
    _weights_post(client, review, "meta-analysis weight (%)", **{str(first.pk): ""})
    events = list(AuditEvent.objects.filter(detail__action="study_weights").order_by("pk"))
    assert [e.summary for e in events] == [
        f"Study weights: weight basis none -> meta-analysis weight (%); {first.label} none -> 62.5",
        f"Study weights: {first.label} 62.5 -> none",
    ]
    assert selectors.history_lines(events[1].detail) == [f"{first.label} weight: 62.5 -> (empty)"]
    assert not StudyWeight.objects.exists()


@pytest.mark.parametrize("bad", ["-3", "abc", "nan", "inf", "1,5", "1e13"])
def test_a_bad_weight_saves_nothing_and_names_the_study(client, review, lead, judged, bad):
    first, second = judged
    client.force_login(lead)
    response = _weights_post(client, review, "sample size",
                             **{str(first.pk): "10", str(second.pk): bad})  # fmt: skip
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert second.label in page and "Nothing was saved" in page
    assert not StudyWeight.objects.exists()
    assert AppraisalSettings.objects.get(review=review).weight_basis == ""
    assert not AuditEvent.objects.filter(detail__action="study_weights").exists()


def test_weights_that_add_up_to_zero_leave_the_summary_unweighted(client, review, lead, judged,
                                                                  rob2):  # fmt: skip
    client.force_login(lead)
    _weights_post(client, review, "sample size", **{str(s.pk): "0" for s in judged})
    weighting = selectors.summary_weighting(review, judged)
    assert weighting.weights is None and "add up to 0" in weighting.label
    assert "Unweighted" in _summary_svg(client, review, rob2)


def test_a_reviewer_cannot_set_weights(client, review, reviewer, judged):
    client.force_login(reviewer)
    response = _weights_post(client, review, "x", **{str(judged[0].pk): "3"})
    assert response.status_code in (403, 404) and not StudyWeight.objects.exists()
    page = client.get(reverse("appraisal:overview", args=[review.slug])).content.decode()
    assert 'id="study-weights"' not in page


def test_the_summary_figure_counts_a_study_by_its_weight(review, lead, studies, rob2,
                                                         reviewer, second_reviewer):  # fmt: skip
    """The selector feeds the figure the weights in the table's study order."""
    from lib.appraisal import figures

    high_d1 = LOW_BUT_D2 | {"1.2": "no"}
    _save(review, studies[0], rob2, reviewer, submit=True)
    _save(review, studies[0], rob2, second_reviewer, submit=True)
    _save(review, studies[1], rob2, reviewer, codes=high_d1, submit=True)
    _save(review, studies[1], rob2, second_reviewer, codes=high_d1, submit=True)
    services.study_weights_set(review=review, user=lead, basis="sample size",
                               weights={studies[0]: 300.0, studies[1]: 100.0})  # fmt: skip
    data = selectors.appraisal_table(review, rob2)
    weighting = selectors.summary_weighting(review, data.studies)
    labels, table = figures.rob_summary_table([(d.code, d.name) for d in data.domains],
                                              data.judgements, data.overall_judgements)  # fmt: skip
    bars = figures.shares(table, len(labels), weighting.weights)
    assert bars[0] == {"low": 0.75, "high": 0.25}  # D1: 300 of 400 low
    assert bars[-1] == {"high": 1.0}  # overall: both high (D2)
