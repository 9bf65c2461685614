"""Reviewers' appraisals and extractions, and their consensus.

Blinding and slots as in screening: each reviewer writes only their own row; a study takes
two reviewers (one in single-plus-check mode) per checklist or form version; a submitted row
is final, so what the other reviewer sees after both are done cannot change under them; the
consensus comes after. The study's row is locked while a row is written, so two reviewers
racing for the last slot cannot both take it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appraisal import selectors
from appraisal.models import (
    Answer,
    Appraisal,
    ChecklistVersion,
    ConsensusMethod,
    Extraction,
    FormVersion,
    Judgement,
    QuestionKind,
    Value,
)
from appraisal.services import audit
from lib.appraisal.definitions import (
    DefinitionError,
    check_instances,
    clean_field_value,
    instance_name,
    is_blank,
    missing_required,
)
from reviews.models import Review, Role
from screening.models import Study


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """One answer as typed: a code for option questions, text for free-text ones."""

    answer: str = ""
    text: str = ""
    support_text: str = ""
    page_ref: str = ""
    method: str = ""  # consensus only


@dataclass(frozen=True, slots=True)
class JudgementInput:
    """A domain's (or the overall) judgement as given: blank = as the algorithm suggests;
    a reason when it departs from the suggestion."""

    judgement: str = ""
    reason: str = ""
    method: str = ""  # consensus only


@dataclass(frozen=True, slots=True)
class ValueInput:
    raw: str | list[str] = ""
    source_location: str = ""
    method: str = ""  # consensus only
    note: str = ""


def _member_role(review: Review, user) -> str | None:
    return review.members.filter(user=user).values_list("role", flat=True).first()


def _check_scope(review: Review, study: Study, instrument_review_id: int, user) -> str:
    role = _member_role(review, user)
    if role is None:
        raise ValidationError("Only members of this review can do that.")
    if study.review_id != review.pk or instrument_review_id != review.pk:
        raise ValidationError("That study or checklist is not in this review.")
    return role


def _check_own_row(work: selectors.Work, user, what: str):
    """The reviewer's own row if they may still write it: not submitted, no consensus yet,
    and a free slot if they have none."""
    if work.consensus is not None:
        raise ValidationError(f"The consensus is recorded: this {what} is final.")
    mine = work.mine(user)
    if mine is not None and mine.submitted_at:
        raise ValidationError(
            f"You have submitted this {what}; it changes only through the consensus."
        )
    if mine is None and len(work.entries) >= work.required:
        raise ValidationError(
            f"{'Two reviewers' if work.required == 2 else 'A reviewer'} already work on this "
            "study with this version."
        )
    return mine


def _check_version(study: Study, version, instrument, user) -> None:
    in_use = selectors.version_in_use(study, instrument, user)
    if in_use is None or in_use.pk != version.pk:
        raise ValidationError(
            f"This study is worked on with version {in_use.number if in_use else '-'}; "
            "reload the page."
        )


# --- appraisal ---------------------------------------------------------------------------------


def _clean_answer(question, given: AnswerInput) -> AnswerInput:
    if question.kind == QuestionKind.TEXT:
        return AnswerInput("", given.text.strip(), given.support_text, given.page_ref, given.method)
    if given.answer and given.answer not in question.options:
        raise ValidationError(f"{question.code}: that answer is not one of its options.")
    return AnswerInput(given.answer, "", given.support_text, given.page_ref, given.method)


def _answered(question, given: AnswerInput) -> bool:
    return bool(given.text if question.kind == QuestionKind.TEXT else given.answer)


def _judgement_rows(
    version: ChecklistVersion, questions: dict, answers: dict[int, str],
    given: dict[int | None, JudgementInput], *, submit: bool,
) -> tuple[dict[int | None, dict], list]:  # fmt: skip
    """Validate the judgements against their scales and suggestions: {domain id or None:
    stored columns}, and the judgements as computed. Departing from the suggestion needs a
    reason; submitting needs every judgement, and stores the suggested ones as given."""
    domains = selectors.version_domains(version)
    states = {key: {"judgement": g.judgement, "reason": g.reason.strip()}
              for key, g in given.items()}  # fmt: skip
    computed = selectors.judgements_for(version, list(questions.values()), domains, answers,
                                        states)  # fmt: skip
    missing = []
    for j in computed:
        if j.given and j.given not in j.options:
            raise ValidationError(f"{j.code}: that judgement is not one of its options.")
        if j.departs and not j.reason:
            raise ValidationError(
                f"{j.code}: the algorithm suggests {vocab_label(j.suggested)}; say why you "
                f"judge {vocab_label(j.given)}."
            )
        if submit and not j.judgement:
            missing.append(j.code)
    if missing:
        raise ValidationError(f"Give every judgement before you submit: {', '.join(missing)}.")
    rows = {
        j.key: {"judgement": j.judgement if submit else j.given,
                "reason": j.reason if j.departs else ""}
        for j in computed
    }  # fmt: skip
    return rows, computed


def vocab_label(code: str) -> str:
    from lib.appraisal.answers import option

    return option(code).label


def _judgement_states(entry: Appraisal | None, consensus: bool = False) -> dict:
    states = selectors.stored_judgements(entry)
    if not consensus:
        for state in states.values():
            state.pop("method", None)
    return states


def _write_judgements(entry: Appraisal, rows: dict[int | None, dict], before: dict,
                      codes: dict[int | None, str]) -> list[dict]:  # fmt: skip
    """Store the judgements; what changed, by domain code, for the history."""
    changed = []
    for key, state in rows.items():
        # key None: the overall judgement (domain_id IS NULL); django-stubs types an `_id`
        # lookup as str | int even on a nullable foreign key.
        Judgement.objects.update_or_create(appraisal=entry, domain_id=key, defaults=state)  # type: ignore[misc]
        diff = audit.changes(before.get(key, {}), state)
        if diff:
            changed.append({"code": codes[key], **diff})
    return changed


@transaction.atomic
def appraisal_save(
    *, review: Review, study: Study, version: ChecklistVersion, reviewer,
    answers: dict[int, AnswerInput], comment: str = "", submit: bool = False,
    judgements: dict[int | None, JudgementInput] | None = None,
) -> Appraisal:  # fmt: skip
    """Save a reviewer's own answers (a draft) or submit them (done: every option question
    answered, every domain judged; final from then on). Judgements are keyed by domain id
    (None: the overall judgement)."""
    _check_scope(review, study, version.checklist.review_id, reviewer)
    Study.objects.select_for_update().get(pk=study.pk)
    work = selectors.appraisal_work(study, version, selectors.appraisal_settings(review))
    mine = _check_own_row(work, reviewer, "appraisal")
    if mine is None:
        _check_version(study, version, version.checklist, reviewer)
    questions = {q.pk: q for q in version.questions.all()}
    if set(answers) - set(questions):
        raise ValidationError("An answer is for a question of another checklist version.")
    cleaned = {pk: _clean_answer(questions[pk], given) for pk, given in answers.items()}
    if submit:
        missing = [q.code for pk, q in questions.items()
                   if q.kind == QuestionKind.CHOICE and not _answered(q, cleaned.get(pk, AnswerInput()))]  # fmt: skip
        if missing:
            raise ValidationError(f"Answer every question before you submit: {', '.join(missing)}.")
    after = {pk: _answer_state(given) for pk, given in cleaned.items()}
    before = _answer_states(mine)
    codes = {pk: state["answer"] for pk, state in before.items()}
    codes.update({pk: state["answer"] for pk, state in after.items()})
    rows, computed = _judgement_rows(version, questions, codes, judgements or {}, submit=submit)
    judged_before = _judgement_states(mine)
    entry = _write_own(Appraisal, mine, before, after, review=review, study=study,
                       version=version, reviewer=reviewer, items=questions, comment=comment,
                       submit=submit, judgements=(rows, judged_before,
                                                  {j.key: j.code for j in computed}))  # fmt: skip
    return entry


def _answer_state(given: AnswerInput, consensus: bool = False) -> dict:
    """An answer's stored columns (as `Answer` fields) from cleaned input."""
    state = {"answer": given.answer, "text": given.text, "support_text": given.support_text,
             "page_ref": given.page_ref[:100]}  # fmt: skip
    return {**state, "method": given.method} if consensus else state


