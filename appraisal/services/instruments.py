"""Checklists and extraction forms (versioned), a review's appraisal settings, and each
study's design and checklists. Leads only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from appraisal import selectors
from appraisal.models import (
    AppraisalSettings,
    Checklist,
    ChecklistVersion,
    Design,
    ExtractionForm,
    Field,
    FormVersion,
    Mode,
    Question,
    StudyChecklist,
    StudyDesign,
)
from lib.appraisal.answers import RuleError, parse_rule
from lib.appraisal.checklists import BUILTIN
from lib.appraisal.definitions import DefinitionError, parse_fields, parse_questions
from reviews.models import Review, Role
from screening.models import Study


def _check_lead(review: Review, user) -> None:
    if not review.members.filter(user=user, role=Role.LEAD).exists():
        raise ValidationError("Only a lead of this review can do that.")


def _questions(definition: str, rule: str):
    try:
        questions = parse_questions(definition)
        rules = parse_rule(rule)
    except (DefinitionError, RuleError) as error:
        raise ValidationError(str(error)) from None
    codes = {q.code.upper() for q in questions}
    unknown = {code for _, conds in rules for code, _ in conds} - codes
    if unknown:
        raise ValidationError(
            f"The overall rule names unknown questions: {', '.join(sorted(unknown))}."
        )
    return questions


def _write_questions(version: ChecklistVersion, questions) -> None:
    Question.objects.bulk_create(
        Question(version=version, position=n, section=q.section, code=q.code, text=q.text,
                 hint=q.hint, kind=q.kind, options=list(q.options))
        for n, q in enumerate(questions, 1)
    )  # fmt: skip


@transaction.atomic
def checklist_create(
    *, review: Review, user, name: str, definition: str, source_note: str = "",
    overall_rule: str = "", builtin: str = "",
) -> Checklist:  # fmt: skip
    _check_lead(review, user)
    questions = _questions(definition, overall_rule) if not builtin else None
    name = name.strip()
    if not name:
        raise ValidationError("Give the checklist a name.")
    if review.checklists.filter(name=name).exists():
        raise ValidationError(f"The review already has a checklist called {name!r}.")
    checklist = Checklist.objects.create(
        review=review, name=name, source_note=source_note, builtin=builtin
    )
    version = ChecklistVersion.objects.create(
        checklist=checklist, number=1, overall_rule=overall_rule, created_by=user
    )
    _write_questions(version, questions if questions is not None else BUILTIN[builtin].questions)
    return checklist


def checklist_add_builtin(*, review: Review, user, key: str) -> Checklist:
    """A review's own copy of a built-in checklist; it becomes the default for its design
    when none is set."""
    if key not in BUILTIN:
        raise ValidationError("No such built-in checklist.")
    template = BUILTIN[key]
    with transaction.atomic():
        checklist = checklist_create(
            review=review, user=user, name=template.name, definition="",
            source_note=template.source_note, builtin=key,
        )  # fmt: skip
        settings = selectors.appraisal_settings(review)
        slot = f"{template.design}_checklist"
        if getattr(settings, slot) is None:
            setattr(settings, slot, checklist)
            settings.save(update_fields=[slot])
    return checklist


@transaction.atomic
def checklist_edit(
    *, review: Review, user, checklist: Checklist, name: str, definition: str,
    source_note: str = "", overall_rule: str = "",
) -> ChecklistVersion:  # fmt: skip
    """Edit the questions. A version somebody has started to answer is frozen: the edit
    becomes the next version, and the answers stay with the version they were given for
    (a question left out of the new version keeps its answers in the old one)."""
    _check_lead(review, user)
    if checklist.review_id != review.pk:
        raise ValidationError("That checklist is not in this review.")
    questions = _questions(definition, overall_rule)
    name = name.strip() or checklist.name
    if review.checklists.filter(name=name).exclude(pk=checklist.pk).exists():
        raise ValidationError(f"The review already has a checklist called {name!r}.")
    Checklist.objects.select_for_update().get(pk=checklist.pk)  # one editor at a time
    checklist.name, checklist.source_note = name, source_note
    checklist.save(update_fields=["name", "source_note"])
    current = selectors.current_version(checklist)
    if selectors.is_frozen(current):
        version = ChecklistVersion.objects.create(
            checklist=checklist, number=current.number + 1, overall_rule=overall_rule,
            created_by=user,
        )  # fmt: skip
    else:
        version = current
        version.overall_rule = overall_rule
        version.save(update_fields=["overall_rule"])
        version.questions.all().delete()  # nobody answered them: the version is not frozen
    _write_questions(version, questions)
    return version


@transaction.atomic
def form_create(*, review: Review, user, name: str, definition: str) -> ExtractionForm:
    _check_lead(review, user)
    fields = _fields(definition)
    name = name.strip()
    if not name:
        raise ValidationError("Give the form a name.")
    if review.extraction_forms.filter(name=name).exists():
        raise ValidationError(f"The review already has a form called {name!r}.")
    form = ExtractionForm.objects.create(review=review, name=name)
    _write_fields(FormVersion.objects.create(form=form, number=1, created_by=user), fields)
    return form


@transaction.atomic
def form_edit(
    *, review: Review, user, form: ExtractionForm, name: str, definition: str
) -> FormVersion:
    """Same rule as checklists: a version in use is frozen and editing makes the next one."""
    _check_lead(review, user)
    if form.review_id != review.pk:
        raise ValidationError("That form is not in this review.")
    fields = _fields(definition)
    ExtractionForm.objects.select_for_update().get(pk=form.pk)
    name = name.strip() or form.name
    if review.extraction_forms.filter(name=name).exclude(pk=form.pk).exists():
        raise ValidationError(f"The review already has a form called {name!r}.")
    form.name = name
    form.save(update_fields=["name"])
    current = selectors.current_version(form)
    if selectors.is_frozen(current):
        version = FormVersion.objects.create(form=form, number=current.number + 1, created_by=user)
    else:
        version = current
        version.fields.all().delete()
    _write_fields(version, fields)
    return version


def _fields(definition: str):
    try:
        return parse_fields(definition)
    except DefinitionError as error:
        raise ValidationError(str(error)) from None


def _write_fields(version: FormVersion, fields) -> None:
    Field.objects.bulk_create(
        Field(version=version, position=n, section=f.section, code=f.code, label=f.label,
              hint=f.hint, kind=f.kind, options=list(f.options))
        for n, f in enumerate(fields, 1)
    )  # fmt: skip


@transaction.atomic
def appraisal_settings_update(
    *, review: Review, user, appraisal_mode: str, extraction_mode: str,
    qualitative_checklist: Checklist | None, quantitative_checklist: Checklist | None,
) -> AppraisalSettings:  # fmt: skip
    _check_lead(review, user)
    if appraisal_mode not in Mode.values or extraction_mode not in Mode.values:
        raise ValidationError("Choose a mode.")
    for checklist in (qualitative_checklist, quantitative_checklist):
        if checklist is not None and checklist.review_id != review.pk:
            raise ValidationError("That checklist is not in this review.")
    settings = selectors.appraisal_settings(review)
    settings.appraisal_mode, settings.extraction_mode = appraisal_mode, extraction_mode
    settings.qualitative_checklist = qualitative_checklist
    settings.quantitative_checklist = quantitative_checklist
    settings.save()
    return settings


@transaction.atomic
def study_design_set(
    *, review: Review, user, study: Study, design: str, checklists: list[Checklist] | None = None
) -> StudyDesign:
    """A study's design (which picks its default checklists) and, optionally, the lead's own
    choice of checklists for it (an empty list returns to the default rule)."""
    _check_lead(review, user)
    if study.review_id != review.pk:
        raise ValidationError("That study is not in this review.")
    if design not in Design.values:
        raise ValidationError("Choose a design.")
    if checklists and any(c.review_id != review.pk for c in checklists):
        raise ValidationError("That checklist is not in this review.")
    row, _ = StudyDesign.objects.update_or_create(
        study=study, defaults={"review": review, "design": design, "set_by": user}
    )
    if checklists is not None:
        StudyChecklist.objects.filter(study=study).exclude(checklist__in=checklists).delete()
        for checklist in checklists:
            StudyChecklist.objects.get_or_create(review=review, study=study, checklist=checklist)
    return row
