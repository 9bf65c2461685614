"""Scales, domains and judgements as data: a library tool (RoB 2) copied with its domains,
scales and algorithms; the suggested domain judgement, a departure with a reason, the
overall judgement; the consensus on judgements; a custom tool with its own scale and domain;
an edit keeps answers and the algorithms."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from appraisal import selectors, services
from appraisal.models import Answer, Appraisal, Judgement
from appraisal.services import AnswerInput, JudgementInput
from lib.appraisal.checklists import BUILTIN
from lib.appraisal.library import LIBRARY

pytestmark = pytest.mark.django_db

# A trial at low risk except D2 (participants aware, deviations not balanced: high).
LOW_BUT_D2 = {
    "1.1": "yes", "1.2": "py", "1.3": "no",
    "2.1": "yes", "2.2": "yes", "2.3": "yes", "2.4": "py", "2.5": "no", "2.6": "yes",
    "2.7": "na",
    "3.1": "yes", "3.2": "na", "3.3": "na", "3.4": "na",
    "4.1": "no", "4.2": "no", "4.3": "no", "4.4": "na", "4.5": "na",
    "5.1": "yes", "5.2": "no", "5.3": "pn",
}  # fmt: skip


@pytest.fixture
def rob2(review, lead):
    return services.checklist_add_builtin(review=review, user=lead, key="rob2").versions.get()


def _answers(version, codes):
    return {q.pk: AnswerInput(answer=codes.get(q.code, ""), support_text=f"p. {q.code}")
            for q in version.questions.all()}  # fmt: skip


def _save(review, study, version, user, codes=LOW_BUT_D2, judgements=None, submit=False):
    return services.appraisal_save(
        review=review, study=study, version=version, reviewer=user,
        answers=_answers(version, codes), judgements=judgements, submit=submit,
    )  # fmt: skip


def test_the_library_ships_each_tool_with_its_source_version_and_licence():
    keys = {c.key for c in LIBRARY}
    assert {"rob2", "robins_i", "casp_qualitative", "casp_rct", "casp_cohort",
            "casp_case_control", "casp_systematic_review", "jbi_rct", "jbi_cohort",
            "jbi_case_control", "mmat_2018", "nos_cohort", "nos_case_control",
            "amstar2"} <= keys  # fmt: skip
    for tool in LIBRARY:
        assert tool.version and tool.licence and tool.version in tool.source_note, tool.key
        assert tool.wording_url and tool.wording_url in tool.source_note, tool.key
    rob2, robins = BUILTIN["rob2"], BUILTIN["robins_i"]
    assert [d.code for d in rob2.domains] == ["D1", "D2", "D3", "D4", "D5"]
    assert [len([q for q in rob2.questions if q.domain == d.code]) for d in rob2.domains] == [
        3, 7, 4, 5, 3]  # fmt: skip
    assert all(d.algorithm == f"rob2.{d.code.lower()}" for d in rob2.domains)
    assert rob2.judgements == ("low", "some_concerns", "high")
    assert [len([q for q in robins.questions if q.domain == d.code]) for d in robins.domains] == [
        8, 5, 3, 6, 5, 4, 3]  # fmt: skip
    assert robins.domains[0].judgements == ("low", "moderate", "serious", "critical", "ni")
    assert BUILTIN["nos_cohort"].questions[4].options == ("two_stars", "star", "no_star")
    assert BUILTIN["amstar2"].tool == "amstar2"


def test_a_library_tool_is_copied_with_domains_scales_and_algorithms(review, lead, rob2):
    domains = list(rob2.domains.all())
    assert [(d.code, d.algorithm) for d in domains][:2] == [("D1", "rob2.d1"), ("D2", "rob2.d2")]
    assert rob2.tool == "rob2" and rob2.judgements == ["low", "some_concerns", "high"]
    q11 = rob2.questions.get(code="1.1")
    assert q11.domain == domains[0] and q11.options == ["yes", "py", "pn", "no", "ni"]
    # Not a default for any design: RoB 2 is chosen per study.
    assert selectors.appraisal_settings(review).quantitative_checklist is None


def test_domain_judgements_are_suggested_and_a_departure_needs_a_reason(
    review, lead, reviewer, studies, rob2
):
    study = studies[0]
    entry = _save(review, study, rob2, reviewer)
    computed = selectors.entry_judgements(entry)
    assert [(j.code, j.suggested) for j in computed] == [
        ("D1", "low"), ("D2", "high"), ("D3", "low"), ("D4", "low"), ("D5", "low"),
        ("Overall", "high"),
    ]  # fmt: skip
    d1 = rob2.domains.get(code="D1")
    with pytest.raises(ValidationError, match="D1: the algorithm suggests Low; say why"):
        _save(review, study, rob2, reviewer, judgements={d1.pk: JudgementInput("high")})
    with pytest.raises(ValidationError, match="not one of its options"):
        _save(review, study, rob2, reviewer, judgements={d1.pk: JudgementInput("serious")})
    _save(review, study, rob2, reviewer, judgements={
        d1.pk: JudgementInput("some_concerns", "Envelopes not described as opaque"),
    })  # fmt: skip
    row = Judgement.objects.get(appraisal=entry, domain=d1)
    assert (row.judgement, row.reason) == ("some_concerns", "Envelopes not described as opaque")
    # Drafts keep "as suggested" blank, so a changed answer changes the suggestion.
    assert Judgement.objects.get(appraisal=entry, domain__code="D3").judgement == ""
    entry = _save(review, study, rob2, reviewer, codes=LOW_BUT_D2 | {"2.5": "yes"},
                  judgements={d1.pk: JudgementInput("some_concerns", "Envelopes")}, submit=True)  # fmt: skip
    stored = {(j.domain.code if j.domain else "Overall"): j.judgement
              for j in entry.judgements.select_related("domain")}  # fmt: skip
    assert stored == {"D1": "some_concerns", "D2": "some_concerns", "D3": "low", "D4": "low",
                      "D5": "low", "Overall": "some_concerns"}  # fmt: skip
    assert Answer.objects.filter(appraisal=entry, question__code="1.2").get().answer == "py"


def test_submitting_needs_every_judgement(review, lead, reviewer, studies, rob2):
    with pytest.raises(ValidationError, match="Answer every question"):
        _save(review, studies[0], rob2, reviewer, codes={"1.1": "yes"}, submit=True)
    assert not Appraisal.objects.exists()


def test_the_consensus_settles_differing_judgements(
    review, lead, reviewer, second_reviewer, studies, rob2
):
    study = studies[0]
    d1 = rob2.domains.get(code="D1")
    _save(review, study, rob2, reviewer, submit=True)
    _save(review, study, rob2, second_reviewer, submit=True,
          judgements={d1.pk: JudgementInput("some_concerns", "Unclear envelopes")})  # fmt: skip
    work = selectors.appraisal_work(study, rob2, selectors.appraisal_settings(review))
    assert selectors.differences(work) == []
    assert selectors.judgement_differences(work) == ["D1"]
    assert work.state == selectors.DIFFERENCES
    answers = _answers(rob2, LOW_BUT_D2)
    with pytest.raises(ValidationError, match="D1: choose the agreed judgement"):
        services.appraisal_consensus(review=review, study=study, version=rob2, user=lead,
                                     answers=answers)  # fmt: skip
    with pytest.raises(ValidationError, match="D1: say how"):
        services.appraisal_consensus(review=review, study=study, version=rob2, user=lead,
                                     answers=answers, judgements={d1.pk: JudgementInput("low")})  # fmt: skip
    consensus = services.appraisal_consensus(
        review=review, study=study, version=rob2, user=lead, answers=answers,
        judgements={d1.pk: JudgementInput("low", method="discussion")},
    )  # fmt: skip
    rows = {(j.domain.code if j.domain else "Overall"): (j.judgement, j.method)
            for j in consensus.judgements.select_related("domain")}  # fmt: skip
    assert rows["D1"] == ("low", "discussion") and rows["D2"] == ("high", "agreed")
    assert rows["Overall"] == ("high", "agreed")


def test_a_custom_tool_has_its_own_scales_domains_and_overall(review, lead, reviewer, studies):
    checklist = services.checklist_create(review=review, user=lead, name="Our RoB", definition=(
        "## D1 | Selection | Low, Some concerns, High\n"
        "S1 | Random? | | Yes, Probably yes, Probably no, No, No information\n"
        "S2 | Stars? | | stars\n"
        "## Notes\n"
        "N1 | Anything else? | page | text\n"
        "= Overall | Low, Some concerns, High"
    ))  # fmt: skip
    version = checklist.versions.get()
    d1 = version.domains.get()
    assert (d1.code, d1.name, d1.judgements, d1.algorithm) == (
        "D1",
        "Selection",
        ["low", "some_concerns", "high"],
        "",
    )
    assert version.judgements == ["low", "some_concerns", "high"]
    assert version.questions.get(code="S2").options == ["star", "no_star"]
    questions = {q.code: q for q in version.questions.all()}
    answers = {questions["S1"].pk: AnswerInput("py"), questions["S2"].pk: AnswerInput("star"),
               questions["N1"].pk: AnswerInput(text="See table 2", page_ref="p. 5")}  # fmt: skip
    with pytest.raises(ValidationError, match="Give every judgement before you submit: D1"):
        services.appraisal_save(review=review, study=studies[0], version=version,
                                reviewer=reviewer, answers=answers, submit=True)  # fmt: skip
    entry = services.appraisal_save(
        review=review, study=studies[0], version=version, reviewer=reviewer, answers=answers,
        judgements={d1.pk: JudgementInput("low"), None: JudgementInput("some_concerns")},
        submit=True,
    )  # fmt: skip
    assert {j.domain_id: j.judgement for j in entry.judgements.all()} == {
        d1.pk: "low", None: "some_concerns"}  # fmt: skip


def test_editing_a_used_tool_keeps_answers_judgements_and_algorithms(
    review, lead, reviewer, studies, rob2
):
    from appraisal.forms import ChecklistForm

    entry = _save(review, studies[0], rob2, reviewer, submit=True)
    text = ChecklistForm.for_version(rob2.checklist, rob2).initial["definition"]
    assert "## D1 | Bias arising from the randomization process | rob2" in text
    new = services.checklist_edit(review=review, user=lead, checklist=rob2.checklist,
                                  name=rob2.checklist.name, definition=text + "\n",
                                  source_note=rob2.checklist.source_note)  # fmt: skip
    assert new == rob2  # nothing changed: no version
    edited = text.replace("Was the allocation sequence random?", "Sequence random?")
    new = services.checklist_edit(review=review, user=lead, checklist=rob2.checklist,
                                  name=rob2.checklist.name, definition=edited,
                                  source_note=rob2.checklist.source_note)  # fmt: skip
    assert new.number == 2 and new.tool == "rob2"
    assert list(new.domains.values_list("algorithm", flat=True))[0] == "rob2.d1"
    assert entry.answers.count() == 22 and entry.judgements.count() == 6


def test_deleting_the_review_deletes_its_judgements(review, lead, reviewer, studies, rob2):
    _save(review, studies[0], rob2, reviewer, submit=True)
    assert Judgement.objects.count() == 6
    review.delete()
    assert not Judgement.objects.exists() and not Appraisal.objects.exists()


def test_amstar2_suggests_the_overall_confidence_from_its_critical_items(
    review, lead, reviewer, studies
):
    version = services.checklist_add_builtin(review=review, user=lead, key="amstar2").versions.get()
    assert version.tool == "amstar2" and not version.domains.exists()
    codes = {q.code: "yes" for q in version.questions.all()} | {"7": "no", "13": "no"}
    entry = _save(review, studies[0], version, reviewer, codes=codes, submit=True)
    overall = entry.judgements.get(domain=None)
    assert (overall.judgement, overall.reason) == ("conf_critically_low", "")
    (computed,) = selectors.entry_judgements(entry)
    assert computed.suggested == "conf_critically_low" and not computed.departs