def _answer_states(entry: Appraisal | None, consensus: bool = False) -> dict[int, dict]:
    """{question id: stored columns} of a row's answers before it is written (history)."""
    if entry is None:
        return {}
    return {
        a.question_id: _answer_state(AnswerInput(a.answer, a.text, a.support_text, a.page_ref,
                                                 a.method), consensus)
        for a in entry.answers.all()
    }  # fmt: skip


def _consensus_methods(required: int) -> set[str]:
    if required == 1:
        return {ConsensusMethod.CHECKED, ConsensusMethod.DISCUSSION, ConsensusMethod.THIRD_REVIEWER}
    return {ConsensusMethod.DISCUSSION, ConsensusMethod.THIRD_REVIEWER}


def _consensus_work(review: Review, study: Study, owner_review_id: int, user, load):
    """Validate, then lock: the study's work (appraisal or extraction) with the study row
    locked, once the caller may record its consensus."""
    role = _check_scope(review, study, owner_review_id, user)
    Study.objects.select_for_update().get(pk=study.pk)
    work = load(selectors.appraisal_settings(review))
    if not work.may_reconcile(user, role == Role.LEAD):
        raise ValidationError(
            "The consensus is recorded by the two reviewers (or the checker) once they are "
            "done, or by a lead."
        )
    return work


