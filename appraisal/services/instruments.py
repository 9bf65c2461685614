"""Checklists and extraction forms (versioned), a review's appraisal settings, and each
study's design, checklists and weight. Leads only."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from appraisal import selectors
from appraisal.models import (
    AppraisalSettings,
    Checklist,
    ChecklistVersion,
    Design,
    Domain,
    ExtractionForm,
    Field,
    FormVersion,
    Mode,
    Question,
    StudyChecklist,
    StudyDesign,
    StudyWeight,
)
from appraisal.services import audit
from lib.appraisal.answers import RuleError, parse_rule
from lib.appraisal.checklists import BUILTIN
from lib.appraisal.definitions import DefinitionError, Structure, parse_checklist, parse_fields
from reviews.models import Review, Role
from reviews.validators import single_line
from screening.models import Study


def _check_lead(review: Review, user) -> None:
    if not review.members.filter(user=user, role=Role.LEAD).exists():
        raise ValidationError("Only a lead of this review can do that.")


def _questions(definition: str, rule: str) -> Structure:
    try:
        structure = parse_checklist(definition)
        rules = parse_rule(rule)
    except (DefinitionError, RuleError) as error:
        raise ValidationError(str(error)) from None
    codes = {q.code.upper() for q in structure.questions}
    unknown = {code for _, conds in rules for code, _ in conds} - codes
    if unknown:
        raise ValidationError(
            f"The overall rule names unknown questions: {', '.join(sorted(unknown))}."
        )
    return structure


def _write_questions(version: ChecklistVersion, structure: Structure) -> None:
    """The version's domains and questions, and its overall judgement scale."""
    domains = {
        d.code: Domain.objects.create(version=version, position=n, code=d.code, name=d.name,
                                      judgements=list(d.judgements), algorithm=d.algorithm)
        for n, d in enumerate(structure.domains, 1)
    }  # fmt: skip
    if list(structure.judgements) != version.judgements:
        version.judgements = list(structure.judgements)
        version.save(update_fields=["judgements"])
    Question.objects.bulk_create(
        Question(version=version, position=n, section=q.section, code=q.code, text=q.text,
                 hint=q.hint, kind=q.kind, options=list(q.options),
                 domain=domains.get(q.domain))
        for n, q in enumerate(structure.questions, 1)
    )  # fmt: skip


def _structure_state(domains, judgements) -> dict:
    """What a version's domains and overall scale are, for the history (codes, no ids)."""
    return {
        "domains": [{"code": d.code, "name": d.name, "judgements": list(d.judgements)}
                    for d in domains],
        "judgements": list(judgements),
    }  # fmt: skip


def _checklist_new(
    *, review: Review, user, name: str, questions: Structure, source_note: str,
    overall_rule: str, builtin: str, tool: str = "",
) -> ChecklistVersion:  # fmt: skip
    name = single_line(name.strip(), what="The name")
    if not name:
        raise ValidationError("Give the checklist a name.")
    if review.checklists.filter(name=name).exists():
        raise ValidationError(f"The review already has a checklist called {name!r}.")
    checklist = Checklist.objects.create(
        review=review, name=name, source_note=source_note, builtin=builtin
    )
    version = ChecklistVersion.objects.create(
        checklist=checklist, number=1, overall_rule=overall_rule, created_by=user, tool=tool
    )
    _write_questions(version, questions)
    return version


@transaction.atomic
def checklist_create(
    *, review: Review, user, name: str, definition: str, source_note: str = "",
    overall_rule: str = "",
) -> Checklist:  # fmt: skip
    _check_lead(review, user)
    questions = _questions(definition, overall_rule)
    version = _checklist_new(review=review, user=user, name=name, questions=questions,
                             source_note=source_note, overall_rule=overall_rule, builtin="")  # fmt: skip
    audit.log_created(review=review, user=user, version=version,
                      items=_question_rows(questions.questions), overall_rule=overall_rule,
                      structure=_structure_state(questions.domains, questions.judgements))  # fmt: skip
    return version.checklist


