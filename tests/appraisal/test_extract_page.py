"""The extraction page: the study's PDF beside the form, drafts saved as the reviewer goes."""

from __future__ import annotations

from django.urls import reverse

from appraisal.models import Extraction, Value
from tests.appraisal import test_judgement_views

study_with_pdf = test_judgement_views.study_with_pdf  # an included study with its PDF


def _url(review, study, version):
    return reverse("appraisal:extract", args=[review.slug, study.pk, version.pk])


def test_the_extraction_page_shows_the_pdf_beside_the_form(
    client,
    review,
    reviewer,
    study_with_pdf,
    form,
):
    version = form.versions.get()
    report = review.reports.get()
    client.force_login(reviewer)
    page = client.get(_url(review, study_with_pdf, version)).content.decode()
    assert "consensus-layout with-pdf" in page and "<iframe" in page
    assert reverse("screening:report_pdf", args=[review.slug, report.pk]) in page
    # The form autosaves each change (htmx, a status line only) and says so.
    assert 'hx-trigger="change from:#extraction-values' in page and "autosave" in page


def test_a_study_without_a_pdf_has_no_viewer(client, review, reviewer, study, form):
    client.force_login(reviewer)
    page = client.get(_url(review, study, form.versions.get())).content.decode()
    assert "<iframe" not in page and "with-pdf" not in page


def test_an_autosave_stores_the_draft_and_answers_with_the_status_line_only(
    client, review, reviewer, study, form
):
    version = form.versions.get()
    setting = version.fields.get(code="setting")
    client.force_login(reviewer)
    response = client.post(
        _url(review, study, version),
        {"action": "autosave", f"value-{setting.pk}": "Rural", f"location-{setting.pk}": "p. 2"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<p id="autosave-status"') and "Draft saved" in body
    assert "<form" not in body  # the form the reviewer is typing in is not replaced
    mine = Extraction.objects.get(reviewer=reviewer)
    assert mine.submitted_at is None
    assert Value.objects.get(extraction=mine, field=setting).value == "Rural"
    # A second change updates the same draft.
    client.post(_url(review, study, version), {"action": "autosave", f"value-{setting.pk}": "Urban"},
                headers={"HX-Request": "true"})  # fmt: skip
    assert Extraction.objects.count() == 1
    assert Value.objects.get(extraction=mine, field=setting).value == "Urban"


def test_an_autosave_after_submitting_is_refused_and_says_so(client, review, reviewer, study, form):
    from tests.appraisal.conftest import extract

    version = form.versions.get()
    extract(review, study, version, reviewer)
    setting = version.fields.get(code="setting")
    client.force_login(reviewer)
    response = client.post(_url(review, study, version),
                           {"action": "autosave", f"value-{setting.pk}": "Rural"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert "Not saved" in response.content.decode()
    assert Value.objects.get(extraction__reviewer=reviewer, field=setting).value == "Urban"


def test_the_extraction_consensus_shows_both_values_keys_to_pick_and_the_pdf(
    client, review, reviewer, second_reviewer, study_with_pdf, form
):
    from tests.appraisal.conftest import extract

    version = form.versions.get()
    study = study_with_pdf
    extract(review, study, version, reviewer)
    extract(review, study, version, second_reviewer, setting="Rural")
    setting = version.fields.get(code="setting")
    client.force_login(reviewer)
    url = reverse("appraisal:extraction_consensus", args=[review.slug, study.pk, version.pk])
    page = client.get(url).content.decode()
    report = review.reports.get()
    assert "consensus-layout with-pdf" in page and "<iframe" in page
    assert reverse("screening:report_pdf", args=[review.slug, report.pk]) in page
    row = page.split('id="field-setting"')[1].split("</tr>")[0]
    assert "pick-row" in page.split('id="field-setting"')[0].rsplit("<tr", 1)[1]
    # Both values side by side, each with a button (key 1 / 2) filling the agreed box.
    assert f'data-pick="1" data-name="value-{setting.pk}" data-value="Urban"' in row
    assert f'data-pick="2" data-name="value-{setting.pk}" data-value="Rural"' in row
    # Fields without a difference have nothing to pick.
    health = page.split('id="field-health"')[1].split("</tr>")[0]
    assert "data-pick" not in health


def _grid(field, *rows):
    """POST data for an outcome grid: one list per column, one cell per row."""
    data = {f"cells-{field.pk}": "1"}
    for i, _column in enumerate(field.options):
        data[f"cell-{field.pk}-{i}"] = [row[i] if i < len(row) else "" for row in rows]
    return data


def test_outcome_data_is_entered_as_a_table_per_arm_and_kept_as_numbers(
    client, review, reviewer, study, form
):
    version = form.versions.get()
    results = version.fields.get(code="results")  # outcome; timepoint; arm; n; mean; sd
    client.force_login(reviewer)
    page = client.get(_url(review, study, version)).content.decode()
    assert 'class="table builder-rows outcome-grid"' in page and f"cell-{results.pk}-3" in page
    data = _grid(
        results,
        ["smoking", "12m", "intervention", "100", "3.2", "1.1"],
        ["smoking", "12m", "control", "98", "3.9", "1.4"],
        ["", "", "", "", "", ""],
    )
    data["action"] = "save"  # fmt: skip
    assert client.post(_url(review, study, version), data).status_code == 302
    stored = Value.objects.get(extraction__reviewer=reviewer, field=results).value
    assert stored == [
        {"outcome": "smoking", "timepoint": "12m", "arm": "intervention", "n": 100, "mean": 3.2, "sd": 1.1},
        {"outcome": "smoking", "timepoint": "12m", "arm": "control", "n": 98, "mean": 3.9, "sd": 1.4},
    ]  # fmt: skip
    page = client.get(_url(review, study, version)).content.decode()
    assert 'value="control"' in page and 'value="98"' in page and 'value="3.9"' in page


def test_an_impossible_row_is_refused_with_its_name_and_the_typed_table_stays(
    client, review, reviewer, study, form
):
    version = form.versions.get()
    results = version.fields.get(code="results")
    client.force_login(reviewer)
    data = _grid(results, ["smoking", "12m", "intervention", "100", "3.2", "1.1"],
                 ["smoking", "12m", "control", "98", "3.9", "-1.4"])  # fmt: skip
    data["action"] = "save"
    response = client.post(_url(review, study, version), data, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Outcomes by arm: Row 2 (control): SD cannot be negative (-1.4)." in body
    assert 'value="-1.4"' in body  # what was typed is shown again to correct
    assert not Value.objects.filter(field=results).exists()  # no partial data
