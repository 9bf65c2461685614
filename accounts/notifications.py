"""Mail people expect, driven by the review's own history: the receivers below watch the
append-only history rows (imports, deduplication runs, votes, resolutions) and queue a
task on commit; the task reads the state and mails whoever should know.

Blinding: only leads and a stage's named resolver are told anything that depends on votes
(conflicts waiting, a stage complete); a named resolver who also screens is told only of
conflicts on records they did not vote on, as on their conflict list.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from accounts.models import MailKind, OutboundEmail
from reviews.access import is_member, lead_users
from reviews.models import AuditEvent, AuditKind, DedupAction, DedupEvent, Review
from reviews.signals import dedup_failed

log = logging.getLogger(__name__)


def _later(kind: str, review_id: int, **facts) -> None:
    from accounts.tasks import notify_task

    def send() -> None:
        try:
            notify_task.delay(kind, review_id, **facts)
        except Exception:  # broker down: a notification is not worth failing the change
            log.warning("notification %s for review %s not queued", kind, review_id, exc_info=True)

    transaction.on_commit(send)


@receiver(post_save, sender=AuditEvent, dispatch_uid="accounts-audit")
def _on_audit(sender, instance: AuditEvent, created: bool, **kwargs) -> None:
    if not created:
        return
    if instance.kind in (AuditKind.IMPORT, AuditKind.IMPORT_FAIL):
        batch_id = (instance.detail or {}).get("batch_id")
        _later(instance.kind, instance.review_id, event_id=instance.pk, batch_id=batch_id)
    elif instance.kind == AuditKind.RESOLUTION:
        _look_at_stage_soon(instance.review_id, instance.stage)


@receiver(post_save, sender=DedupEvent, dispatch_uid="accounts-dedup")
def _on_dedup(sender, instance: DedupEvent, created: bool, **kwargs) -> None:
    if created and instance.action == DedupAction.RUN:
        _later("dedup", instance.review_id, event_id=instance.pk)


@receiver(dedup_failed, dispatch_uid="accounts-dedup-failed")
def _on_dedup_failed(sender, review_id: int, **kwargs) -> None:
    _later("dedup_fail", review_id)


# Votes come by the hundred an hour: the first vote at a stage queues one look at that
# stage a little later (conflicts waiting, stage complete; SIFT_NOTIFY_DEBOUNCE_SECONDS),
# and the votes meanwhile ride along with it. The look reads the state, so a late or
# repeated one changes nothing.


def _connect_votes() -> None:
    from screening.models import DecisionEvent

    @receiver(post_save, sender=DecisionEvent, dispatch_uid="accounts-vote", weak=False)
    def _on_vote(sender, instance, created: bool, **kwargs) -> None:
        if created and instance.new_verdict:
            _look_at_stage_soon(instance.review_id, instance.stage)


def _look_at_stage_soon(review_id: int, stage: str) -> None:
    from django.conf import settings
    from django.core.cache import cache

    wait = settings.SIFT_NOTIFY_DEBOUNCE_SECONDS
    key = f"sift-notify-stage:{review_id}:{stage}"
    if cache.get(key):
        return  # a look is already planned: it will see this vote too

    def plan() -> None:
        from accounts.tasks import notify_task

        if wait and not cache.add(key, 1, timeout=wait):
            return
        try:
            notify_task.apply_async(("votes", review_id), {"stage": stage}, countdown=wait)
        except Exception:  # broker down: a notification is not worth failing the vote
            cache.delete(key)
            log.warning("notification for review %s not queued", review_id, exc_info=True)

    transaction.on_commit(plan)


_connect_votes()


# --- The task's side -------------------------------------------------------------------
def _leads(review: Review) -> list:
    return lead_users(review)


def _url(name: str, **kwargs) -> str:
    from django.conf import settings

    return settings.SIFT_SITE_URL + reverse(name, kwargs=kwargs)


def _hour() -> str:
    return timezone.now().strftime("%Y%m%d%H")


def notify(*, kind: str, review_id: int, **facts) -> None:
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        return
    handler = {
        AuditKind.IMPORT: _import_done,
        AuditKind.IMPORT_FAIL: _import_done,
        "dedup": _dedup_done,
        "dedup_fail": _dedup_failed,
        "votes": _votes,
        "stage": _stage,
    }[kind]
    handler(review, kind=kind, **facts)


def _import_done(review: Review, *, kind: str, event_id: int, batch_id: int | None) -> None:
    from accounts.services.mail import mail_notify
    from reviews.models import ImportBatch

    event = AuditEvent.objects.filter(pk=event_id).first()
    batch = ImportBatch.objects.filter(pk=batch_id, review=review).first() if batch_id else None
    if event is None:
        return
    failed = kind == AuditKind.IMPORT_FAIL
    link = (
        _url("reviews:batch_detail", review=review.slug, batch_id=batch.pk)
        if batch
        else _url("reviews:batches", review=review.slug)
    )
    for lead in _leads(review):
        mail_notify(
            user=lead, kind=MailKind.IMPORT, review=review,
            template="import_failed" if failed else "import_done",
            context={"batch": batch, "summary": event.summary, "link": link},
            dedupe_key=f"import:{event.pk}:{lead.pk}",
        )  # fmt: skip


def _dedup_done(review: Review, *, kind: str, event_id: int) -> None:
    from accounts.services.mail import mail_notify

    event = DedupEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    detail = event.detail or {}
    if not (detail.get("new_duplicates") or detail.get("queued_pairs")):
        return  # a run after a lead's own decision, nothing new to look at
    for lead in _leads(review):
        mail_notify(
            user=lead, kind=MailKind.DEDUP, review=review, template="dedup_done",
            context={"detail": detail, "link": _url("reviews:dedup", review=review.slug)},
            # At most one an hour per review: runs follow every import and decision.
            dedupe_key=f"dedup:{review.pk}:{lead.pk}:{_hour()}",
        )  # fmt: skip


def _dedup_failed(review: Review, *, kind: str) -> None:
    from accounts.services.mail import mail_notify

    for lead in _leads(review):
        mail_notify(
            user=lead, kind=MailKind.DEDUP, review=review, template="dedup_failed",
            context={"link": _url("reviews:dedup", review=review.slug)},
            dedupe_key=f"dedup-fail:{review.pk}:{lead.pk}:{_hour()}",
        )  # fmt: skip


def _votes(review: Review, *, kind: str, stage: str) -> None:
    """Votes came in at this stage: tell resolvers of conflicts waiting, and leads when the
    stage is complete."""
    from screening.selectors import stage_settings

    _conflicts(review, stage=stage, settings=stage_settings(review, stage))
    _stage(review, kind="stage", stage=stage)


def _resolvers(review: Review, settings) -> list:
    people = {u.pk: u for u in _leads(review)}
    resolver = settings.resolver if settings.resolver_id else None
    if resolver is not None and resolver.is_active and is_member(review, resolver):
        people.setdefault(resolver.pk, resolver)
    return list(people.values())


def _conflicts(review: Review, *, stage: str, settings) -> None:
    from accounts.services.mail import mail_notify
    from screening.models import Stage
    from screening.selectors import conflict_list

    lead_ids = {u.pk for u in _leads(review)}
    for person in _resolvers(review, settings):
        key = f"conflicts:{review.pk}:{stage}:{person.pk}:{_hour()}"
        if OutboundEmail.objects.filter(dedupe_key=key).exists():
            continue  # told this hour already: the list is not read again
        hide = None
        if person.pk not in lead_ids and not settings.resolver_may_have_screened:
            hide = person.pk  # as their conflict list: never a record they voted on
        waiting = len(conflict_list(review, stage, settings, hide_screened_by=hide))
        if not waiting:
            continue
        mail_notify(
            user=person, kind=MailKind.CONFLICTS, review=review, template="conflicts",
            context={"count": waiting, "stage": Stage(stage).label,
                     "link": _url("screening:conflicts", review=review.slug, stage=stage)},
            dedupe_key=key,
        )  # fmt: skip


def _stage(review: Review, *, kind: str, stage: str) -> None:
    from accounts.services.mail import mail_notify
    from screening.models import Stage
    from screening.selectors import stage_settings, stage_summary

    settings = stage_settings(review, stage)
    if not _may_be_complete(review, stage, settings):
        return
    summary = stage_summary(review, stage, settings)
    if not summary.papers or summary.awaiting or summary.conflicts:
        return
    for lead in _leads(review):
        mail_notify(
            user=lead, kind=MailKind.STAGE, review=review, template="stage_complete",
            context={"summary": summary, "stage": Stage(stage).label,
                     "link": _url("screening:overview", review=review.slug, stage=stage)},
            # Once per completion: new records (an updated search) make it incomplete
            # again, and its next completion is news again.
            dedupe_key=f"stage:{review.pk}:{stage}:{summary.papers}:{summary.included}:{lead.pk}",
        )  # fmt: skip


def _may_be_complete(review: Review, stage: str, settings) -> bool:
    """A cheap necessary condition, counted by the database, before the full summary:
    every paper has its votes or was excluded by the automation tool."""
    from django.db.models import Count

    from screening.models import AutomationExclusion, Decision
    from screening.selectors import papers

    total = papers(review, stage).count()
    voted = (
        Decision.objects.filter(review=review, stage=stage)
        .values("paper")
        .annotate(n=Count("reviewer", distinct=True))
        .filter(n__gte=settings.reviewers_required)
        .count()
    )
    automated = AutomationExclusion.objects.filter(review=review, stage=stage).count()
    return total > 0 and voted + automated >= total