@transaction.atomic
def appraisal_consensus(
    *, review: Review, study: Study, version: ChecklistVersion, user,
    answers: dict[int, AnswerInput], comment: str = "",
    judgements: dict[int | None, JudgementInput] | None = None,
) -> Appraisal:  # fmt: skip
    """Record the agreed answers once the reviewers are done: for each question where they
    differ (every question, in single-plus-check mode) the answer and how it was reached;
    where they agree, their answer stands unless changed here with a method."""
    work = _consensus_work(
        review, study, version.checklist.review_id, user,
        lambda settings: selectors.appraisal_work(study, version, settings),
    )  # fmt: skip
    different = set(selectors.differences(work))
    base = selectors.entry_values(work.submitted[0])
    single = work.required == 1
    questions = {q.pk: q for q in version.questions.all()}
    rows: dict[int, dict] = {}
    for question in questions.values():
        given = _clean_answer(question, answers.get(question.pk, AnswerInput()))
        value = given.text if question.kind == QuestionKind.TEXT else given.answer
        stands = str(base.get(question.pk, "") or "")  # an appraisal's answers are text
        if question.pk in different or (single and value and value != stands):
            if not value and question.kind == QuestionKind.CHOICE:
                raise ValidationError(f"{question.code}: choose the agreed answer.")
            if given.method not in _consensus_methods(work.required):
                raise ValidationError(f"{question.code}: say how the answer was reached.")
            method = given.method
        elif value and value != stands:
            if given.method not in _consensus_methods(work.required):
                raise ValidationError(f"{question.code}: say how the answer was reached.")
            method = given.method
        else:
            value = stands
            method = ConsensusMethod.CHECKED if single else ConsensusMethod.AGREED
        text_question = question.kind == QuestionKind.TEXT
        rows[question.pk] = _answer_state(AnswerInput(
            "" if text_question else value, value if text_question else "", given.support_text,
            given.page_ref, method,
        ), consensus=True)  # fmt: skip
    before = _answer_states(work.consensus, consensus=True)
    judged = _consensus_judgements(work, judgements or {})
    codes = {key: code for key, (code, _) in judged.items()}
    states = {key: state for key, (_, state) in judged.items()}
    return _write_consensus(
        Appraisal, work.consensus, before, rows, review=review, study=study, version=version,
        user=user, items=questions, comment=comment,
        judgements=(states, _judgement_states(work.consensus, consensus=True), codes),
    )  # fmt: skip


def _consensus_judgements(work, given: dict[int | None, JudgementInput]) -> dict:
    """{domain id or None: (code, stored columns)}: where the reviewers' judgements agree
    they stand unless changed here with a method; where they differ the agreed judgement
    and how it was reached are needed."""
    reviewers = [selectors.entry_judgements(e) for e in work.submitted]
    if not reviewers or not reviewers[0]:
        return {}
    single = work.required == 1
    result = {}
    for index, first in enumerate(reviewers[0]):
        theirs = {r[index].judgement for r in reviewers}
        stands = first.judgement if len(theirs) == 1 else ""
        typed = given.get(first.key, JudgementInput())
        if typed.judgement and typed.judgement not in first.options:
            raise ValidationError(f"{first.code}: that judgement is not one of its options.")
        value, method = typed.judgement or stands, typed.method
        if not value:
            raise ValidationError(f"{first.code}: choose the agreed judgement.")
        if value != stands:
            if method not in _consensus_methods(work.required):
                raise ValidationError(f"{first.code}: say how the judgement was reached.")
        else:
            method = method or (ConsensusMethod.CHECKED if single else ConsensusMethod.AGREED)
        result[first.key] = (first.code, {"judgement": value, "reason": typed.reason.strip(),
                                          "method": method})  # fmt: skip
    return result


