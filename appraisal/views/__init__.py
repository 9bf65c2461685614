"""Critical appraisal: overview, settings, checklists, a reviewer's appraisal, consensus and
the tables and figures. Extraction is in `extraction`, downloads in `downloads`."""

from __future__ import annotations

import dataclasses
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import answer_rows, selectors, services
from appraisal.access import sees_instrument_history, shown_table
from appraisal.forms import (
    CONSENSUS_METHODS,
    BuiltinForm,
    ChecklistForm,
    DesignForm,
    SettingsForm,
    answers_from_post,
    builder_context,
    builder_for_version,
    checklist_form_from_post,
    judgement_field,
    judgements_from_post,
    typed_answers,
    typed_consensus_answers,
    typed_consensus_judgements,
)
from appraisal.models import Checklist, ChecklistVersion, Design
from lib.appraisal import figures
from lib.appraisal.answers import CAPTION, OPTIONS, option
from lib.appraisal.checklists import BUILTIN
from lib.appraisal.definitions import DefinitionError, read_number, shown
from reviews.access import is_lead, review_for_user
from reviews.models import Review, Role
from screening.access import viewer_of
from screening.models import Study

LEAD = Role.LEAD


def _study(review: Review, study_id: int) -> Study:
    try:
        return selectors.study_of(review, study_id)
    except Study.DoesNotExist:
        raise Http404("No such study in this review") from None


def _version(review: Review, version_id: int) -> ChecklistVersion:
    try:
        return selectors.checklist_version_of(review, version_id)
    except ChecklistVersion.DoesNotExist:
        raise Http404("No such checklist version in this review") from None


