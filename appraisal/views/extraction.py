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
    instance_count,
    table_from_post,
    values_from_post,
)
from appraisal.models import ExtractionForm, Field, FormVersion
from appraisal.views import LEAD, _study, save_keeping_draft
from lib.appraisal.definitions import (
    FORM_TEMPLATES,
    INSTANCE_NAMES,
    REPEATS,
    DefinitionError,
    field_rows,
    instance_name,
    parse_fields,
    value_text,
)
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


@require_POST
@login_required
def form_preview(request: HttpRequest, review: str) -> HttpResponse:
    """The builder's rows rendered as an extractor would see them: read-only, nothing
    saved (leads, from the builder's "Preview" button)."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    data, rows, error = form_definition_post(request.POST)
    fields: list[Field] = []
    if not error:
        try:
            defs = parse_fields(data.get("definition", ""))
        except DefinitionError as exc:
            error = str(exc)
        else:
            fields = [
                Field(pk=n, position=n, section=d.section, code=d.code, label=d.label,
                      hint=d.hint, kind=d.kind, options=list(d.options), unit=d.unit,
                      min_value=d.min_value, max_value=d.max_value, required=d.required,
                      repeat=d.repeat)
                for n, d in enumerate(defs, 1)
            ]  # fmt: skip
    shown = _field_rows(fields, None)
    context = {
        "review": review_obj, "name": request.POST.get("name", ""), "error": error,
        "groups": form_groups(shown), "editable": False,
    }  # fmt: skip
    return render(request, "appraisal/extraction_preview.html", context)


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


def _shown(f, value) -> object:
    """A stored value as its input shows it."""
    if f.kind == "multiple_choice":
        return value if isinstance(value, list) else []
    return value_text(f.kind, f.options, value)


def _field_rows(fields, entry, data=None):
    stored = {v.field_id: v for v in entry.values.all()} if entry else {}
    counts = instance_count(fields, data) if data is not None else {}
    rows = []
    for f in fields:
        value = stored.get(f.pk)
        if f.repeat:  # one value per instance, as typed or stored
            if data is not None:
                shown = [_instance_post(f, data, n) for n in range(1, counts[f.section] + 1)]
            else:
                given = value.value if value and isinstance(value.value, list) else []
                shown = [_shown(f, v) for v in given]
            location = data.get(f"location-{f.pk}", "") if data is not None else (
                value.source_location if value else "")  # fmt: skip
            rows.append({"field": f, "instances": shown, "location": location})
            continue
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


def _instance_post(f, data, n: int):
    key = f"value-{f.pk}-{n}"
    return data.getlist(key) if f.kind == "multiple_choice" else data.get(key, "")


def form_groups(rows, added: str | None = None) -> list[dict]:
    """The form's rows as the page shows them: sections in order; a repeating section's
    fields once per instance ("Arm 1", "Arm 2"), each instance named by its `arm` (or
    `outcome` and `timepoint`) value when it has one."""
    groups: list[dict] = []
    for row in rows:
        f = row["field"]
        last = groups[-1] if groups else None
        if last is None or last["section"] != f.section or last["repeat"] != f.repeat:
            last = {"section": f.section, "repeat": f.repeat, "key": f.pk, "rows": []}
            groups.append(last)
        last["rows"].append(row)
        row["name"], row["input_id"] = f"value-{f.pk}", f"v-{f.pk}"
    for group in groups:
        if not group["repeat"]:
            continue
        count = max([1, *(len(r["instances"]) for r in group["rows"])])
        group["count"] = count
        group["noun"] = REPEATS[group["repeat"]].lower()
        instances = []
        for n in range(1, count + 1):
            cells = []
            for r in group["rows"]:
                value = r["instances"][n - 1] if n - 1 < len(r["instances"]) else ""
                pk = r["field"].pk
                cells.append({"field": r["field"], "value": value, "n": n,
                              "name": f"value-{pk}-{n}", "input_id": f"v-{pk}-{n}",
                              "autofocus": added == group["section"] and n == count
                              and not cells})  # fmt: skip
            named = {c["field"].code.lower(): c["value"] for c in cells
                     if isinstance(c["value"], str) and c["value"]}  # fmt: skip
            words = [named[k] for k in INSTANCE_NAMES[group["repeat"]] if k in named]
            instances.append({"n": n, "name": instance_name(group["repeat"], n),
                              "named": ", ".join(words), "cells": cells})  # fmt: skip
        group["instances"] = instances
    return groups


def _instance_action(action: str, fields) -> tuple[str | None, tuple[str, int] | None]:
    """`add:<field id>` (a blank instance of that field's section) or `remove:<field id>:<n>`
    (instance n): (section to add to, (section, n) to drop)."""
    parts = action.split(":")
    by_pk = {str(f.pk): f for f in fields if f.repeat}
    if len(parts) < 2 or parts[1] not in by_pk:
        return None, None
    section = by_pk[parts[1]].section
    if parts[0] == "add":
        return section, None
    if parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit():
        return None, (section, int(parts[2]))
    return None, None


@require_http_methods(["GET", "POST"])
@login_required
def extract(request: HttpRequest, review: str, study_id: int, version_id: int) -> HttpResponse:
    """A reviewer's own extraction: only their own values are shown here (blinding).
    "Add an arm" and "Remove" (a repeating section's instances) save the draft with one
    instance more or less."""
    review_obj = review_for_user(request.user, review)
    study = _study(review_obj, study_id)
    version = _version(review_obj, version_id)
    fields = list(version.fields.all())
    error = ""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    autosave = action == "autosave"
    added, dropped = _instance_action(action, fields)
    if request.method == "POST":
        submit = action == "submit"
        error = save_keeping_draft(
            partial(
                services.extraction_save,
                review=review_obj, study=study, version=version, reviewer=request.user,
                values=values_from_post(fields, request.POST, add=added, drop=dropped),
                comment=request.POST.get("comment", ""),
            ),
            submit=submit,
        )  # fmt: skip
        if not error and not request.htmx:
            note = ("Extraction submitted." if submit else
                    "Instance added." if added else "Instance removed." if dropped else
                    "Values saved.")  # fmt: skip
            messages.success(request, note)
            return redirect("appraisal:extract", review_obj.slug, study.pk, version.pk)
    work = selectors.extraction_work(study, version, selectors.appraisal_settings(review_obj))
    mine = work.mine(request.user)
    lead = is_lead(review_obj)
    rows = _field_rows(fields, mine, request.POST if error else None)
    context = {
        "review": review_obj, "study": study, "version": version, "work": work, "mine": mine,
        "state": work.state if lead else work.state_for(request.user),
        "rows": rows, "groups": form_groups(rows, added),
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
    rows, counts = _consensus_rows(fields, given, agreed, different, work)
    context = {
        "review": review_obj, "study": study, "version": version, "work": work, "rows": rows,
        "difference_count": len(different), "error": error, "instance_counts": counts,
        "may_reconcile": work.may_reconcile(request.user, lead),
        "reports": [r for r in study.reports.all() if r.pdf],
        "methods": CONSENSUS_METHODS if work.required == 1 else CONSENSUS_METHODS[:2],
    }  # fmt: skip
    return render(request, "appraisal/extraction_consensus.html", context)


def _instances(value) -> list:
    return value if isinstance(value, list) else []


def _consensus_rows(fields, given, agreed, different, work) -> tuple[list[dict], list]:
    """The side-by-side rows: one per field, and for a repeating section's field one per
    instance (Arm 1 beside Arm 1), each with its own difference flag; and the instance
    count of each repeating section ([(first field id, count)]) for the POST."""
    from lib.appraisal.answers import same

    first_of: dict[str, int] = {}
    counts: dict[str, int] = {}
    for f in fields:
        if f.repeat:
            first_of.setdefault(f.section, f.pk)
            seen = [len(_instances(v.get(f.pk))) for _, v in given]
            counts[f.section] = max([counts.get(f.section, 1), *seen])
    rows = []
    for f in fields:
        text = partial(value_text, f.kind, f.options)
        if not f.repeat:
            rows.append({
                "field": f, "title": f.label, "key": f.code, "name": f"value-{f.pk}",
                "different": f.pk in different, "method_here": True,
                "values": [(who, text(v.get(f.pk))) for who, v in given],
                "consensus": text(agreed.get(f.pk)) if work.consensus else None,
            })  # fmt: skip
            continue
        method_placed = False
        for n in range(1, counts[f.section] + 1):
            here = [_instances(v.get(f.pk)) for _, v in given]
            cells = [i[n - 1] if n - 1 < len(i) else "" for i in here]
            differs = len(cells) > 1 and not all(same(cells[0], c) for c in cells[1:])
            wanted = differs or work.required == 1
            rows.append({
                "field": f, "title": f"{f.label} ({instance_name(f.repeat, n)})",
                "key": f"{f.code}-{n}", "name": f"value-{f.pk}-{n}", "different": differs,
                "method_here": wanted and not method_placed,
                "values": [(who, text(c)) for (who, _), c in zip(given, cells, strict=True)],
                "consensus": text(_instances(agreed.get(f.pk))[n - 1])
                if work.consensus and n - 1 < len(_instances(agreed.get(f.pk))) else None,
            })  # fmt: skip
            method_placed = method_placed or wanted
    return rows, [(first_of[section], count) for section, count in counts.items()]
