"""The outbox: a message is rendered and stored when asked for, then sent by the worker
(never inside a request), retried with a growing delay, and marked failed where people who
need to know can see it (the team page for invitations and a review's notifications, the
site administrator's outbox for everything)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import MailKind, MailPreferences, MailStatus, OutboundEmail

log = logging.getLogger(__name__)

LINK = re.compile(r"https?://[^\s<>\"')]+")
# A claim older than this belongs to a worker that died while sending.
STALE_CLAIM = dt.timedelta(minutes=10)


class MailBusy(Exception):
    """Another attempt holds the message."""


def _enqueue_on_commit(email_id: int) -> None:
    from accounts.tasks import mail_send_task

    def send() -> None:
        try:
            mail_send_task.delay(email_id)
        except Exception:  # broker down: the row stays queued; a starting worker sends it
            log.warning("mail %s: the queue could not be reached", email_id, exc_info=True)

    transaction.on_commit(send)


def mail_wanted(user, kind: str) -> bool:
    if user is None or not user.is_active or not user.email:
        return False
    prefs = MailPreferences.objects.filter(user=user).first()
    return prefs is None or kind not in prefs.off


@transaction.atomic
def mail_queue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    kind: str,
    user=None,
    review=None,
    dedupe_key: str | None = None,
) -> OutboundEmail | None:
    """Store the message and send it from the worker once this transaction commits.
    With `dedupe_key`, a message already queued under that key wins (None is returned)."""
    if kind not in MailKind.values:
        raise ValueError(f"unknown mail kind {kind!r}")
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                to=to, subject=subject[:300], body_text=body_text, body_html=body_html,
                kind=kind, user=user, review=review, dedupe_key=dedupe_key,
            )  # fmt: skip
    except IntegrityError:
        if dedupe_key and OutboundEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    _enqueue_on_commit(email.pk)
    return email


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_mail(template: str, context: dict) -> Rendered:
    """`mail/<template>_subject.txt`, `.txt` and `.html`: plain text plus HTML."""
    context = {"site_url": settings.SIFT_SITE_URL, **context}
    subject = render_to_string(f"mail/{template}_subject.txt", context).strip()
    subject = " ".join(subject.split())
    text = render_to_string(f"mail/{template}.txt", context)
    html = render_to_string(f"mail/{template}.html", context)
    return Rendered(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, text, html)


def mail_notify(
    *, user, kind: str, template: str, context: dict, review=None, dedupe_key=None
) -> OutboundEmail | None:
    """A notification to one person, unless they turned this kind off."""
    if not mail_wanted(user, kind):
        return None
    rendered = render_mail(
        template, {"user": user, "review": review, "notification": True, **context}
    )
    return mail_queue(
        to=user.email, subject=rendered.subject, body_text=rendered.text,
        body_html=rendered.html, kind=kind, user=user, review=review, dedupe_key=dedupe_key,
    )  # fmt: skip


def _claim(email_id: int) -> bool:
    stale = timezone.now() - STALE_CLAIM
    return bool(
        OutboundEmail.objects.filter(
            Q(status=MailStatus.QUEUED) | Q(status=MailStatus.SENDING, claimed_at__lt=stale),
            pk=email_id,
        ).update(status=MailStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    )


def mail_send(*, email_id: int, final_attempt: bool) -> OutboundEmail | None:
    """Send one queued message. No transaction is held while talking to the mail server.
    A failure puts it back in the queue (the task retries it later) or, on the final
    attempt, marks it failed with the server's answer. Already sent or being sent: nothing."""
    if not _claim(email_id):
        return None
    email = OutboundEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
    )  # fmt: skip
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        with mailers.default as connection:
            connection.send_messages([message])
    except Exception as error:  # SMTPException, OSError, a provider's own errors
        failed = f"{type(error).__name__}: {error}"[:2000]
        OutboundEmail.objects.filter(pk=email_id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED if final_attempt else MailStatus.QUEUED, error=failed
        )
        raise
    OutboundEmail.objects.filter(pk=email_id).update(
        status=MailStatus.SENT, sent_at=timezone.now(), error=""
    )
    email.refresh_from_db()
    return email


def mail_retry(*, email: OutboundEmail) -> OutboundEmail:
    """A person asks to try a failed message again."""
    if OutboundEmail.objects.filter(pk=email.pk, status=MailStatus.FAILED).update(
        status=MailStatus.QUEUED, attempts=0
    ):
        _enqueue_on_commit(email.pk)
    email.refresh_from_db()
    return email


def mail_requeue_waiting() -> int:
    """A starting worker sends what was queued while no broker could be reached, and what
    a dead worker was sending."""
    stale = timezone.now() - STALE_CLAIM
    ids = list(
        OutboundEmail.objects.filter(
            Q(
                status=MailStatus.QUEUED,
                created_at__lt=timezone.now() - dt.timedelta(seconds=30),
            )
            | Q(status=MailStatus.SENDING, claimed_at__lt=stale)
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        _enqueue_on_commit(pk)
    return len(ids)


def links_in(text: str) -> list[str]:
    return list(dict.fromkeys(LINK.findall(text)))