@require_GET
@login_required
def overview(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    lead = is_lead(review_obj)
    rows = selectors.appraisal_overview(review_obj, request.user, lead)
    if lead:  # the weights form (weighted summary plots)
        weights = selectors.study_weights(review_obj)
        rows = [dataclasses.replace(row, weight=_weight_text(weights.get(row.study.pk)))
                for row in rows]  # fmt: skip
    context = {
        "review": review_obj,
        "rows": rows,
        "settings": selectors.appraisal_settings(review_obj),
        "versions": selectors.appraised_versions(review_obj, viewer_of(review_obj)),
        "is_lead": lead,
        "designs": Design.choices,
        "checklists": list(review_obj.checklists.all()),
    }
    return render(request, "appraisal/overview.html", context)


def _weight_text(weight: float | None) -> str:
    """A weight as the form shows it: exactly the stored number ("62.5", "120", never
    "1.2e+08" rounded), so saving the page unchanged changes nothing."""
    if weight is None:
        return ""
    text = repr(weight)
    return text[:-2] if text.endswith(".0") else text


@require_http_methods(["GET", "POST"])
@login_required
def appraisal_settings(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    current = selectors.appraisal_settings(review_obj)
    if request.method == "POST":
        form = SettingsForm(request.POST, review=review_obj)
        if form.is_valid():
            try:
                services.appraisal_settings_update(review=review_obj, user=request.user,
                                                   **form.cleaned_data)  # fmt: skip
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Appraisal settings saved.")
                return redirect("appraisal:overview", review_obj.slug)
    else:
        form = SettingsForm(review=review_obj, initial={
            "appraisal_mode": current.appraisal_mode, "extraction_mode": current.extraction_mode,
            "qualitative_checklist": current.qualitative_checklist,
            "quantitative_checklist": current.quantitative_checklist,
        })  # fmt: skip
    return render(request, "appraisal/settings.html", {"review": review_obj, "form": form})


@require_GET
@login_required
def checklists(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    context = {
        "review": review_obj,
        "checklists": review_obj.checklists.prefetch_related("versions"),
        "builtin_form": BuiltinForm(),
        "form": ChecklistForm(),
        "is_lead": is_lead(review_obj),
        "library": list(BUILTIN.values()),
        "builder": builder_context(builder_for_version(None)),
    }
    return render(request, "appraisal/checklists.html", context)


@require_POST
@login_required
def checklist_create(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    form, rows = checklist_form_from_post(request.POST)
    builtin = BuiltinForm(request.POST)
    try:
        if form.non_field_errors():
            raise ValidationError(form.non_field_errors())
        if "builtin" in request.POST:
            if not builtin.is_valid():
                raise ValidationError("Choose a built-in checklist.")
            checklist = services.checklist_add_builtin(
                review=review_obj, user=request.user, key=builtin.cleaned_data["builtin"]
            )
        elif form.is_valid():
            checklist = services.checklist_create(review=review_obj, user=request.user,
                                                  **form.cleaned_data)  # fmt: skip
        else:
            raise ValidationError("Give the checklist a name and its questions.")
    except ValidationError as error:
        context = {
            "review": review_obj, "checklists": review_obj.checklists.all(),
            "builtin_form": BuiltinForm(), "form": form, "is_lead": True,
            "error": " ".join(error.messages), "library": list(BUILTIN.values()),
            "builder": builder_context(rows or builder_for_version(None)),
        }  # fmt: skip
        return render(request, "appraisal/checklists.html", context)
    messages.success(request, f"Checklist {checklist.name!r} added.")
    return redirect("appraisal:checklist", review_obj.slug, checklist.pk)


@require_http_methods(["GET", "POST"])
@login_required
def checklist(request: HttpRequest, review: str, checklist_id: int) -> HttpResponse:
    review_obj = review_for_user(
        request.user, review, role=LEAD if request.method == "POST" else None
    )
    item = get_object_or_404(Checklist, pk=checklist_id, review=review_obj)
    current = selectors.current_version(item)
    error, rows = "", None
    if request.method == "POST":
        form, rows = checklist_form_from_post(request.POST)
        if form.non_field_errors():
            error = " ".join(form.non_field_errors())
        elif form.is_valid():
            try:
                version = services.checklist_edit(review=review_obj, user=request.user,
                                                  checklist=item, **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, f"Saved as version {version.number}.")
                return redirect("appraisal:checklist", review_obj.slug, item.pk)
    else:
        form = ChecklistForm.for_version(item, current)
    context = {
        "review": review_obj,
        "checklist": item,
        "versions": item.versions.prefetch_related("questions"),
        "current": current,
        "frozen": selectors.is_frozen(current),
        "form": form,
        "error": error,
        "is_lead": is_lead(review_obj),
        "builder": builder_context(rows or builder_for_version(current)),
    }
    if sees_instrument_history(viewer_of(review_obj)):
        context["history"] = selectors.instrument_history(item)
    return render(request, "appraisal/checklist.html", context)


@require_POST
@login_required
def study_design(request: HttpRequest, review: str, study_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    study = _study(review_obj, study_id)
    form = DesignForm(request.POST, review=review_obj)
    if not form.is_valid():
        messages.error(request, "Choose a design (and, if you like, its checklists).")
        return redirect("appraisal:overview", review_obj.slug)
    try:
        services.study_design_set(
            review=review_obj, user=request.user, study=study,
            design=form.cleaned_data["design"], checklists=list(form.cleaned_data["checklists"]),
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{study.label}: design saved.")
    return redirect("appraisal:overview", review_obj.slug)


@require_POST
@login_required
def study_weights(request: HttpRequest, review: str) -> HttpResponse:
    """The overview's weights (one field `weight-<study id>` per study shown: blank = no
    weight) and what they are (`basis`), for the weighted summary plots."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    weights = {}
    for study in selectors.included_studies(review_obj):
        raw = request.POST.get(f"weight-{study.pk}")
        if raw is None:
            continue  # not on the page the lead saved (a study included since): untouched
        raw = raw.strip()  # "1,5" or "1,000" is refused: which one was meant?
        try:
            number = read_number(raw) if raw else None
        except DefinitionError as error:
            messages.error(request, f"{study.label}: the weight {error} Nothing was saved.")
            return redirect("appraisal:overview", review_obj.slug)
        if raw and number is None:
            messages.error(request, f"{study.label}: the weight {shown(raw)} is not a number. "
                                    "Nothing was saved.")  # fmt: skip
            return redirect("appraisal:overview", review_obj.slug)
        weights[study] = float(number) if number is not None else None
    try:
        services.study_weights_set(review=review_obj, user=request.user,
                                   basis=request.POST.get("basis", ""), weights=weights)  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages) + " Nothing was saved.")
    else:
        messages.success(request, "Weights saved.")
    return redirect("appraisal:overview", review_obj.slug)


def save_keeping_draft(save, *, submit: bool) -> str:
    """Run a reviewer's save; a submit that is refused (a question left open) still keeps
    what they typed as their draft, so nothing typed is lost. Returns the error to show."""
    try:
        save(submit=submit)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if not submit:
            return error
        try:
            save(submit=False)
        except ValidationError:
            return f"{error} Nothing was saved."
        return f"{error} What you entered is saved as your draft."
    return ""


@require_http_methods(["GET", "POST"])
@login_required
def appraise(request: HttpRequest, review: str, study_id: int, version_id: int) -> HttpResponse:
    """A reviewer's own appraisal of a study: only their own answers are ever shown here."""
    review_obj = review_for_user(request.user, review)
    study = _study(review_obj, study_id)
    version = _version(review_obj, version_id)
    settings = selectors.appraisal_settings(review_obj)
    questions = list(version.questions.all())
    domains = selectors.version_domains(version)
    keys = [d.pk for d in domains] + ([None] if version.judgements else [])
    error = ""
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        error = save_keeping_draft(
            partial(
                services.appraisal_save,
                review=review_obj, study=study, version=version, reviewer=request.user,
                answers=answers_from_post(questions, request.POST),
                comment=request.POST.get("comment", ""),
                judgements=judgements_from_post(keys, request.POST),
            ),
            submit=submit,
        )  # fmt: skip
        if not error:
            text = "Appraisal submitted." if submit else "Answers saved."
            if not request.htmx:
                messages.success(request, text)
                return redirect("appraisal:appraise", review_obj.slug, study.pk, version.pk)
    work = selectors.appraisal_work(study, version, settings)
    mine = work.mine(request.user)
    lead = is_lead(review_obj)
    if error:  # what was typed, with its suggestions
        typed = answers_from_post(questions, request.POST)
        given = {k: {"judgement": j.judgement, "reason": j.reason}
                 for k, j in judgements_from_post(keys, request.POST).items()}  # fmt: skip
        judged = selectors.judgements_for(
            version, questions, domains, {pk: a.answer for pk, a in typed.items()}, given
        )
    else:
        judged = selectors.entry_judgements(mine) if mine else selectors.judgements_for(
            version, questions, domains, {}, {})  # fmt: skip
    context = {
        "review": review_obj,
        "study": study,
        "version": version,
        "work": work,
        "mine": mine,
        "state": work.state_for(request.user) if not lead else work.state,
        "rows": answer_rows.with_judgements(
            answer_rows.question_rows(
                questions, answer_rows.answer_dict(mine),
                typed_answers(questions, request.POST) if error else None,
            ),
            judged,
        ),
        "comment": request.POST.get("comment", "") if error else (mine.comment if mine else ""),
        "editable": work.consensus is None
        and not (mine and mine.submitted_at)
        and (mine is not None or len(work.entries) < work.required),
        "may_see_all": work.may_see_all(request.user, lead),
        "error": error,
        "saved": request.method == "POST" and not error,
        "reports": study.reports.select_related("record"),
        "pdf_reports": [r for r in study.reports.all() if r.pdf],
        "overall": [(j, judgement_field(j.key), [option(c) for c in j.options])
                    for j in judged if j.domain is None],
    }  # fmt: skip
    if request.htmx:
        return render(request, "appraisal/appraise.html#answers", context)
    return render(request, "appraisal/appraise.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def consensus(request: HttpRequest, review: str, study_id: int, version_id: int) -> HttpResponse:
    """Both reviewers' answers side by side with the differences marked, and the consensus.
    Blinded: only for leads, and for the pair (or the checker) once they are done."""
    review_obj = review_for_user(request.user, review)
    study = _study(review_obj, study_id)
    version = _version(review_obj, version_id)
    settings = selectors.appraisal_settings(review_obj)
    lead = is_lead(review_obj)
    work = selectors.appraisal_work(study, version, settings)
    if not work.may_see_all(request.user, lead):
        raise PermissionDenied("You see the other reviewer's answers once you both are done.")
    questions = list(version.questions.all())
    domains = selectors.version_domains(version)
    keys = [d.pk for d in domains] + ([None] if version.judgements else [])
    error = ""
    if request.method == "POST":
        try:
            services.appraisal_consensus(
                review=review_obj, study=study, version=version, user=request.user,
                answers=answers_from_post(questions, request.POST),
                comment=request.POST.get("comment", ""),
                judgements=judgements_from_post(keys, request.POST),
            )  # fmt: skip
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Consensus recorded for {study.label}.")
            return redirect("appraisal:consensus", review_obj.slug, study.pk, version.pk)
    rows, different = answer_rows.consensus_rows(
        work, questions, typed_consensus_answers(questions, request.POST) if error else None
    )
    judgement_rows = answer_rows.consensus_judgement_rows(
        work, keys, typed_consensus_judgements(keys, request.POST) if error else None
    )
    context = {
        "review": review_obj,
        "study": study,
        "version": version,
        "work": work,
        "rows": rows,
        "judgement_rows": judgement_rows,
        "reports": [r for r in study.reports.all() if r.pdf],
        "difference_count": len(different),
        "may_reconcile": work.may_reconcile(request.user, lead),
        "methods": CONSENSUS_METHODS if work.required == 1 else CONSENSUS_METHODS[:2],
        "error": error,
        "comment": request.POST.get("comment", "") if error else (
            work.consensus.comment if work.consensus else ""),
    }  # fmt: skip
    return render(request, "appraisal/consensus.html", context)


@require_GET
@login_required
def table(request: HttpRequest, review: str, version_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    version = _version(review_obj, version_id)
    data = shown_table(selectors.appraisal_table(review_obj, version), viewer_of(review_obj))
    context = {
        "review": review_obj,
        "version": version,
        "table": data,
        "summary": data.summary(),
        "legend": [OPTIONS[c] for c in dict.fromkeys(
            c for q in data.choice_questions for c in q.options)],
        "caption": CAPTION,
        "is_lead": is_lead(review_obj),
        "weighting": selectors.summary_weighting(review_obj, data.studies),
        "formats": figures.FORMATS,
    }  # fmt: skip
    return render(request, "appraisal/table.html", context)
