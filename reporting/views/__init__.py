"""Reporting pages: the PRISMA 2020 diagram with its checks and downloads, the lists behind
its boxes, and the PRISMA-S source table. Lead-only: the counts are derived from every
reviewer's decisions, which blinded reviewers must not see.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reporting import rendering, selectors, services
from reporting.exports import RecordExport, audit_rows, log_rows
from reporting.forms import NoteForm, OverrideForm
from reviews.access import is_lead, review_for_user
from reviews.models import Role
from reviews.views.downloads import csv_response, file_response, xlsx_response
from screening.access import viewer_of

LEAD = Role.LEAD


@login_required
@require_GET
def prisma(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    diagram = rendering.diagram(review_obj)
    return render(
        request,
        "reporting/prisma.html",
        {
            "review": review_obj,
            "diagram": diagram,
            "svg": rendering.svg(review_obj, diagram),
            "overrides": selectors.prisma_overrides(review_obj),
            "override_form": OverrideForm(),
            "formats": rendering.FORMATS,
        },
    )


@login_required
@require_GET
def prisma_download(request: HttpRequest, review: str, fmt: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    if fmt not in rendering.FORMATS:
        raise Http404("No such format")
    diagram = rendering.diagram(review_obj, for_csv=fmt == "csv")
    try:
        body, content_type = rendering.export(review_obj, diagram, fmt)
    except rendering.ExportBlocked as blocked:
        messages.error(request, str(blocked))
        return redirect("reporting:prisma", review_obj.slug)
    return file_response(body, content_type, f"{review_obj.slug}-prisma.{fmt}")


@login_required
@require_POST
def prisma_override(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    if request.POST.get("clear"):
        services.prisma_override_clear(review=review_obj, field=request.POST["clear"])
        messages.success(request, "Back to the computed count.")
        return redirect("reporting:prisma", review_obj.slug)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.prisma_override_set(review=review_obj, user=request.user, **form.cleaned_data)
            messages.success(request, "Count recorded; the diagram marks it as entered by you.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(
            request,
            "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()),
        )
    return redirect(reverse("reporting:prisma", args=[review_obj.slug]) + "#counts")


@login_required
@require_POST
def prisma_note(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.prisma_note_set(review=review_obj, user=request.user, **form.cleaned_data)
            messages.success(request, "Note saved.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose a check and write the note.")
    return redirect(reverse("reporting:prisma", args=[review_obj.slug]) + "#checks")


@login_required
@require_GET
def prisma_box(request: HttpRequest, review: str, key: str) -> HttpResponse:
    """The records or reports a box of the diagram counts (PRISMA item 16b for exclusions)."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    box = selectors.box_items(review_obj, key)
    if box is None:
        raise Http404("No such box")
    page = Paginator(box.items, 100).get_page(request.GET.get("page"))
    return render(request, "reporting/box.html", {"review": review_obj, "box": box, "page": page})


@login_required
@require_GET
def prisma_s(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    return render(
        request,
        "reporting/prisma_s.html",
        {"review": review_obj, "rows": selectors.prisma_s_rows(review_obj),
         "header": selectors.PRISMA_S_HEADER},
    )  # fmt: skip


@login_required
@require_GET
def prisma_s_csv(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    rows = [selectors.PRISMA_S_HEADER] + [r.cells for r in selectors.prisma_s_rows(review_obj)]
    return csv_response(rows, f"{review_obj.slug}-prisma-s.csv")


# --- exports -------------------------------------------------------------------------------

EXPORT_FORMATS = {"csv", "xlsx", "ris"}


@login_required
@require_GET
def records_export(request: HttpRequest, review: str, fmt: str) -> HttpResponse:
    """Every record with its decisions (?included=1: the included studies' records only).
    A lead gets every reviewer's votes and the final verdicts; anyone else their own votes."""
    review_obj = review_for_user(request.user, review)
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such format")
    # Blinding (screening.access): a reviewer's export holds their own votes and no column
    # derived from anyone else's (final verdicts, retrieval, study).
    full = viewer_of(review_obj).sees_derived_columns
    included = request.GET.get("included") == "1"
    if included and not full:
        raise PermissionDenied("Only a lead can export the included studies.")
    export = RecordExport(
        review_obj, viewer_only=None if full else request.user.pk, included_only=included
    )
    name = f"{review_obj.slug}-{'included' if included else 'records'}"
    if fmt == "csv":
        return csv_response(export.rows(), f"{name}.csv")
    if fmt == "xlsx":
        return xlsx_response([("Records", export.rows())], f"{name}.xlsx")
    return file_response(
        export.ris().encode(), "application/x-research-info-systems", f"{name}.ris"
    )


@login_required
@require_GET
def screening_log(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    return csv_response(log_rows(review_obj), f"{review_obj.slug}-screening-log.csv")


@login_required
@require_GET
def audit_csv(request: HttpRequest, review: str) -> HttpResponse:
    """The whole audit trail (leads: it holds every reviewer's votes)."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    return csv_response(audit_rows(review_obj), f"{review_obj.slug}-audit-trail.csv")


@login_required
@require_GET
def exports(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    return render(
        request,
        "reporting/exports.html",
        {"review": review_obj, "is_lead": is_lead(review_obj)},
    )