# --- writing a row and its answers (values), with its history ----------------------------------

# An appraisal's answers, an extraction's values: (model, link to the row, link to the item).
_ITEMS: dict[type, tuple[type[Answer] | type[Value], str, str]] = {
    Appraisal: (Answer, "appraisal", "question_id"),
    Extraction: (Value, "extraction", "field_id"),
}


def _write_items(entry, rows: dict[int, dict], *, review, user, study, started: bool, items,
                 before: dict, comment_before: str, judgements=None):  # fmt: skip
    """Store the row's answers (values) and judgements, and log what changed, in the
    caller's transaction."""
    model, link, item = _ITEMS[type(entry)]
    for pk, state in rows.items():
        model.objects.update_or_create(**{link: entry, item: pk}, defaults=state)
    judged = _write_judgements(entry, *judgements) if judgements else []
    audit.log_work(review=review, user=user, study=study, entry=entry, started=started,
                   items=items, before=before, after=rows, comment_before=comment_before,
                   judgements=judged)  # fmt: skip
    return entry


def _write_own(model, mine, before: dict, rows: dict[int, dict], *, review, study, version,
               reviewer, items, comment: str, submit: bool, judgements=None):  # fmt: skip
    """A reviewer's own appraisal (extraction): a draft, or submitted when `submit`."""
    old_comment, started = (mine.comment if mine else ""), mine is None
    if mine is None:
        mine = model.objects.create(review=review, study=study, version=version, reviewer=reviewer)
    mine.comment = comment
    mine.submitted_at = timezone.now() if submit else None
    mine.save(update_fields=["comment", "submitted_at", "updated_at"])
    return _write_items(mine, rows, review=review, user=reviewer, study=study, started=started,
                        items=items, before=before, comment_before=old_comment,
                        judgements=judgements)  # fmt: skip


def _write_consensus(model, current, before: dict, rows: dict[int, dict], *, review, study,
                     version, user, items, comment: str, judgements=None):  # fmt: skip
    """The study's consensus appraisal (extraction), recorded by `user`."""
    old_comment = current.comment if current else ""
    consensus, started = model.objects.update_or_create(
        study=study, version=version, is_consensus=True,
        defaults={"review": review, "reviewer": user, "comment": comment,
                  "submitted_at": timezone.now()},
    )  # fmt: skip
    return _write_items(consensus, rows, review=review, user=user, study=study, started=started,
                        items=items, before=before, comment_before=old_comment,
                        judgements=judgements)  # fmt: skip


# --- extraction --------------------------------------------------------------------------------


def _clean_value(field, given: ValueInput):
    try:
        return clean_field_value(field, given.raw)
    except DefinitionError as error:
        raise ValidationError(f"{field.label}: {error}") from None


@transaction.atomic
def extraction_save(
    *, review: Review, study: Study, version: FormVersion, reviewer,
    values: dict[int, ValueInput], comment: str = "", submit: bool = False,
) -> Extraction:  # fmt: skip
    _check_scope(review, study, version.form.review_id, reviewer)
    Study.objects.select_for_update().get(pk=study.pk)
    work = selectors.extraction_work(study, version, selectors.appraisal_settings(review))
    mine = _check_own_row(work, reviewer, "extraction")
    if mine is None:
        _check_version(study, version, version.form, reviewer)
    fields = {f.pk: f for f in version.fields.all()}
    if set(values) - set(fields):
        raise ValidationError("A value is for a field of another form version.")
    cleaned = {pk: _clean_value(fields[pk], given) for pk, given in values.items()}
    before = _value_states(mine)
    if submit:  # a draft may be incomplete; the submitted extraction has every required value
        merged = {pk: state["value"] for pk, state in before.items()} | cleaned
        missing = missing_required(fields.values(), merged)
        if missing:
            raise ValidationError(
                f"Fill in the required fields before you submit: {', '.join(missing)}."
            )
    after = {pk: {"value": value, "source_location": values[pk].source_location[:100]}
             for pk, value in cleaned.items()}  # fmt: skip
    return _write_own(Extraction, mine, before, after, review=review, study=study,
                      version=version, reviewer=reviewer, items=fields, comment=comment,
                      submit=submit)  # fmt: skip


