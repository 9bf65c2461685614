"""HTTP translation: access -> form -> service/selector -> render. Function views only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from reviews import selectors, services
from reviews.access import is_lead, review_for_user, viewer_member
from reviews.forms import (
    MappingForm,
    MemberAddForm,
    MemberRoleForm,
    RecordEditForm,
    RecordFilterForm,
    ReviewForm,
    SearchForm,
    SourceForm,
    UploadForm,
    criteria_text,
)
from reviews.history import record_history
from reviews.home import home_sections
from reviews.models import (
    BatchStatus,
    CriterionKind,
    ImportBatch,
    Member,
    Record,
    Role,
    Search,
    Source,
)
from reviews.record_status import record_statuses
from reviews.services.imports import PROBLEM_LABELS

LEAD = Role.LEAD


def _errors_to_form(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


# --- Reviews -------------------------------------------------------------------------


@require_GET
@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reviews/list.html", {"reviews": selectors.reviews_for_user(request.user)}
    )


@require_http_methods(["GET", "POST"])
@login_required
def review_create(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_create(
                user=request.user,
                title=data["title"],
                question=data["question"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                inclusion=data["inclusion"],
                exclusion=data["exclusion"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Review created. Next: add the sources you searched.")
            return redirect("reviews:detail", review=review.slug)
    return render(request, "reviews/review_form.html", {"form": form, "creating": True})


@require_GET
@login_required
def review_detail(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    context = {
        "review": review_obj,
        "summary": selectors.review_summary(review_obj),
        "inclusion": review_obj.criteria.filter(kind=CriterionKind.INCLUDE),
        "exclusion": review_obj.criteria.filter(kind=CriterionKind.EXCLUDE),
        "batches": selectors.batch_list(review_obj)[:5],
        "is_lead": is_lead(review_obj),
        # Screening's progress and next step, reporting's flow (what this member may see).
        "sections": home_sections(review_obj, viewer_member(review_obj)),
    }
    return render(request, "reviews/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def review_edit(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    initial = {
        "title": review_obj.title,
        "question": review_obj.question,
        "date_from": review_obj.date_from,
        "date_to": review_obj.date_to,
        "inclusion": criteria_text(review_obj.criteria.filter(kind=CriterionKind.INCLUDE)),
        "exclusion": criteria_text(review_obj.criteria.filter(kind=CriterionKind.EXCLUDE)),
    }
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_update(
                review=review_obj,
                title=data["title"],
                question=data["question"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                inclusion=data["inclusion"],
                exclusion=data["exclusion"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Review saved.")
            return redirect("reviews:detail", review=review_obj.slug)
    return render(request, "reviews/review_form.html", {"form": form, "review": review_obj})


# --- Team ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def team(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(
        request.user, review, role=LEAD if request.method == "POST" else None
    )
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_add(
                review=review_obj,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request, f"{member.user.username} added as {member.get_role_display().lower()}."
            )
            return redirect("reviews:team", review=review_obj.slug)
    context = {
        "review": review_obj,
        "members": selectors.team_list(review_obj),
        "form": form,
        "roles": Role.choices,
        "is_lead": is_lead(review_obj),
    }
    return render(request, "reviews/team.html", context)


@require_POST
@login_required
def member_role(request: HttpRequest, review: str, member_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    member = get_object_or_404(Member, pk=member_id, review=review_obj)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_set_role(member=member, role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{member.user.username} is now {member.get_role_display().lower()}."
            )
    else:
        messages.error(request, "Choose lead or reviewer.")
    return redirect("reviews:team", review=review_obj.slug)


@require_POST
@login_required
def member_remove(request: HttpRequest, review: str, member_id: int) -> HttpResponse:
    """The team page's Remove button asks first (a page, so it works without JavaScript);
    the confirmation's own button sends `confirm`."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    member = get_object_or_404(
        Member.objects.select_related("user"), pk=member_id, review=review_obj
    )
    if request.POST.get("confirm") != "yes":
        context = {"review": review_obj, "member": member}
        return render(request, "reviews/member_remove.html", context)
    try:
        services.member_remove(member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member.user.username} removed from the team.")
    return redirect("reviews:team", review=review_obj.slug)


# --- Sources and searches ------------------------------------------------------------


