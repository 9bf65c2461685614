"""Appraisal services: checklists as versioned data, answers kept, slots, consensus."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import RestrictedError

from appraisal import selectors, services
from appraisal.models import Answer, Appraisal, ChecklistVersion, Design, Mode, Question
from appraisal.services import AnswerInput
from lib.appraisal.definitions import render_questions
from tests.appraisal.conftest import appraise

pytestmark = pytest.mark.django_db


def test_builtin_checklists_are_copied_and_become_the_defaults(
    review, lead, qualitative, quantitative
):
    settings = selectors.appraisal_settings(review)
    assert settings.qualitative_checklist == qualitative
    assert settings.quantitative_checklist == quantitative
    version = qualitative.versions.get()
    assert version.number == 1 and version.questions.count() == 10
    assert version.questions.first().options == ["yes", "no", "cant_tell", "na"]
    jbi = services.checklist_add_builtin(review=review, user=lead, key="jbi_qualitative")
    assert jbi.versions.get().questions.first().options == ["yes", "no", "unclear", "na"]
    assert selectors.appraisal_settings(review).qualitative_checklist == qualitative


def test_checklists_by_design_and_by_choice(review, lead, studies, qualitative, quantitative):
    mixed, qual, chosen = studies
    services.study_design_set(review=review, user=lead, study=mixed, design=Design.MIXED)
    services.study_design_set(review=review, user=lead, study=qual, design=Design.QUALITATIVE)
    services.study_design_set(review=review, user=lead, study=chosen, design=Design.QUALITATIVE,
                              checklists=[quantitative])  # fmt: skip
    rows = {r.study.pk: [c.instrument for c in r.cells]
            for r in selectors.appraisal_overview(review, lead, True)}  # fmt: skip
    assert rows[mixed.pk] == [qualitative, quantitative]
    assert rows[qual.pk] == [qualitative]
    assert rows[chosen.pk] == [quantitative]


def test_only_a_lead_edits_checklists(review, reviewer, qualitative):
    with pytest.raises(ValidationError):
        services.checklist_edit(review=review, user=reviewer, checklist=qualitative, name="x",
                                definition="Q1 | Why?")  # fmt: skip


def test_editing_an_unanswered_version_edits_it_in_place(review, lead, qualitative):
    version = services.checklist_edit(review=review, user=lead, checklist=qualitative,
                                      name=qualitative.name, definition="Q1 | Aims clear?\nQ2 | Why? | | text")  # fmt: skip
    assert version.number == 1 and qualitative.versions.count() == 1
    assert list(version.questions.values_list("code", "kind")) == [("Q1", "choice"), ("Q2", "text")]


def test_editing_an_answered_checklist_makes_a_new_version_and_keeps_the_answers(
    review, lead, reviewer, study, qualitative, version
):
    appraise(review, study, version, reviewer, submit=False, Q10="no")
    text = render_questions(version.questions.exclude(code="Q10"))  # "delete" Q10
    new = services.checklist_edit(review=review, user=lead, checklist=qualitative,
                                  name=qualitative.name, definition=text)  # fmt: skip
    assert new.number == 2 and new.questions.count() == 9
    assert version.questions.count() == 10  # the old version is untouched
    q10 = Question.objects.get(version=version, code="Q10")
    assert Answer.objects.get(question=q10).answer == "no"
    # The reviewer who started goes on with version 1; a newcomer starts on version 1 too,
    # so the pair compares like with like.
    assert selectors.version_in_use(study, qualitative, reviewer) == version
    with pytest.raises(RestrictedError):
        q10.delete()  # RESTRICT: an answered question cannot go
    assert Answer.objects.filter(question=q10).exists()


def test_a_bad_definition_or_rule_is_refused_with_a_message(review, lead, qualitative):
    with pytest.raises(ValidationError, match="code Q1 is used twice"):
        services.checklist_edit(review=review, user=lead, checklist=qualitative, name="x",
                                definition="Q1 | a\nQ1 | b")  # fmt: skip
    with pytest.raises(ValidationError, match="unknown questions: Q9"):
        services.checklist_edit(review=review, user=lead, checklist=qualitative, name="x",
                                definition="Q1 | a", overall_rule="Exclude if Q9 = No")  # fmt: skip
    assert ChecklistVersion.objects.get(checklist=qualitative).questions.count() == 10


def test_submit_needs_every_answer_and_then_is_final(review, reviewer, study, version):
    answers = {q.pk: AnswerInput(answer="yes") for q in version.questions.all()[:3]}
    with pytest.raises(ValidationError, match="Answer every question"):
        services.appraisal_save(review=review, study=study, version=version, reviewer=reviewer,
                                answers=answers, submit=True)  # fmt: skip
    assert not Appraisal.objects.exists()
    appraise(review, study, version, reviewer)
    with pytest.raises(ValidationError, match="submitted"):
        appraise(review, study, version, reviewer, Q1="no")
    assert Answer.objects.get(question__code="Q1").answer == "yes"


def test_an_answer_outside_the_options_is_refused(review, reviewer, study, version):
    with pytest.raises(ValidationError, match="not one of its options"):
        appraise(review, study, version, reviewer, Q1="unclear")
    assert not Appraisal.objects.exists()


def test_two_reviewers_per_study_then_no_more(
    review, lead, reviewer, second_reviewer, study, version
):
    appraise(review, study, version, reviewer)
    appraise(review, study, version, second_reviewer, submit=False)
    with pytest.raises(ValidationError, match="Two reviewers already"):
        appraise(review, study, version, lead)
    assert Appraisal.objects.filter(study=study).count() == 2


def test_single_plus_check_takes_one_reviewer(
    review, lead, reviewer, second_reviewer, study, version, qualitative
):
    services.appraisal_settings_update(
        review=review, user=lead, appraisal_mode=Mode.SINGLE_PLUS_CHECK, extraction_mode=Mode.DUAL,
        qualitative_checklist=qualitative, quantitative_checklist=None,
    )  # fmt: skip
    appraise(review, study, version, reviewer, Q3="cant_tell")
    with pytest.raises(ValidationError, match="A reviewer already"):
        appraise(review, study, version, second_reviewer)
    with pytest.raises(ValidationError, match="checker"):  # the appraiser cannot check themself
        services.appraisal_consensus(review=review, study=study, version=version, user=reviewer,
                                     answers={})  # fmt: skip
    q3 = version.questions.get(code="Q3")
    services.appraisal_consensus(
        review=review, study=study, version=version, user=second_reviewer,
        answers={q3.pk: AnswerInput(answer="no", method="checked")},
    )  # fmt: skip
    consensus = Appraisal.objects.get(is_consensus=True)
    assert consensus.reviewer == second_reviewer
    answers = dict(consensus.answers.values_list("question__code", "answer"))
    assert answers["Q3"] == "no" and answers["Q1"] == "yes"
    methods = set(consensus.answers.values_list("method", flat=True))
    assert methods == {"checked"}


def test_differences_then_consensus(review, lead, reviewer, second_reviewer, study, version):
    settings = selectors.appraisal_settings(review)
    appraise(review, study, version, reviewer, Q2="no", Q5="cant_tell")
    work = selectors.appraisal_work(study, version, settings)
    assert work.state == selectors.IN_PROGRESS and work.state_for(reviewer) == selectors.AWAITING
    appraise(review, study, version, second_reviewer)
    work = selectors.appraisal_work(study, version, settings)
    assert work.state == selectors.DIFFERENCES
    assert [version.questions.get(pk=pk).code for pk in selectors.differences(work)] == ["Q2", "Q5"]
    q2, q5 = version.questions.get(code="Q2"), version.questions.get(code="Q5")
    with pytest.raises(ValidationError, match="Q2: choose the agreed answer"):
        services.appraisal_consensus(review=review, study=study, version=version, user=reviewer,
                                     answers={})  # fmt: skip
    with pytest.raises(ValidationError, match="Q5: say how"):
        services.appraisal_consensus(
            review=review, study=study, version=version, user=reviewer,
            answers={q2.pk: AnswerInput(answer="no", method="discussion"),
                     q5.pk: AnswerInput(answer="yes")},
        )  # fmt: skip
    services.appraisal_consensus(
        review=review, study=study, version=version, user=reviewer,
        answers={q2.pk: AnswerInput(answer="no", method="discussion"),
                 q5.pk: AnswerInput(answer="yes", method="third_reviewer")},
        comment="Re-examined together.",
    )  # fmt: skip
    consensus = Appraisal.objects.get(is_consensus=True)
    rows = {
        a.question.code: (a.answer, a.method) for a in consensus.answers.select_related("question")
    }
    assert rows["Q2"] == ("no", "discussion") and rows["Q5"] == ("yes", "third_reviewer")
    assert rows["Q1"] == ("yes", "agreed") and len(rows) == 10
    assert selectors.appraisal_work(study, version, settings).state == selectors.DONE
    # Both reviewers' own answers are kept as given.
    assert Answer.objects.filter(appraisal__is_consensus=False, question=q2).count() == 2


def test_agreement_on_everything_is_final_without_a_consensus_row(
    review, reviewer, second_reviewer, study, version
):
    appraise(review, study, version, reviewer, Q4="na")
    appraise(review, study, version, second_reviewer, Q4="na")
    table = selectors.appraisal_table(review, version)
    assert [s.pk for s in table.studies] == [study.pk]
    assert table.rows[0][3] == "na" and not Appraisal.objects.filter(is_consensus=True).exists()


def test_the_consensus_is_for_the_pair_or_a_lead_once_both_are_done(
    review, lead, reviewer, second_reviewer, study, version, django_user_model
):
    from reviews import services as review_services
    from reviews.models import Role

    third = django_user_model.objects.create_user(username="third", password="x")
    review_services.member_add(review=review, username="third", role=Role.REVIEWER)
    appraise(review, study, version, reviewer)
    for who in (reviewer, lead):
        with pytest.raises(ValidationError):
            services.appraisal_consensus(review=review, study=study, version=version, user=who,
                                         answers={})  # fmt: skip
    appraise(review, study, version, second_reviewer)
    with pytest.raises(ValidationError):
        services.appraisal_consensus(review=review, study=study, version=version, user=third,
                                     answers={})  # fmt: skip
    services.appraisal_consensus(review=review, study=study, version=version, user=lead, answers={})
    assert Appraisal.objects.get(is_consensus=True).reviewer == lead


def test_outsiders_and_other_reviews_studies_are_refused(
    review, other_review, outsider, reviewer, version, study
):
    from screening.models import Study

    with pytest.raises(ValidationError):
        appraise(review, study, version, outsider)
    foreign = Study.objects.create(review=other_review, label="Theirs 2001")
    with pytest.raises(ValidationError):
        appraise(review, foreign, version, reviewer)
    assert not Appraisal.objects.exists()


def test_deleting_the_review_deletes_its_answers(review, reviewer, second_reviewer, study, version):
    appraise(review, study, version, reviewer)
    review.delete()
    assert not Answer.objects.exists() and not Question.objects.exists()