def _value_states(entry: Extraction | None, consensus: bool = False) -> dict[int, dict]:
    """{field id: stored columns} of a row's values before it is written (history)."""
    states = {}
    for v in entry.values.all() if entry else ():
        states[v.field_id] = {"value": v.value, "source_location": v.source_location}
        if consensus:
            states[v.field_id].update(method=v.method, note=v.note)
    return states


@transaction.atomic
def extraction_consensus(
    *, review: Review, study: Study, version: FormVersion, user,
    values: dict[int, ValueInput], comment: str = "",
) -> Extraction:  # fmt: skip
    """Field by field, as for appraisal: differing fields need the agreed value and how it
    was reached; agreeing fields keep the reviewers' value unless changed here."""
    work = _consensus_work(
        review, study, version.form.review_id, user,
        lambda settings: selectors.extraction_work(study, version, settings),
    )  # fmt: skip
    from lib.appraisal.answers import same

    different = set(selectors.differences(work))
    base = selectors.entry_values(work.submitted[0])
    single = work.required == 1
    fields = {f.pk: f for f in version.fields.all()}
    rows: dict[int, dict] = {}
    for field in fields.values():
        given = values.get(field.pk)
        if field.repeat:
            rows[field.pk] = _consensus_instances(field, given, work)
            continue
        stands = base.get(field.pk, "")
        value = _clean_value(field, given) if given is not None else stands
        changed = given is not None and not same(value, stands)
        if field.pk in different or changed:
            method = given.method if given else ""
            if method not in _consensus_methods(work.required):
                raise ValidationError(f"{field.label}: say how the value was reached.")
        else:
            value, method = stands, (ConsensusMethod.CHECKED if single else ConsensusMethod.AGREED)
        rows[field.pk] = {"value": value, "method": method,
                          "source_location": given.source_location[:100] if given else "",
                          "note": given.note if given else ""}  # fmt: skip
    before = _value_states(work.consensus, consensus=True)
    return _write_consensus(Extraction, work.consensus, before, rows, review=review, study=study,
                            version=version, user=user, items=fields, comment=comment)  # fmt: skip


def _consensus_instances(field, given: ValueInput | None, work) -> dict:
    """A repeating section's field in the consensus, instance by instance (Arm 1 with Arm
    1): an instance where the reviewers agree keeps their value unless one is typed here
    (with a method); one where they differ needs the agreed value and how it was reached.
    A blank typed instance means "as the reviewers gave it". Instances: as many as the
    reviewer with most."""
    from lib.appraisal.answers import same

    theirs: list[list] = [
        v if isinstance(v, list) else []
        for v in (selectors.entry_values(e).get(field.pk) for e in work.submitted)
    ]
    count = max((len(v) for v in theirs), default=0)
    typed = list(given.raw) if given is not None and not isinstance(given.raw, str) else []
    try:
        check_instances(field, len(typed))
    except DefinitionError as error:
        raise ValidationError(f"{field.label}: {error}") from None
    count = max(count, len(typed))
    method = given.method if given else ""
    single = work.required == 1
    values, used_method = [], ""
    for index in range(count):
        given_here = [v[index] if index < len(v) else "" for v in theirs]
        agree = all(same(given_here[0], v) for v in given_here[1:]) if given_here else True
        stands = given_here[0] if given_here else ""
        raw = typed[index] if index < len(typed) else ""
        where = f"{field.label} ({instance_name(field.repeat, index + 1)})"
        if is_blank(raw) and agree:
            values.append(stands)
            continue
        if is_blank(raw):
            raise ValidationError(f"{where}: give the agreed value and say how it was reached.")
        try:
            value = clean_field_value(field, [raw])[0]
        except DefinitionError as error:
            raise ValidationError(f"{where}: {error}") from None
        if not agree or not same(value, stands):
            if method not in _consensus_methods(work.required):
                raise ValidationError(f"{where}: say how the value was reached.")
            used_method = method
        values.append(value)
    return {"value": values,
            "method": used_method or (ConsensusMethod.CHECKED if single else ConsensusMethod.AGREED),
            "source_location": given.source_location[:100] if given else "",
            "note": given.note if given else ""}  # fmt: skip