@require_GET
@login_required
def source_list(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    context = {
        "review": review_obj,
        "sources": selectors.source_list(review_obj),
        "is_lead": is_lead(review_obj),
    }
    return render(request, "reviews/sources.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def source_create(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(review=review_obj, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, f"Source {source.name} added. Record its search next.")
            return redirect("reviews:search_create", review=review_obj.slug, source_id=source.pk)
    return render(request, "reviews/source_form.html", {"review": review_obj, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def source_edit(request: HttpRequest, review: str, source_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    source = get_object_or_404(Source, pk=source_id, review=review_obj)
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(source=source, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Source saved.")
            return redirect("reviews:source_detail", review=review_obj.slug, source_id=source.pk)
    context = {"review": review_obj, "form": form, "source": source}
    return render(request, "reviews/source_form.html", context)


@require_GET
@login_required
def source_detail(request: HttpRequest, review: str, source_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    source = get_object_or_404(Source, pk=source_id, review=review_obj)
    context = {
        "review": review_obj,
        "source": source,
        "searches": source.searches.all(),
        "batches": selectors.batch_list(review_obj, source=source),
        "upload_form": UploadForm(source=source),
        "is_lead": is_lead(review_obj),
    }
    return render(request, "reviews/source_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def search_create(request: HttpRequest, review: str, source_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    source = get_object_or_404(Source, pk=source_id, review=review_obj)
    initial = {"date_limits_from": review_obj.date_from, "date_limits_to": review_obj.date_to}
    form = SearchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.search_create(source=source, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Search recorded.")
            return redirect("reviews:source_detail", review=review_obj.slug, source_id=source.pk)
    context = {"review": review_obj, "source": source, "form": form}
    return render(request, "reviews/search_form.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def search_edit(request: HttpRequest, review: str, search_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    search = get_object_or_404(Search, pk=search_id, source__review=review_obj)
    form = SearchForm(request.POST or None, instance=search)
    if request.method == "POST" and form.is_valid():
        try:
            services.search_update(search=search, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, "Search saved.")
            return redirect(
                "reviews:source_detail", review=review_obj.slug, source_id=search.source_id
            )
    context = {"review": review_obj, "source": search.source, "form": form, "search": search}
    return render(request, "reviews/search_form.html", context)


# --- Imports -------------------------------------------------------------------------


@require_POST
@login_required
def import_upload(request: HttpRequest, review: str, source_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    source = get_object_or_404(Source, pk=source_id, review=review_obj)
    form = UploadForm(request.POST, request.FILES, source=source)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_batch_start(
                review=review_obj,
                source=source,
                search=form.cleaned_data["search"],
                upload=upload,
                filename=upload.name,
                user=request.user,
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("reviews:batch_detail", review=review_obj.slug, batch_id=batch.pk)
    context = {
        "review": review_obj,
        "source": source,
        "searches": source.searches.all(),
        "batches": selectors.batch_list(review_obj, source=source),
        "upload_form": form,
        "is_lead": True,
    }
    return render(request, "reviews/source_detail.html", context, status=200)


@require_GET
@login_required
def batch_list(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    context = {"review": review_obj, "batches": selectors.batch_list(review_obj)}
    return render(request, "reviews/batches.html", context)


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")  # one URL: a page or a fragment
def batch_detail(request: HttpRequest, review: str, batch_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    batch = get_object_or_404(
        ImportBatch.objects.select_related("source", "search", "uploaded_by"),
        pk=batch_id,
        review=review_obj,
    )
    context = {"review": review_obj, "batch": batch, "is_lead": is_lead(review_obj)}
    if batch.status == BatchStatus.READY:
        context["mapping_form"] = MappingForm(
            columns=batch.preview.get("columns") or [], initial=batch.column_mapping
        )
        context["problem_choices"] = [
            (code, PROBLEM_LABELS[code], n)
            for code, n in sorted(batch.preview.get("problems", {}).items())
            if code in PROBLEM_LABELS
        ]
    elif batch.status == BatchStatus.DONE:
        context["warned_records"] = batch.records.exclude(warnings=[]).only(
            "pk", "ordinal", "source_line", "title", "warnings"
        )[:100]
    if request.htmx:
        response = render(request, "reviews/batch.html#progress", context)
        if not batch.is_active:
            # 286 ends htmx polling; the swapped-in fragment shows the final state.
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "reviews/batch.html", context)


def _batch_action(request: HttpRequest, review: str, batch_id: int, action) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    batch = get_object_or_404(ImportBatch, pk=batch_id, review=review_obj)
    try:
        message = action(batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect("reviews:batch_detail", review=review_obj.slug, batch_id=batch.pk)


@require_POST
@login_required
def batch_confirm(request: HttpRequest, review: str, batch_id: int) -> HttpResponse:
    def confirm(batch):
        services.import_batch_confirm(
            batch=batch,
            exclude_problems=request.POST.getlist("exclude"),
            allow_duplicate=request.POST.get("allow_duplicate") == "yes",
        )
        return "Import started."

    return _batch_action(request, review, batch_id, confirm)


@require_POST
@login_required
def batch_remap(request: HttpRequest, review: str, batch_id: int) -> HttpResponse:
    def remap(batch):
        form = MappingForm(request.POST, columns=batch.preview.get("columns") or [])
        if not form.is_valid():
            raise ValidationError("Choose a field or 'leave as it is' for each column.")
        services.import_batch_remap(batch=batch, mapping=form.mapping())
        return "Reading the file again with your column choices."

    return _batch_action(request, review, batch_id, remap)


@require_POST
@login_required
def batch_cancel(request: HttpRequest, review: str, batch_id: int) -> HttpResponse:
    def cancel(batch):
        services.import_batch_cancel(batch=batch, user=request.user)
        return "Import cancelled; nothing was stored."

    return _batch_action(request, review, batch_id, cancel)


@require_POST
@login_required
def batch_requeue(request: HttpRequest, review: str, batch_id: int) -> HttpResponse:
    def requeue(batch):
        if not services.import_batches_requeue(batch_ids=[batch.pk]):
            raise ValidationError("This import is not waiting for a worker.")
        return "Import queued again."

    return _batch_action(request, review, batch_id, requeue)


@require_POST
@login_required
def batch_undo(request: HttpRequest, review: str, batch_id: int) -> HttpResponse:
    def undo(batch):
        if request.POST.get("confirm") != "yes":
            raise ValidationError("Tick the box to confirm that the records should be removed.")
        removed = services.import_batch_undo(batch=batch, user=request.user)
        return f"Import undone: {removed} {ngettext('record', 'records', removed)} removed."

    return _batch_action(request, review, batch_id, undo)


# --- Records -------------------------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def record_list(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    # Each stage's status of every paper, as this member may know it (screening's Viewer).
    stages = record_statuses(review_obj, viewer_member(review_obj))
    form = RecordFilterForm(
        request.GET or None,
        sources=review_obj.sources.all(),
        batches=selectors.batch_filter_choices(review_obj),
        stages=stages,
    )
    filters = selectors.RecordFilters()
    records = selectors.record_search(review_obj, filters)
    if form.is_bound and not form.is_valid():
        records = records.none()  # a filter that names nothing of this review matches nothing
    elif form.is_valid():
        data = form.cleaned_data
        filters = selectors.RecordFilters(
            q=data["q"], source_id=data["source"], batch_id=data["batch"], role=data["role"]
        )
        records = selectors.record_search(review_obj, filters)
        if data["status"]:
            records = _with_status(records, stages, data["status"])
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    for record in page.object_list:
        record.stage_statuses = [s.labels.get(s.of(record), "") for s in stages]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "review": review_obj,
        "form": form,
        "stages": stages,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query": query.urlencode(),
    }
    if request.htmx and request.htmx.target == "record-results":
        return render(request, "reviews/records.html#results", context)
    return render(request, "reviews/records.html", context)


def _with_status(records, stages, wanted: str):
    """`<stage>:<status>` (a choice of RecordFilterForm): the records with that status."""
    stage_name, _, status = wanted.partition(":")
    if status == "duplicate":
        return records.filter(duplicate_of__isnull=False)
    stage = next(s for s in stages if s.stage == stage_name)
    ids = [pk for pk, value in stage.statuses.items() if value == status]
    return records.filter(pk__in=ids, duplicate_of__isnull=True)


@require_GET
@login_required
def record_detail(request: HttpRequest, review: str, record_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    try:
        record = selectors.record_detail(review_obj, record_id)
    except Record.DoesNotExist:
        raise Http404("No such record in this review") from None
    context = {
        "review": review_obj,
        "record": record,
        "is_lead": is_lead(review_obj),
        # Blinding: what the viewer may see (a reviewer: their own votes, no verdicts).
        "history": record_history(record, viewer_member(review_obj)),
        "corrections": selectors.record_corrections(record),
    }
    return render(request, "reviews/record.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def record_edit(request: HttpRequest, review: str, record_id: int) -> HttpResponse:
    """A lead corrects the record's fields; the imported text stays, the change goes into
    the record's history and deduplication runs again."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    try:
        record = selectors.record_detail(review_obj, record_id)
    except Record.DoesNotExist:
        raise Http404("No such record in this review") from None
    form = RecordEditForm.for_record(record, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.record_edit(
                review=review_obj, record=record, user=request.user, values=form.values()
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            if changes:
                messages.success(request, "Record corrected; deduplication runs again.")
            else:
                messages.success(request, "Nothing was changed.")
            return redirect("reviews:record_detail", review_obj.slug, record.pk)
    context = {"review": review_obj, "record": record, "form": form}
    return render(request, "reviews/record_edit.html", context)
