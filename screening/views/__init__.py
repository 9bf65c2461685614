"""Screening pages. HTTP translation only: access -> form -> service/selector -> render.

Blinding: the reviewer's screen, their progress and "my decisions" read that reviewer's own
votes only. Conflicts (with both votes) are for leads and the named resolver; the agreement
dashboard and the history are for leads.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from lib import ranking as lib_ranking
from lib.ranking.figure import FORMATS, relevance_curve
from reviews.access import is_lead, review_for_user
from reviews.models import CriterionKind, Record, Review, Role
from reviews.views.downloads import csv_response
from screening import selectors, services
from screening.access import conflicts_hidden_from, sees_every_conflict, viewer_of
from screening.forms import (
    DecisionForm,
    ResolutionForm,
    StageSettingsForm,
    StopForm,
    StoppingTestForm,
)
from screening.models import AutomationStop, Order, Report, Stage, StageSettings

LEAD = Role.LEAD


def notes_context(viewer, paper, stage):
    from screening.views.notes import notes_context as context  # the notes views import these

    return context(viewer, paper, stage)


def _stage(stage: str) -> str:
    if stage not in Stage.values:
        raise Http404("No such screening stage")
    return stage


def _open(request: HttpRequest, review: str, stage: str, role: str | None = None):
    """Access, the stage and its settings, and the context every screening page starts
    from."""
    review_obj = review_for_user(request.user, review, role=role)
    stage = _stage(stage)
    settings = selectors.stage_settings(review_obj, stage)
    base = {
        "review": review_obj,
        "stage": stage,
        "stage_label": Stage(stage).label,
        "settings": settings,
    }
    return review_obj, stage, settings, base


_DRAFT = "screening_undo_draft"  # session key: the withdrawn vote's reason and note


def _paper(review: Review, record_id: int, stage: str = Stage.TITLE_ABSTRACT) -> Record:
    record = selectors.papers(review, stage).filter(pk=record_id).first()  # the card shows it
    if record is None:
        raise Http404("No such record to screen in this review")
    return record


def _card_context(request, review: Review, stage: str, settings, record, *, stream: bool, **extra):
    # A record offered by the stream is one the reviewer has not decided: no need to look.
    fresh = extra.pop("fresh", False)
    mine = selectors.my_decision(record, request.user, stage) if record and not fresh else None
    form = extra.pop("form", None) or DecisionForm(
        review=review,
        initial={
            "verdict": mine.verdict if mine else None,
            "reason": mine.reason_id if mine else None,
            "reason_other": mine.reason_other if mine else "",
            "note": mine.note if mine else "",
        },
    )
    marker = selectors.highlighter(settings)
    reasons = list(review.criteria.filter(kind=CriterionKind.EXCLUDE).order_by("code"))
    return {
        "review": review,
        "stage": stage,
        "stage_label": Stage(stage).label,
        "settings": settings,
        "record": record,
        "mine": mine,
        # Every slot filled: the vote is fixed (a fact about filled slots, not about the
        # colleague's verdict; screening.access).
        "fixed": mine is not None
        and selectors.paper_voters(record, stage) >= settings.reviewers_required,
        "stream": stream,
        "form": form,
        "title_runs": marker.runs(record.title) if record else [],
        "abstract_runs": marker.runs(record.abstract) if record else [],
        "keyword_runs": marker.runs("; ".join(record.keywords)) if record else [],
        "reasons": reasons[:9],
        "more_reasons": reasons[9:],
        "inclusion": review.criteria.filter(kind=CriterionKind.INCLUDE).order_by("code"),
        "report": (
            Report.objects.filter(record=record).first()
            if record is not None and stage == Stage.FULL_TEXT
            else None
        ),
        **extra,
    }


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def screen(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    """The next record in the reviewer's own order, or `?record=<id>` to revisit one."""
    review_obj, stage, settings, base = _open(request, review, stage)
    settings = selectors.stage_settings(review_obj, stage)
    wanted = request.GET.get("record", "")
    if wanted.isdigit():
        record = _paper(review_obj, int(wanted), stage)
        stream = False
    else:
        record = selectors.next_record(review_obj, request.user, stage, settings)
        stream = True
    extra = {}
    draft = request.session.get(_DRAFT)
    if draft and record is not None and (draft["record"], draft["stage"]) == (record.pk, stage):
        del request.session[_DRAFT]  # an undo without JavaScript: its reason and note
        draft = {k: v for k, v in draft.items() if k not in ("record", "stage")}
        extra["form"] = DecisionForm(review=review_obj, initial=draft)
    context = _card_context(
        request, review_obj, stage, settings, record, stream=stream, fresh=stream, **extra
    )
    if request.htmx and request.htmx.target == "screen-card":
        return render(request, "screening/screen.html#card", context)
    context["progress"] = selectors.progress(review_obj, viewer_of(review_obj), stage, settings)
    return render(request, "screening/screen.html", context)


