"""Deduplication pages: overview, the queue of probable pairs, clusters, reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from reviews import selectors, services
from reviews.access import is_lead, review_for_user
from reviews.models import DedupPair, Record, Review, Role, Verdict
from reviews.views.downloads import csv_response

LEAD = Role.LEAD


def _records(review: Review, *ids: int) -> list[Record]:
    try:
        return selectors.dedup_records(review, *ids)
    except Record.DoesNotExist:
        raise Http404("No such record in this review") from None


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def dedup_overview(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    if request.htmx and request.htmx.target == "dedup-status":
        run = selectors.dedup_run_state(review_obj)
        # While it runs, the poll reads the job's row only; the counts come with the end.
        summary = selectors.dedup_summary(review_obj) if run.up_to_date else None
        context = {"review": review_obj, "run": run, "summary": summary}
        response = render(request, "reviews/dedup.html#status", context)
        if run.up_to_date:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    summary = selectors.dedup_summary(review_obj)
    context = {
        "review": review_obj,
        "summary": summary,
        "run": summary.run,
        "is_lead": is_lead(review_obj),
    }
    context["sources"] = selectors.dedup_source_counts(review_obj)
    context["events"] = selectors.dedup_events(review_obj, limit=20)
    return render(request, "reviews/dedup.html", context)


@require_POST
@login_required
def dedup_run_now(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    services.dedup_request(review_id=review_obj.pk)
    messages.success(request, "Deduplication queued: the page shows its progress.")
    return redirect("reviews:dedup", review_obj.slug)


def _pair_context(review: Review, left: Record, right: Record, pair: DedupPair | None) -> dict:
    return {
        "review": review,
        "left": left,
        "right": right,
        "pair": pair,
        "rows": selectors.dedup_compare(left, right),
        "left_cluster": selectors.dedup_cluster(review, left),
        "right_cluster": selectors.dedup_cluster(review, right),
    }


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def dedup_queue(request: HttpRequest, review: str) -> HttpResponse:
    """The next probable pair, side by side; `?after=<pair>` skips one."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    after = request.GET.get("after")
    pair = selectors.dedup_queue_next(
        review_obj, after=int(after) if after and after.isdigit() else None
    )
    context: dict = {"review": review_obj, "remaining": review_obj.dedup_pairs.count()}
    if pair is not None:
        left, right = _records(review_obj, pair.record_a_id, pair.record_b_id)
        context |= _pair_context(review_obj, left, right, pair)
    if request.htmx and request.htmx.target == "dedup-pair":
        return render(request, "reviews/dedup_pair.html#pair", context)
    return render(request, "reviews/dedup_pair.html", context)


@require_GET
@login_required
def dedup_compare(request: HttpRequest, review: str, record_id: int, other_id: int) -> HttpResponse:
    """Any two records side by side, to merge or keep apart by hand."""
    review_obj = review_for_user(request.user, review, role=LEAD)
    if record_id == other_id:
        raise Http404("Choose two different records")
    left, right = _records(review_obj, record_id, other_id)
    context = _pair_context(review_obj, left, right, None)
    context["remaining"] = review_obj.dedup_pairs.count()
    return render(request, "reviews/dedup_pair.html", context)