@transaction.atomic
def checklist_add_builtin(*, review: Review, user, key: str) -> Checklist:
    """A review's own copy of a built-in checklist; it becomes the default for its design
    when none is set."""
    _check_lead(review, user)
    if key not in BUILTIN:
        raise ValidationError("No such built-in checklist.")
    template = BUILTIN[key]
    version = _checklist_new(
        review=review, user=user, name=template.name, questions=template.structure,
        source_note=template.source_note, overall_rule="", builtin=key, tool=template.tool,
    )  # fmt: skip
    settings = selectors.appraisal_settings(review)
    slot = f"{template.design}_checklist"
    default_for = ""
    if template.design and getattr(settings, slot) is None:
        setattr(settings, slot, version.checklist)
        settings.save(update_fields=[slot])
        default_for = template.design
    audit.log_created(review=review, user=user, version=version, builtin=key,
                      items=_question_rows(template.questions), default_for=default_for,
                      structure=_structure_state(template.domains, template.judgements))  # fmt: skip
    return version.checklist


@transaction.atomic
def checklist_edit(
    *, review: Review, user, checklist: Checklist, name: str, definition: str,
    source_note: str = "", overall_rule: str = "",
) -> ChecklistVersion:  # fmt: skip
    """Edit the questions. A version somebody has started to answer is frozen: the edit
    becomes the next version, and the answers stay with the version they were given for
    (a question left out of the new version keeps its answers in the old one). An edit that
    changes nothing writes nothing; one that changes only the name or source note makes no
    version."""
    _check_lead(review, user)
    if checklist.review_id != review.pk:
        raise ValidationError("That checklist is not in this review.")
    questions = _questions(definition, overall_rule)
    name = single_line(name.strip(), what="The name") or checklist.name
    if review.checklists.filter(name=name).exclude(pk=checklist.pk).exists():
        raise ValidationError(f"The review already has a checklist called {name!r}.")
    stored = Checklist.objects.select_for_update().get(pk=checklist.pk)  # one editor at a time
    current = selectors.current_version(checklist)
    # A library tool's domains keep their published algorithm when edited (text has none).
    kept = dict(current.domains.values_list("code", "algorithm"))
    questions = dataclasses.replace(questions, domains=tuple(
        dataclasses.replace(d, algorithm=kept.get(d.code, "")) for d in questions.domains
    ))  # fmt: skip
    diff = audit.items_diff(
        _question_rows(current.questions.select_related("domain")),
        _question_rows(questions.questions),
    )
    attributes = audit.changes(
        {"name": stored.name, "source_note": stored.source_note,
         "overall_rule": current.overall_rule,
         **_structure_state(current.domains.all(), current.judgements)},
        {"name": name, "source_note": source_note, "overall_rule": overall_rule,
         **_structure_state(questions.domains, questions.judgements)},
    )  # fmt: skip
    if not diff and not attributes:
        return current
    checklist.name, checklist.source_note = name, source_note
    checklist.save(update_fields=["name", "source_note"])
    version, mode = current, audit.UNVERSIONED
    if diff or {"overall_rule", "domains", "judgements"} & set(attributes):
        version, mode = _next_checklist_version(checklist, current, overall_rule, user)
        _write_questions(version, questions)
    if attributes:
        diff["attributes"] = attributes
    audit.log_edited(review=review, user=user, version=version, previous=current.number,
                     mode=mode, diff=diff)  # fmt: skip
    return version


def _next_checklist_version(
    checklist: Checklist, current: ChecklistVersion, overall_rule: str, user
) -> tuple[ChecklistVersion, str]:
    """The version an edit of the questions goes to, and how: a new one when the current
    one is frozen, else the current one emptied (nobody answered it)."""
    if selectors.is_frozen(current):
        version = ChecklistVersion.objects.create(
            checklist=checklist, number=current.number + 1, overall_rule=overall_rule,
            created_by=user, tool=current.tool,
        )  # fmt: skip
        return version, audit.NEW_VERSION
    current.overall_rule = overall_rule
    current.save(update_fields=["overall_rule"])
    current.questions.all().delete()
    current.domains.all().delete()
    return current, audit.IN_PLACE


