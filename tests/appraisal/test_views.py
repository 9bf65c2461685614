"""Appraisal and extraction pages: blinding, htmx fragments, consensus, settings, versions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisal import selectors
from appraisal.models import Answer, Appraisal, Checklist, Extraction, Mode, StudyDesign, Value
from tests.appraisal.conftest import appraise, extract

pytestmark = pytest.mark.django_db


def _appraise_url(review, study, version, page="appraise"):
    return reverse(f"appraisal:{page}", args=[review.slug, study.pk, version.pk])


def _post_answers(version, **overrides) -> dict:
    data = {"comment": "Clear aims.", "action": "submit"}
    for q in version.questions.all():
        data[f"answer-{q.pk}"] = overrides.get(q.code, "yes")
        data[f"support-{q.pk}"] = f"Support {q.code}"
        data[f"page-{q.pk}"] = "p. 2"
    return data


def test_a_reviewer_submits_their_appraisal(client, review, reviewer, study, version):
    client.force_login(reviewer)
    response = client.post(_appraise_url(review, study, version), _post_answers(version, Q2="no"))
    assert response.status_code == 302
    mine = Appraisal.objects.get(reviewer=reviewer)
    assert mine.submitted_at and mine.comment == "Clear aims."
    assert mine.answers.get(question__code="Q2").answer == "no"
    assert mine.answers.get(question__code="Q2").page_ref == "p. 2"


def test_htmx_save_renders_the_fragment_and_an_invalid_submit_keeps_the_input(
    client, review, reviewer, study, version
):
    client.force_login(reviewer)
    data = _post_answers(version)
    q1 = version.questions.get(code="Q1")
    del data[f"answer-{q1.pk}"]
    response = client.post(
        _appraise_url(review, study, version), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="appraisal-form">') and "<html" not in body
    assert "Answer every question" in body and "Support Q2" in body
    # A refused submit loses nothing typed: the answers are kept as the reviewer's draft.
    assert "saved as your draft" in body
    draft = Appraisal.objects.get(reviewer=reviewer)
    assert draft.submitted_at is None
    assert draft.answers.get(question__code="Q2").support_text == "Support Q2"
    assert Answer.objects.filter(appraisal=draft).exclude(answer="").count() == 9
    data["action"] = "save"
    response = client.post(
        _appraise_url(review, study, version), data, headers={"HX-Request": "true"}
    )
    assert "Saved." in response.content.decode()
    assert Appraisal.objects.get().submitted_at is None
    assert Answer.objects.get(question=q1).answer == "" and Answer.objects.count() == 10


def test_blinding_a_reviewer_sees_only_their_own_answers_until_both_are_done(
    client, review, reviewer, second_reviewer, study, version
):
    appraise(review, study, version, second_reviewer, Q7="cant_tell")
    # Not even that the other has started: the overview says "to do".
    assert (
        selectors.appraisal_overview(review, reviewer, False)[0].cells[0].state == selectors.TO_DO
    )
    client.force_login(reviewer)
    page = client.get(_appraise_url(review, study, version)).content.decode()
    assert "by second_reviewer" not in page and "on Q7" not in page
    assert 'value="cant_tell" checked' not in page
    assert client.get(_appraise_url(review, study, version, "consensus")).status_code == 403
    appraise(review, study, version, reviewer, submit=False)
    assert client.get(_appraise_url(review, study, version, "consensus")).status_code == 403
    appraise_rows = selectors.appraisal_overview(review, reviewer, False)
    assert appraise_rows[0].cells[0].state == selectors.IN_PROGRESS  # not "differences"
    Appraisal.objects.filter(reviewer=reviewer).delete()
    appraise(review, study, version, reviewer)
    page = client.get(_appraise_url(review, study, version, "consensus")).content.decode()
    assert "second_reviewer" in page and "1 difference" in page


def test_the_lead_sees_both_at_any_time(client, review, lead, reviewer, study, version):
    appraise(review, study, version, reviewer, submit=False)
    client.force_login(lead)
    page = client.get(_appraise_url(review, study, version, "consensus")).content.decode()
    assert "reviewer (draft)" in page


def test_the_pair_records_the_consensus(client, review, reviewer, second_reviewer, study, version):
    appraise(review, study, version, reviewer, Q2="no")
    appraise(review, study, version, second_reviewer)
    q2 = version.questions.get(code="Q2")
    client.force_login(second_reviewer)
    url = _appraise_url(review, study, version, "consensus")
    data = {f"answer-{q.pk}": "yes" for q in version.questions.all()}
    data[f"answer-{q2.pk}"] = "no"
    response = client.post(url, data)
    assert response.status_code == 200 and "say how" in response.content.decode()
    assert not Appraisal.objects.filter(is_consensus=True).exists()
    data[f"method-{q2.pk}"] = "discussion"
    assert client.post(url, data).status_code == 302
    answer = Answer.objects.get(appraisal__is_consensus=True, question=q2)
    assert (answer.answer, answer.method, answer.appraisal.reviewer) == (
        "no",
        "discussion",
        second_reviewer,
    )
    table = client.get(reverse("appraisal:table", args=[review.slug, version.pk])).content.decode()
    assert "Author0 2000" in table and "ans-no" in table


def test_a_lead_sets_design_and_settings(client, review, lead, studies, qualitative, quantitative):
    client.force_login(lead)
    url = reverse("appraisal:study_design", args=[review.slug, studies[1].pk])
    client.post(url, {"design": "mixed"})
    assert StudyDesign.objects.get(study=studies[1]).design == "mixed"
    client.post(url, {"design": "quantitative", "checklists": [qualitative.pk]})
    assert list(studies[1].chosen_checklists.values_list("checklist_id", flat=True)) == [
        qualitative.pk
    ]
    response = client.post(reverse("appraisal:settings", args=[review.slug]), {
        "appraisal_mode": Mode.SINGLE_PLUS_CHECK, "extraction_mode": Mode.DUAL,
        "qualitative_checklist": quantitative.pk, "quantitative_checklist": "",
    })  # fmt: skip
    assert response.status_code == 302
    settings = selectors.appraisal_settings(review)
    assert settings.appraisal_mode == Mode.SINGLE_PLUS_CHECK
    assert (
        settings.qualitative_checklist == quantitative and settings.quantitative_checklist is None
    )


def test_a_lead_creates_and_edits_a_checklist(
    client, review, lead, reviewer, study, version, qualitative
):
    client.force_login(lead)
    response = client.post(reverse("appraisal:checklist_create", args=[review.slug]),
                           {"builtin": "jbi_qualitative"})  # fmt: skip
    jbi = Checklist.objects.get(builtin="jbi_qualitative")
    assert response.status_code == 302 and jbi.versions.get().questions.count() == 10
    response = client.post(reverse("appraisal:checklist_create", args=[review.slug]), {
        "name": "Mine", "definition": "## A\nQ1 | Aims? | | Yes, No\nQ2 | Value? | | text",
        "overall_rule": "Exclude if Q1 = No\nInclude otherwise",
    })  # fmt: skip
    mine = Checklist.objects.get(name="Mine")
    assert list(mine.versions.get().questions.values_list("section", "code", "options")) == [
        ("A", "Q1", ["yes", "no"]), ("A", "Q2", []),
    ]  # fmt: skip
    appraise(review, study, version, reviewer, submit=False)
    url = reverse("appraisal:checklist", args=[review.slug, qualitative.pk])
    assert "has answers" in client.get(url).content.decode()
    client.post(url, {"name": qualitative.name, "definition": "Q1 | Only one question now"})
    assert list(qualitative.versions.values_list("number", flat=True)) == [1, 2]
    assert version.questions.count() == 10 and Answer.objects.count() == 10
    bad = client.post(url, {"name": "x", "definition": "Q1 | a | | Maybe"})
    assert bad.status_code == 200 and "answers are Yes" in bad.content.decode()


def test_extraction_dual_then_consensus_field_by_field(
    client, review, lead, reviewer, second_reviewer, study, form
):
    version = form.versions.get()
    client.force_login(reviewer)
    url = reverse("appraisal:extract", args=[review.slug, study.pk, version.pk])
    fields = {f.code: f for f in version.fields.all()}
    data = {f"value-{fields['partnership'].pk}": "HAZ", f"value-{fields['setting'].pk}": "Urban",
            f"value-{fields['health'].pk}": "yes",
            f"value-{fields['results'].pk}": "smoking | 12m | intervention | 100 | 3.2 | 1.1",
            "action": "submit"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    mine = Extraction.objects.get(reviewer=reviewer)
    assert Value.objects.get(extraction=mine, field=fields["results"]).value == [
        {
            "outcome": "smoking",
            "timepoint": "12m",
            "arm": "intervention",
            "n": 100,
            "mean": 3.2,
            "sd": 1.1,
        }
    ]
    extract(review, study, version, second_reviewer, setting="Rural")
    consensus_url = reverse(
        "appraisal:extraction_consensus", args=[review.slug, study.pk, version.pk]
    )
    page = client.get(consensus_url).content.decode()
    assert "1 difference" in page and "Rural" in page
    response = client.post(consensus_url, {f"value-{fields['setting'].pk}": "Urban and rural",
                                           f"method-{fields['setting'].pk}": "discussion",
                                           f"note-{fields['setting'].pk}": "Both areas"})  # fmt: skip
    assert response.status_code == 302
    agreed = {v.field.code: (v.value, v.method) for v in
              Value.objects.filter(extraction__is_consensus=True).select_related("field")}  # fmt: skip
    assert agreed["setting"] == ("Urban and rural", "discussion")
    assert agreed["partnership"] == ("HAZ", "agreed")


def test_extraction_form_versions(client, review, lead, reviewer, study, form):
    version = form.versions.get()
    extract(review, study, version, reviewer, submit=False)
    client.force_login(lead)
    url = reverse("appraisal:extraction_form", args=[review.slug, form.pk])
    client.post(url, {"name": form.name, "definition": "setting | Setting | short_text"})
    assert list(form.versions.values_list("number", flat=True)) == [1, 2]
    assert Value.objects.filter(field__version=version).count() == 4