@require_POST
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def dedup_decide(request: HttpRequest, review: str, record_id: int, other_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    left, right = _records(review_obj, record_id, other_id)
    verdict = request.POST.get("verdict", "")
    try:
        services.dedup_decide(
            review=review_obj, record=left, other=right, verdict=verdict, user=request.user
        )
    except ValidationError as error:
        if request.htmx:
            # htmx 2 rule: the fragment again, with the message inline.
            context = _pair_context(review_obj, left, right, None)
            context |= {
                "remaining": review_obj.dedup_pairs.count(),
                "error": " ".join(error.messages),
            }
            return render(request, "reviews/dedup_pair.html#pair", context)
        messages.error(request, " ".join(error.messages))
        return redirect("reviews:dedup_compare", review_obj.slug, record_id, other_id)
    said = "the same paper" if verdict == Verdict.SAME else "different papers"
    if request.POST.get("next") == "queue":
        if request.htmx:
            context: dict = {"review": review_obj, "remaining": review_obj.dedup_pairs.count()}
            pair = selectors.dedup_queue_next(review_obj)
            if pair is not None:
                a, b = _records(review_obj, pair.record_a_id, pair.record_b_id)
                context |= _pair_context(review_obj, a, b, pair)
            context["decided"] = f"Records #{left.label_number} and #{right.label_number}: {said}."
            response = render(request, "reviews/dedup_pair.html#pair", context)
            return trigger_client_event(
                response, "dedup-decided", {"remaining": context["remaining"]}
            )
        messages.success(
            request, f"Records #{left.label_number} and #{right.label_number}: {said}."
        )
        return redirect("reviews:dedup_queue", review_obj.slug)
    messages.success(request, f"Records #{left.label_number} and #{right.label_number}: {said}.")
    return redirect("reviews:dedup_cluster", review_obj.slug, left.pk)


@require_GET
@login_required
def dedup_cluster(request: HttpRequest, review: str, record_id: int) -> HttpResponse:
    """A record's cluster; `?with=<record number>` (a lead's lookup box) opens the side-by-side
    comparison with that record."""
    review_obj = review_for_user(request.user, review)
    (record,) = _records(review_obj, record_id)
    context = {
        "review": review_obj,
        "record": record,
        "cluster": selectors.dedup_cluster(review_obj, record),
        "is_lead": is_lead(review_obj),
    }
    if "with" in request.GET and context["is_lead"]:
        other = request.GET["with"].strip().lstrip("#")
        # The number people see ("#N", `label_number`), local to the review: never the
        # primary key of a numbered record.
        found = None
        if other.isdigit() and len(other) <= 18:
            n = int(other)
            found = (
                Record.objects.in_review(review_obj)
                .filter(Q(number=n) | Q(number__isnull=True, pk=n))
                .order_by(F("number").asc(nulls_last=True))
                .first()
            )
        if not other.isdigit() or (found is not None and found.pk == record_id):
            context["compare_error"] = "Type the number of another record of this review."
        elif found is None:
            context["compare_error"] = f"This review has no record #{other}."
        else:
            return redirect("reviews:dedup_compare", review_obj.slug, record_id, found.pk)
        context["compare_with"] = other
    return render(request, "reviews/dedup_cluster.html", context)


def _cluster_action(request: HttpRequest, review: str, record_id: int, action, done: str):
    review_obj = review_for_user(request.user, review, role=LEAD)
    (record,) = _records(review_obj, record_id)
    try:
        action(review=review_obj, record=record, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(pk=record.label_number))
    return redirect("reviews:dedup_cluster", review_obj.slug, record.pk)


@require_POST
@login_required
def dedup_split(request: HttpRequest, review: str, record_id: int) -> HttpResponse:
    return _cluster_action(
        request,
        review,
        record_id,
        services.dedup_split,
        "Record #{pk} is now a paper of its own, and later runs will keep it apart.",
    )


@require_POST
@login_required
def dedup_primary(request: HttpRequest, review: str, record_id: int) -> HttpResponse:
    return _cluster_action(
        request,
        review,
        record_id,
        services.dedup_set_primary,
        "Record #{pk} is now the record screening shows for this paper.",
    )


@require_GET
@login_required
def dedup_report_csv(request: HttpRequest, review: str) -> StreamingHttpResponse:
    review_obj = review_for_user(request.user, review)
    return csv_response(
        selectors.dedup_report_rows(review_obj), f"{review_obj.slug}-deduplication.csv"
    )


@require_GET
@login_required
def dedup_sources_csv(request: HttpRequest, review: str) -> StreamingHttpResponse:
    review_obj = review_for_user(request.user, review)
    rows = [
        [
            "source",
            "arm",
            "records",
            "duplicates_removed",
            "kept",
            "papers_found",
            "papers_found_only_here",
        ]
    ]
    for c in selectors.dedup_source_counts(review_obj):
        rows.append(
            [c.source.name, c.source.arm, c.records, c.duplicates, c.kept, c.papers, c.unique]
        )
    return csv_response(rows, f"{review_obj.slug}-deduplication-by-source.csv")


@require_GET
@login_required
def dedup_decisions_csv(request: HttpRequest, review: str) -> StreamingHttpResponse:
    review_obj = review_for_user(request.user, review)
    return csv_response(
        selectors.dedup_event_rows(review_obj), f"{review_obj.slug}-deduplication-log.csv"
    )