def _question_rows(questions) -> list[dict]:
    """Questions as history names them; a question of a domain carries the domain's code."""
    rows = []
    for q in questions:
        row = audit.item_row(q, audit.QUESTION_ATTRS)
        domain = getattr(q.domain, "code", q.domain) or ""
        if domain:
            row["domain"] = domain
        rows.append(row)
    return rows


@transaction.atomic
def form_create(*, review: Review, user, name: str, definition: str) -> ExtractionForm:
    _check_lead(review, user)
    fields = _fields(definition)
    name = single_line(name.strip(), what="The name")
    if not name:
        raise ValidationError("Give the form a name.")
    if review.extraction_forms.filter(name=name).exists():
        raise ValidationError(f"The review already has a form called {name!r}.")
    form = ExtractionForm.objects.create(review=review, name=name)
    version = FormVersion.objects.create(form=form, number=1, created_by=user)
    _write_fields(version, fields)
    audit.log_created(review=review, user=user, version=version, items=_field_rows(fields))
    return form


@transaction.atomic
def form_edit(
    *, review: Review, user, form: ExtractionForm, name: str, definition: str
) -> FormVersion:
    """Same rule as checklists: a version in use is frozen and editing makes the next one;
    no change writes nothing, a new name alone makes no version."""
    _check_lead(review, user)
    if form.review_id != review.pk:
        raise ValidationError("That form is not in this review.")
    fields = _fields(definition)
    stored = ExtractionForm.objects.select_for_update().get(pk=form.pk)
    name = single_line(name.strip(), what="The name") or form.name
    if review.extraction_forms.filter(name=name).exclude(pk=form.pk).exists():
        raise ValidationError(f"The review already has a form called {name!r}.")
    current = selectors.current_version(form)
    diff = audit.items_diff(_field_rows(current.fields.all()), _field_rows(fields))
    attributes = audit.changes({"name": stored.name}, {"name": name})
    if not diff and not attributes:
        return current
    form.name = name
    form.save(update_fields=["name"])
    version, mode = current, audit.UNVERSIONED
    if diff:
        version, mode = _next_form_version(form, current, user)
        _write_fields(version, fields)
    if attributes:
        diff["attributes"] = attributes
    audit.log_edited(review=review, user=user, version=version, previous=current.number,
                     mode=mode, diff=diff)  # fmt: skip
    return version


def _next_form_version(form: ExtractionForm, current: FormVersion, user) -> tuple[FormVersion, str]:
    if selectors.is_frozen(current):
        version = FormVersion.objects.create(form=form, number=current.number + 1, created_by=user)
        return version, audit.NEW_VERSION
    current.fields.all().delete()
    return current, audit.IN_PLACE


def _field_rows(fields) -> list[dict]:
    rows = []
    for f in fields:
        row = audit.item_row(f, audit.FIELD_ATTRS)
        for bound in ("min_value", "max_value"):  # 0 and 0.0 are the same range
            if row[bound] is not None:
                row[bound] = float(row[bound])
        rows.append(row)
    return rows


def _fields(definition: str):
    try:
        return parse_fields(definition)
    except DefinitionError as error:
        raise ValidationError(str(error)) from None


