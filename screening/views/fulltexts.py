"""Full texts: the reports to retrieve, their PDFs, bulk uploads, studies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from reviews.access import is_lead, review_for_user
from reviews.models import Record, Review, Role
from screening import selectors, services
from screening.access import viewer_of
from screening.forms import RetrievalForm, StudyForm
from screening.models import BulkStatus, BulkUpload, Report, Retrieval

LEAD = Role.LEAD


def _report(review: Review, report_id: int) -> Report:
    try:
        return selectors.report_of(review, report_id, viewer_of(review))
    except Report.DoesNotExist:
        raise Http404("No such report in this review") from None


@require_GET
@login_required
def reports(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    wanted = request.GET.get("retrieval", "")
    wanted = wanted if wanted in Retrieval.values else ""
    reports = list(selectors.report_list(review_obj, viewer_of(review_obj), wanted))
    selectors.cite(review_obj, [r.study for r in reports if r.study])  # one query for labels
    context = {
        "review": review_obj,
        "counts": selectors.retrieval_counts(review_obj, viewer_of(review_obj)),
        "reports": reports,
        "wanted": wanted,
        "is_lead": is_lead(review_obj),
        "retrieval_choices": Retrieval.choices,
        "max_pdf_mb": services.max_pdf_bytes() // (1024 * 1024),
    }
    return render(request, "screening/reports.html", context)


@require_GET
@login_required
def report(request: HttpRequest, review: str, report_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    item = _report(review_obj, report_id)
    context = {
        "review": review_obj,
        "report": item,
        "form": RetrievalForm(
            initial={
                "retrieval": item.retrieval,
                "reason": item.not_retrieved_reason,
                "note": item.not_retrieved_note,
                "link": item.link,
            }
        ),
        "study_form": StudyForm(review=review_obj) if item.study_id else None,
        "is_lead": is_lead(review_obj),
        "max_pdf_mb": services.max_pdf_bytes() // (1024 * 1024),
    }
    return render(request, "screening/report.html", context)


@require_GET
@login_required
@xframe_options_sameorigin  # shown in a frame next to the decision panel
@csp_override({"default-src": [CSP.NONE], "frame-ancestors": [CSP.SELF]})
def report_pdf(request: HttpRequest, review: str, report_id: int) -> FileResponse:
    review_obj = review_for_user(request.user, review)
    item = _report(review_obj, report_id)
    if not item.pdf:
        raise Http404("No PDF attached to this report")
    response = FileResponse(
        item.pdf.open("rb"), content_type="application/pdf", filename=item.pdf_name or "report.pdf"
    )
    response["Cache-Control"] = "private, no-store"  # a paywalled full text, for the team
    return response


@require_POST
@login_required
def report_upload(request: HttpRequest, review: str, report_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    item = _report(review_obj, report_id)
    upload = request.FILES.get("pdf")
    if upload is None:
        messages.error(request, "Choose a PDF file to upload.")
        return redirect("screening:report", review_obj.slug, item.pk)
    try:
        services.report_attach_pdf(
            review=review_obj, report=item, upload=upload, filename=upload.name, user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{upload.name} attached: the full text is retrieved.")
    return redirect("screening:report", review_obj.slug, item.pk)


@require_POST
@login_required
def report_retrieval(request: HttpRequest, review: str, report_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    item = _report(review_obj, report_id)
    form = RetrievalForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the status, the reason and the link.")
        return redirect("screening:report", review_obj.slug, item.pk)
    data = form.cleaned_data
    try:
        services.report_set_retrieval(
            review=review_obj, report=item, retrieval=data["retrieval"], user=request.user,
            reason=data["reason"], note=data["note"], link=data["link"],
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Retrieval status saved.")
    return redirect("screening:report", review_obj.slug, item.pk)


@require_POST
@login_required
def report_add(request: HttpRequest, review: str, record_id: int) -> HttpResponse:
    """A record found by other methods goes straight to the full-text stage."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    record = get_object_or_404(Record.objects.in_review(review_obj), pk=record_id)
    try:
        item = services.report_add_other_method(review=review_obj, record=record, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reviews:record_detail", review_obj.slug, record.pk)
    messages.success(request, "The record is now a report to retrieve.")
    return redirect("screening:report", review_obj.slug, item.pk)


@require_POST
@login_required
def bulk_upload(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    try:
        files = request.FILES.getlist("files")
    except TooManyFilesSent:
        messages.error(request, "That is more than 2,000 files at once: put them in a zip.")
        return redirect("screening:reports", review_obj.slug)
    try:
        bulk = services.bulk_upload_start(review=review_obj, files=files, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("screening:reports", review_obj.slug)
    return redirect("screening:bulk", review_obj.slug, bulk.pk)


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def bulk(request: HttpRequest, review: str, bulk_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    job = get_object_or_404(BulkUpload, pk=bulk_id, review=review_obj)
    context = {
        "review": review_obj,
        "bulk": job,
        "items": list(job.items.select_related("report__record")),
        "reports": review_obj.reports.filter(eligible=True)
        .select_related("record")
        .only("pk", "pdf", "record__title", "record__year", "record__number")
        .order_by("record__title"),
        "busy": job.status in (BulkStatus.QUEUED, BulkStatus.RUNNING),
    }
    if request.htmx and request.htmx.target == "bulk-status":
        response = render(request, "screening/bulk.html#status", context)
        if not context["busy"]:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "screening/bulk.html", context)


@require_POST
@login_required
def bulk_confirm(request: HttpRequest, review: str, bulk_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    job = get_object_or_404(BulkUpload, pk=bulk_id, review=review_obj)
    typed: dict[int, int | None] = {}
    for item in job.items.all():
        # "#12" or "12" (a record's number, as every page shows it), or empty to leave it out.
        value = request.POST.get(f"item-{item.pk}", "").strip().split(" ", 1)[0].lstrip("#")
        if value and not (value.isascii() and value.isdigit()):
            messages.error(request, f"“{value[:20]}” is not a record number: type one like #12.")
            return redirect("screening:bulk", review_obj.slug, job.pk)
        typed[item.pk] = int(value) if value else None
    reports = selectors.report_ids_by_number(review_obj, [n for n in typed.values() if n])
    missing = sorted({n for n in typed.values() if n and n not in reports})
    if missing:
        listed = ", ".join(f"#{n}" for n in missing[:10])
        messages.error(
            request,
            f"No record with a full text to retrieve has the number {listed} in this review: "
            "type the number of a record listed under All full texts.",
        )
        return redirect("screening:bulk", review_obj.slug, job.pk)
    choices = {pk: (reports[n] if n else None) for pk, n in typed.items()}
    try:
        attached = services.bulk_upload_confirm(
            review=review_obj, bulk=job, choices=choices, user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("screening:bulk", review_obj.slug, job.pk)
    messages.success(request, f"{attached} PDF{'s' if attached != 1 else ''} attached.")
    return redirect("screening:reports", review_obj.slug)


@require_GET
@login_required
def studies(request: HttpRequest, review: str) -> HttpResponse:
    # Leads only: a study appears once both reviewers included a report, which would tell
    # a reviewer the other's vote while they can still change their own.
    review_obj = review_for_user(request.user, review, role=LEAD)
    context = {
        "review": review_obj,
        "studies": selectors.cite(review_obj, selectors.study_list(review_obj)),
        "is_lead": is_lead(review_obj),
    }
    return render(request, "screening/studies.html", context)


@require_POST
@login_required
def report_study(request: HttpRequest, review: str, report_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    item = _report(review_obj, report_id)
    form = StudyForm(request.POST, review=review_obj)
    if not form.is_valid():
        messages.error(request, "Choose a study of this review.")
        return redirect("screening:report", review_obj.slug, item.pk)
    try:
        study = services.study_link(
            review=review_obj, report=item, study=form.cleaned_data["study"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The report now belongs to the study {study.label}.")
    return redirect("screening:report", review_obj.slug, item.pk)


@require_POST
@login_required
def report_study_unlink(request: HttpRequest, review: str, report_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    item = _report(review_obj, report_id)
    try:
        services.study_unlink(review=review_obj, report=item, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The report is a study of its own again.")
    return redirect("screening:report", review_obj.slug, item.pk)