@require_GET
@login_required
def screen_progress(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, context = _open(request, review, stage)
    context["progress"] = selectors.progress(review_obj, viewer_of(review_obj), stage, settings)
    return render(request, "screening/screen.html#progress", context)


@require_POST
@login_required
def decide(request: HttpRequest, review: str, stage: str, record_id: int) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage)
    record = _paper(review_obj, record_id, stage)
    form = DecisionForm(request.POST, review=review_obj)
    error = None
    taken = False
    position = None
    if form.is_valid():
        data = form.cleaned_data
        if data["verdict"] != "exclude":
            data["reason"], data["reason_other"] = None, ""  # a reason picked, then Include
        try:
            recorded = services.decision_record_placed(
                review=review_obj,
                record=record,
                reviewer=request.user,
                stage=stage,
                verdict=data["verdict"],
                reason=data["reason"],
                reason_other=data["reason_other"],
                note=data["note"],
                advance=data["stream"],
            )
            position = recorded.position
        except services.SlotTaken as e:
            error, taken = " ".join(e.messages), True
        except ValidationError as e:
            error = " ".join(e.messages)
    else:
        error = "Choose Include, Exclude or Maybe (and a reason from the list, if any)."
    if not request.htmx:
        if error:
            messages.error(request, error)
            return redirect(
                reverse("screening:screen", args=[review_obj.slug, stage]) + f"?record={record.pk}"
            )
        return redirect("screening:screen", review_obj.slug, stage)
    if error and not taken:
        # htmx 2 rule: an invalid form re-renders its fragment with 200 and the error inline.
        context = _card_context(
            request,
            review_obj,
            stage,
            settings,
            record,
            stream=form.data.get("stream") == "on",
            error=error,
        )
        return render(request, "screening/screen.html#card", context)
    following = selectors.next_record(review_obj, request.user, stage, settings, position=position)
    context = _card_context(
        request,
        review_obj,
        stage,
        settings,
        following,
        stream=True,
        fresh=True,
        saved=None if error else f"Saved: {form.cleaned_data['verdict']}.",
        error=error,
    )
    response = render(request, "screening/screen.html#card", context)
    return trigger_client_event(response, "screening-progress")


@require_POST
@login_required
def undo(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage)
    # What the withdrawn vote said, offered again so that undoing a slip keeps the reason
    # and the note typed with it.
    last = selectors.my_last_decision(review_obj, request.user, stage)
    draft = {
        "reason": last.reason_id if last else None,
        "reason_other": last.reason_other if last else "",
        "note": last.note if last else "",
    }
    try:
        record = services.decision_withdraw_last(
            review=review_obj, reviewer=request.user, stage=stage
        )
    except ValidationError as e:
        if request.htmx:
            # htmx 2 rule: the fragment again, with the message inline.
            following = selectors.next_record(review_obj, request.user, stage, settings)
            context = _card_context(
                request, review_obj, stage, settings, following, stream=True, fresh=True,
                error=" ".join(e.messages),
            )  # fmt: skip
            return render(request, "screening/screen.html#card", context)
        messages.error(request, " ".join(e.messages))
        return redirect("screening:screen", review_obj.slug, stage)
    if not request.htmx:
        messages.success(request, "Your last decision was withdrawn: decide again.")
        request.session[_DRAFT] = {"record": record.pk, "stage": stage, **draft}
        return redirect(
            reverse("screening:screen", args=[review_obj.slug, stage]) + f"?record={record.pk}"
        )
    context = _card_context(
        request,
        review_obj,
        stage,
        settings,
        record,
        stream=True,
        saved="Your last decision was withdrawn: decide again.",
        form=DecisionForm(review=review_obj, initial=draft),
    )
    response = render(request, "screening/screen.html#card", context)
    return trigger_client_event(response, "screening-progress")