def _write_fields(version: FormVersion, fields) -> None:
    Field.objects.bulk_create(
        Field(version=version, position=n, section=f.section, code=f.code, label=f.label,
              hint=f.hint, kind=f.kind, options=list(f.options), unit=f.unit,
              min_value=f.min_value, max_value=f.max_value, required=f.required,
              repeat=f.repeat)
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
    settings = AppraisalSettings.objects.select_for_update().get(
        pk=selectors.appraisal_settings(review).pk
    )
    before = _settings_state(settings)
    settings.appraisal_mode, settings.extraction_mode = appraisal_mode, extraction_mode
    settings.qualitative_checklist = qualitative_checklist
    settings.quantitative_checklist = quantitative_checklist
    diff = audit.changes(before, _settings_state(settings))
    if diff:
        settings.save()
        audit.log_settings(review=review, user=user, diff=diff)
    return settings


def _settings_state(settings: AppraisalSettings) -> dict:
    return {
        "appraisal_mode": settings.appraisal_mode, "extraction_mode": settings.extraction_mode,
        "qualitative_checklist": audit.checklist_ref(settings.qualitative_checklist),
        "quantitative_checklist": audit.checklist_ref(settings.quantitative_checklist),
    }  # fmt: skip


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
    Study.objects.select_for_update().get(pk=study.pk)
    before = _design_state(study)
    after = {"design": design, "checklists": before["checklists"] if checklists is None
             else audit.checklist_refs(sorted(set(checklists), key=lambda c: c.pk))}  # fmt: skip
    diff = audit.changes(before, after)
    if not diff:
        return StudyDesign.objects.get(study=study)
    row, _ = StudyDesign.objects.update_or_create(
        study=study, defaults={"review": review, "design": design, "set_by": user}
    )
    if checklists is not None:
        StudyChecklist.objects.filter(study=study).exclude(checklist__in=checklists).delete()
        for checklist in checklists:
            StudyChecklist.objects.get_or_create(review=review, study=study, checklist=checklist)
    audit.log_study_design(review=review, user=user, study=study, diff=diff)
    return row


def _design_state(study: Study) -> dict:
    chosen = StudyChecklist.objects.filter(study=study).select_related("checklist")
    return {
        "design": StudyDesign.objects.filter(study=study).values_list("design", flat=True).first(),
        "checklists": audit.checklist_refs(r.checklist for r in chosen.order_by("checklist_id")),
    }


MAX_WEIGHT = 1e12


@transaction.atomic
def study_weights_set(
    *, review: Review, user, basis: str, weights: Mapping[Study, float | None]
) -> None:
    """The studies' weights for the weighted summary plots (None: no weight) and what they
    are (`basis`: "meta-analysis weight (%)", "sample size"...). All or nothing: one bad
    weight refuses the lot, naming the study."""
    _check_lead(review, user)
    basis = single_line(basis.strip(), what="What the weights are")
    if len(basis) > 100:
        raise ValidationError("What the weights are: at most 100 characters.")
    for study, weight in weights.items():
        if study.review_id != review.pk:
            raise ValidationError("That study is not in this review.")
        if weight is not None and not (math.isfinite(weight) and 0 <= weight <= MAX_WEIGHT):
            raise ValidationError(
                f"{study.label}: a weight is a number from 0 to {MAX_WEIGHT:,.0f}."
            )
    settings = AppraisalSettings.objects.select_for_update().get(
        pk=selectors.appraisal_settings(review).pk
    )
    current = {w.study_id: w for w in StudyWeight.objects.select_for_update().filter(review=review)}
    attributes = audit.changes({"weight_basis": settings.weight_basis}, {"weight_basis": basis})
    changed = []
    for study, weight in sorted(weights.items(), key=lambda item: (item[0].label, item[0].pk)):
        row = current.get(study.pk)
        old = row.weight if row is not None else None
        if old == weight:
            continue
        changed.append({"code": study.label, "weight": {"old": old, "new": weight}})
        if weight is None:
            if row is not None:
                row.delete()
        elif row is None:
            StudyWeight.objects.create(review=review, study=study, weight=weight, set_by=user)
        else:
            row.weight, row.set_by = weight, user
            row.save(update_fields=["weight", "set_by", "set_at"])
    if attributes:
        settings.weight_basis = basis
        settings.save(update_fields=["weight_basis"])
    if attributes or changed:
        audit.log_study_weights(review=review, user=user, attributes=attributes, weights=changed)
