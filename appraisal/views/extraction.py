"""Data extraction: forms, a reviewer's own extraction of a study, the consensus."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import selectors, services
from appraisal.forms import (
    CONSENSUS_METHODS,
    ExtractionFormForm,
    form_builder_context,
    form_definition_post,
    table_from_post,
    values_from_post,
)
from appraisal.models import ExtractionForm, FormVersion
from appraisal.views import LEAD, _study, save_keeping_draft
from lib.appraisal.definitions import FORM_TEMPLATES, field_rows, parse_fields, value_text
from reviews.access import is_lead, review_for_user
from reviews.models import Review


def _version(review: Review, version_id: int) -> FormVersion:
    try:
        return selectors.form_version_of(review, version_id)
    except FormVersion.DoesNotExist:
        raise Http404("No such form version in this review") from None


@require_GET
@login_required
def overview(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    lead = is_lead(review_obj)
    template = FORM_TEMPLATES.get(request.GET.get("template", ""))
    rows = field_rows(parse_fields(template[1])) if template else []
    context = {
        "review": review_obj,
        "forms": list(review_obj.extraction_forms.prefetch_related("versions")),
        "rows": selectors.extraction_overview(review_obj, request.user, lead),
        "settings": selectors.appraisal_settings(review_obj),
        "form": ExtractionFormForm(initial={"name": template[0] if template else ""}),
        "is_lead": lead,
        "builder": form_builder_context(rows),
    }
    return render(request, "appraisal/extraction.html", context)


@require_POST
@login_required
def form_create(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    data, _rows, refused = (form_definition_post(request.POST) if "builder" in request.POST
                            else (request.POST, None, ""))  # fmt: skip
    if refused:
        messages.error(request, refused)
        return redirect("appraisal:extraction", review_obj.slug)
    form = ExtractionFormForm(data)
    if form.is_valid():
        try:
            created = services.form_create(
                review=review_obj, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Extraction form {created.name!r} created.")
            return redirect("appraisal:extraction_form", review_obj.slug, created.pk)
    else:
        messages.error(request, "Give the form a name and its fields.")
    return redirect("appraisal:extraction", review_obj.slug)


@require_http_methods(["GET", "POST"])
@login_required
def form_detail(request: HttpRequest, review: str, form_id: int) -> HttpResponse:
    review_obj = review_for_user(
        request.user, review, role=LEAD if request.method == "POST" else None
    )
    item = get_object_or_404(ExtractionForm, pk=form_id, review=review_obj)
    current = selectors.current_version(item)
    error, rows = "", None
    if request.method == "POST":
        data, rows, error = (form_definition_post(request.POST) if "builder" in request.POST
                             else (request.POST, None, ""))  # fmt: skip
        form = ExtractionFormForm(data or request.POST)
        if not error and form.is_valid():
            try:
                version = services.form_edit(review=review_obj, user=request.user, form=item,
                                             **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, f"Saved as version {version.number}.")
                return redirect("appraisal:extraction_form", review_obj.slug, item.pk)
    else:
        form = ExtractionFormForm.for_version(item, current)
    context = {
        "review": review_obj, "item": item, "current": current, "form": form, "error": error,
        "versions": item.versions.prefetch_related("fields"),
        "frozen": selectors.is_frozen(current), "is_lead": is_lead(review_obj),
        "builder": form_builder_context(rows or field_rows(current.fields.all())),
    }  # fmt: skip
    if context["is_lead"]:  # the history shows reviewers' values: leads only (blinding)
        context["history"] = selectors.instrument_history(item)
    return render(request, "appraisal/extraction_form.html", context)


def _field_rows(fields, entry, data=None):
    stored = {v.field_id: v for v in entry.values.all()} if entry else {}
    rows = []
    for f in fields:
        value = stored.get(f.pk)
        if data is not None and f.kind == "table" and f"cells-{f.pk}" in data:
            shown, location = table_from_post(f, data), data.get(f"location-{f.pk}", "")
        elif data is not None:
            raw = (
                data.getlist(f"value-{f.pk}")
                if f.kind == "multiple_choice"
                else data.get(f"value-{f.pk}", "")
            )
            shown, location = raw, data.get(f"location-{f.pk}", "")
        elif f.kind == "table":
            shown = value.value if value and isinstance(value.value, list) else []
            location = value.source_location if value else ""
        else:
            raw = value.value if value else ""
            shown = raw if f.kind == "multiple_choice" else value_text(f.kind, f.options, raw)
            location = value.source_location if value else ""
        row = {"field": f, "value": shown or ([] if f.kind == "multiple_choice" else ""),
               "location": location}  # fmt: skip
        if f.kind == "table":  # the grid: the rows as typed or stored, then two blank rows
            typed = shown if isinstance(shown, list) else []
            row["grid"] = [[r.get(c, "") for c in f.options] for r in typed] + [
                [""] * len(f.options) for _ in range(2)
            ]
        rows.append(row)
    return rows


@require_http_methods(["GET", "POST"])
@login_required
def extract(request: HttpRequest, review: str, study_id: int, version_id: int) -> HttpResponse:
    """A reviewer's own extraction: only their own values are shown here (blinding)."""
    review_obj = review_for_user(request.user, review)
    study = _study(review_obj, study_id)
    version = _version(review_obj, version_id)
    fields = list(version.fields.all())
    error = ""
    autosave = request.method == "POST" and request.POST.get("action") == "autosave"
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        error = save_keeping_draft(
            partial(
                services.extraction_save,
                review=review_obj, study=study, version=version, reviewer=request.user,
                values=values_from_post(fields, request.POST),
                comment=request.POST.get("comment", ""),
            ),
            submit=submit,
        )  # fmt: skip
        if not error and not request.htmx:
            messages.success(request, "Extraction submitted." if submit else "Values saved.")
            return redirect("appraisal:extract", review_obj.slug, study.pk, version.pk)
    work = selectors.extraction_work(study, version, selectors.appraisal_settings(review_obj))
    mine = work.mine(request.user)
    lead = is_lead(review_obj)
    context = {
        "review": review_obj, "study": study, "version": version, "work": work, "mine": mine,
        "state": work.state if lead else work.state_for(request.user),
        "rows": _field_rows(fields, mine, request.POST if error else None),
        "comment": request.POST.get("comment", "") if error else (mine.comment if mine else ""),
        "editable": work.consensus is None and not (mine and mine.submitted_at)
        and (mine is not None or len(work.entries) < work.required),
        "may_see_all": work.may_see_all(request.user, lead), "error": error,
        "saved": request.method == "POST" and not error,
        "pdf_reports": [r for r in study.reports.all() if r.pdf],
    }  # fmt: skip
    if autosave:  # a draft saved on change: only its status line, the form stays as typed
        return render(request, "appraisal/extract.html#autosave-status", context)
    if request.htmx:
        return render(request, "appraisal/extract.html#values", context)
    return render(request, "appraisal/extract.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def consensus(request: HttpRequest, review: str, study_id: int, version_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    study = _study(review_obj, study_id)
    version = _version(review_obj, version_id)
    lead = is_lead(review_obj)
    work = selectors.extraction_work(study, version, selectors.appraisal_settings(review_obj))
    if not work.may_see_all(request.user, lead):
        raise PermissionDenied("You see the other reviewer's values once you both are done.")
    fields = list(version.fields.all())
    error = ""
    if request.method == "POST":
        try:
            services.extraction_consensus(
                review=review_obj, study=study, version=version, user=request.user,
                values=values_from_post(fields, request.POST, consensus=True),
                comment=request.POST.get("comment", ""),
            )  # fmt: skip
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Consensus recorded for {study.label}.")
            return redirect("appraisal:extraction_consensus", review_obj.slug, study.pk, version.pk)
    different = set(selectors.differences(work))
    given = [(e.reviewer, selectors.entry_values(e)) for e in work.entries]
    agreed = selectors.entry_values(work.consensus) if work.consensus else {}
    rows = []
    for f in fields:
        rows.append({
            "field": f, "different": f.pk in different,
            "values": [(who, value_text(f.kind, f.options, v.get(f.pk))) for who, v in given],
            "consensus": value_text(f.kind, f.options, agreed.get(f.pk)) if work.consensus else None,
        })  # fmt: skip
    context = {
        "review": review_obj, "study": study, "version": version, "work": work, "rows": rows,
        "difference_count": len(different), "error": error,
        "may_reconcile": work.may_reconcile(request.user, lead),
        "reports": [r for r in study.reports.all() if r.pdf],
        "methods": CONSENSUS_METHODS if work.required == 1 else CONSENSUS_METHODS[:2],
    }  # fmt: skip
    return render(request, "appraisal/extraction_consensus.html", context)