@require_GET
@login_required
def my_decisions(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage)
    page = Paginator(selectors.my_decisions(review_obj, request.user, stage), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "screening/mine.html", {**base, "page": page})


@require_GET
@login_required
def overview(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage)
    context = {
        **base,
        "is_lead": is_lead(review_obj),
        "progress": selectors.progress(review_obj, viewer_of(review_obj), stage, settings),
        "is_resolver": settings.resolver_id == request.user.pk,
    }
    if context["is_lead"]:
        context["summary"] = selectors.stage_summary(review_obj, stage, settings)
        context["late"] = selectors.late_changes(review_obj, stage, settings)
    if stage == Stage.FULL_TEXT:
        # PRISMA's report boxes: sought, not retrieved, assessed, excluded by reason.
        context["retrieval"] = selectors.retrieval_counts(review_obj, viewer_of(review_obj))
        if context["is_lead"]:
            context["exclusions"] = selectors.fulltext_exclusions(review_obj, settings)
            context["studies"] = sum(selectors.included_studies(review_obj))  # as PRISMA
    return render(request, "screening/overview.html", context)


@require_GET
@login_required
def conflicts(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage)
    lead = sees_every_conflict(viewer_of(review_obj), settings)
    reasons = list(review_obj.criteria.filter(kind=CriterionKind.EXCLUDE).order_by("code"))
    reason = _reason_filter(request, reasons)
    conflicts = _conflicts_for(request, review_obj, stage, settings, lead, reason)
    counts = selectors.note_counts(viewer_of(review_obj), stage, [r.pk for r in conflicts])
    for record in conflicts:
        record.note_count = counts.get(record.pk, 0)
    context = {
        **base,
        "conflicts": conflicts,
        "reasons": reasons,
        "reason": reason,
        "stages": [(s.value, s.label) for s in Stage],
    }
    return render(request, "screening/conflicts.html", context)


def _reason_filter(request: HttpRequest, reasons) -> int | None:
    """`?reason=<criterion id>`: an exclusion criterion of this review, or no filter."""
    wanted = request.GET.get("reason", "")
    return int(wanted) if wanted.isdigit() and int(wanted) in {c.pk for c in reasons} else None


def _conflicts_for(request, review: Review, stage: str, settings, lead: bool, reason):
    hidden = conflicts_hidden_from(viewer_of(review), settings)
    return selectors.conflict_list(review, stage, settings, hide_screened_by=hidden, reason=reason)


@require_http_methods(["GET", "POST"])
@login_required
def conflict(request: HttpRequest, review: str, stage: str, record_id: int) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage)
    lead = sees_every_conflict(viewer_of(review_obj), settings)
    paper = _paper(review_obj, record_id, stage)
    votes = selectors.paper_votes(paper, stage)
    resolution = selectors.resolution_of(paper, stage)
    screened = any(v.reviewer_id == request.user.pk for v in votes)
    if not lead and (
        (selectors.outcome_of(votes, settings) != "conflict" and resolution is None)
        or (screened and resolution is None and not settings.resolver_may_have_screened)
    ):
        # Blinding: the named resolver sees votes only on conflicts, and not on one they
        # are part of while it is open (they could still change their own vote).
        raise PermissionDenied("This record is not a conflict you may see.")
    reasons = list(review_obj.criteria.filter(kind=CriterionKind.EXCLUDE).order_by("code"))
    reason_filter = _reason_filter(request, reasons)
    query = f"?reason={reason_filter}" if reason_filter else ""
    form = ResolutionForm(
        request.POST or None, review=review_obj, initial={"seen": selectors.votes_token(votes)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.conflict_resolve(
                review=review_obj, paper=paper, stage=stage, verdict=data["verdict"],
                user=request.user, seen=data["seen"], reason=data["reason"],
                reason_other=data["reason_other"], note=data["note"],
            )  # fmt: skip
        except ValidationError as e:
            # Show the votes as they are now, with a token for them, so a retry can succeed.
            votes = selectors.paper_votes(paper, stage)
            resolution = selectors.resolution_of(paper, stage)
            fresh = request.POST.copy()
            fresh["seen"] = selectors.votes_token(votes)
            form = ResolutionForm(fresh, review=review_obj)
            form.is_valid()
            form.add_error(None, e)
        else:
            messages.success(request, f"Record #{paper.label_number} resolved: {data['verdict']}.")
            # Straight on to the next conflict (in the list's order, with its filter), as
            # screening goes straight on to the next record; the list once none is left.
            left = _conflicts_for(request, review_obj, stage, settings, lead, reason_filter)
            after = [r for r in left if r.pk > paper.pk] or left
            if after:
                url = reverse("screening:conflict", args=[review_obj.slug, stage, after[0].pk])
            else:
                url = reverse("screening:conflicts", args=[review_obj.slug, stage])
            return redirect(url + query)
    outcome = selectors.outcome_of(votes, settings)
    marker = selectors.highlighter(settings)
    context = {
        **base,
        "paper": paper,
        "votes": votes,
        # Same (leads and resolvers) audience as `votes`: votes cast on merged records.
        "merged_votes": any(v.record_id != paper.pk for v in votes),
        "outcome": outcome,
        "resolution": resolution,
        "history": selectors.decision_history(paper, stage),
        "form": form,
        "may_resolve": services.may_resolve(
            review_obj, request.user, settings, {v.reviewer_id for v in votes}
        ),
        "may_reopen": lead
        and resolution is None
        and len({v.reviewer_id for v in votes}) >= settings.reviewers_required,
        "title_runs": marker.runs(paper.title),
        "abstract_runs": marker.runs(paper.abstract),
        "keyword_runs": marker.runs("; ".join(paper.keywords)),
        "reasons": reasons[:9],
        "more_reasons": reasons[9:],
        "inclusion": review_obj.criteria.filter(kind=CriterionKind.INCLUDE).order_by("code"),
        "query": query,
        "chosen_reason": str(form["reason"].value() or ""),
        "chosen_verdict": str(form["verdict"].value() or ""),
        **notes_context(viewer_of(review_obj), paper, stage),
    }
    return render(request, "screening/conflict.html", context)


@require_POST
@login_required
def reopen(request: HttpRequest, review: str, stage: str, record_id: int) -> HttpResponse:
    """A lead reopens one reviewer's fixed vote, with a reason (services.decision_reopen)."""
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    paper = _paper(review_obj, record_id, stage)
    reviewer = request.POST.get("reviewer", "")
    try:
        services.decision_reopen(
            review=review_obj, paper=paper, stage=stage,
            reviewer_id=int(reviewer) if reviewer.isdigit() else 0,
            user=request.user, reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, f"The vote on record #{paper.label_number} is reopened.")
    return redirect("screening:conflict", review_obj.slug, stage, paper.pk)


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def agreement(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    context = {
        **base,
        "report": selectors.agreement_report(review_obj, stage, settings),
    }
    if request.htmx and request.htmx.target == "agreement-body":
        return render(request, "screening/agreement.html#body", context)
    return render(request, "screening/agreement.html", context)


@require_GET
@login_required
def agreement_csv(request: HttpRequest, review: str, stage: str) -> StreamingHttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    report = selectors.agreement_report(review_obj, stage, settings)
    rows = selectors.agreement_csv_rows(report, stage)
    return csv_response(rows, f"{review_obj.slug}-{stage}-agreement.csv")


@require_http_methods(["GET", "POST"])
@login_required
def stage_settings(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    current = selectors.stage_settings(review_obj, stage)
    form = StageSettingsForm(request.POST or None, instance=current, review=review_obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_settings_update(
                review=review_obj, stage=stage, user=request.user, **form.cleaned_data
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Screening settings saved.")
            return redirect("screening:overview", review_obj.slug, stage)
    context = {
        **base,
        "form": form,
    }
    return render(request, "screening/settings.html", context)


# --- relevance ranking: the lead's panel and stopping early -------------------------------


def _stopping_params(data) -> dict:
    form = StoppingTestForm(data or None)
    defaults = {name: field.initial for name, field in form.fields.items()}
    if form.is_bound and form.is_valid():
        return {**defaults, **form.cleaned_data}
    return defaults


def _ranking_context(review: Review, stage: str, settings: StageSettings, params: dict) -> dict:
    stats = selectors.ranking_statistics(review, stage, settings)
    to_screen = stats.papers - stats.excluded_automation
    test = lib_ranking.hypergeometric_test(
        stats.labels, to_screen, recall_target=params["recall_target"],
        confidence=params["confidence"],
    )  # fmt: skip
    svg = relevance_curve(stats.labels, to_screen, fmt="svg")
    return {
        "stats": stats,
        "params": params,
        "test": test,
        "run_reached": stats.consecutive >= params["run"],
        "curve_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        "stops": selectors.automation_stops(review, stage),
        "is_relevance": settings.order == Order.RELEVANCE,
        "method": lib_ranking.METHOD,
    }


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def ranking(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    """The lead's panel: figures, the relevance curve, the stopping aids, the stop."""
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    params = _stopping_params(request.GET)
    context = {**base, **_ranking_context(review_obj, stage, settings, params)}
    context["test_form"] = StoppingTestForm(initial=params, auto_id="test_%s")
    context["stop_form"] = StopForm(
        rules=services.STOP_RULES, initial={**params, "rule": "hypergeometric"}
    )
    if request.htmx and request.htmx.target == "ranking-panel":
        return render(request, "screening/ranking.html#panel", context)
    return render(request, "screening/ranking.html", context)


@require_GET
@login_required
def ranking_curve(request: HttpRequest, review: str, stage: str, fmt: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    if fmt not in FORMATS:
        raise Http404("No such format")
    stats = selectors.ranking_statistics(review_obj, stage, settings)
    body = relevance_curve(stats.labels, stats.papers - stats.excluded_automation, fmt=fmt)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{review_obj.slug}-{stage}-relevance-curve.{fmt}"'
    )
    return response


@require_POST
@login_required
def ranking_stop(request: HttpRequest, review: str, stage: str) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    form = StopForm(request.POST, rules=services.STOP_RULES)
    if form.is_valid():
        data = form.cleaned_data
        params = {"recall_target": data["recall_target"], "confidence": data["confidence"]}
        if data["rule"] == "consecutive":
            params = {"consecutive_excludes": data["run"]}
        elif data["rule"] == "judgement":
            params = {}
        try:
            stop = services.screening_stop_early(
                review=review_obj, stage=stage, user=request.user, rule=data["rule"],
                params=params, note=data["note"],
            )  # fmt: skip
        except ValidationError as e:
            form.add_error(None, e)
        else:
            n = stop.exclusions.count()
            messages.success(
                request,
                f"Screening stopped: {n} {ngettext('record', 'records', n)} excluded by the "
                "automation tool.",
            )
            return redirect("screening:ranking", review_obj.slug, stage)
    params = _stopping_params(request.POST)
    context = {**base, **_ranking_context(review_obj, stage, settings, params)}
    context["test_form"] = StoppingTestForm(initial=params, auto_id="test_%s")
    context["stop_form"] = form
    return render(request, "screening/ranking.html", context)


@require_POST
@login_required
def ranking_stop_undo(request: HttpRequest, review: str, stage: str, stop_id: int) -> HttpResponse:
    review_obj, stage, settings, base = _open(request, review, stage, role=LEAD)
    stop = AutomationStop.objects.filter(review=review_obj, stage=stage, pk=stop_id).first()
    if stop is None:
        raise Http404("No such stop")
    try:
        services.screening_stop_undo(review=review_obj, stop=stop, user=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "The stop was undone: those records are to screen again.")
    return redirect("screening:ranking", review_obj.slug, stage)
