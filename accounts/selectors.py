"""Reads for the accounts pages."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Invitation, MailStatus, OutboundEmail


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """Any invitation with this token, whatever its state (the page says which)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("review", "invited_by", "mail")
        .filter(token_hash=token_hash(token))
        .first()
    )


def _pending() -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def invitation_pending(pk: int) -> Invitation | None:
    return _pending().select_related("review").filter(pk=pk).first()


def invitations_pending(review) -> QuerySet[Invitation]:
    return _pending().filter(review=review).select_related("invited_by", "mail")


def invitations_recent(review, limit: int = 20) -> QuerySet[Invitation]:
    """Invitations no longer pending (accepted, expired, withdrawn), newest first."""
    pending = _pending().filter(review=review).values("pk")
    return (
        Invitation.objects.filter(review=review)
        .exclude(pk__in=pending)
        .select_related("accepted_by", "mail")[:limit]
    )


def mail_failed_for_review(review, limit: int = 20) -> QuerySet[OutboundEmail]:
    """Notifications of this review that could not be sent (the leads see them)."""
    return OutboundEmail.objects.filter(review=review, status=MailStatus.FAILED)[:limit]


def outbox(*, status: str = "", limit: int = 200) -> QuerySet[OutboundEmail]:
    rows = OutboundEmail.objects.select_related("review")
    if status:
        rows = rows.filter(status=status)
    return rows[:limit]


def people(search: str = "") -> QuerySet:
    users = get_user_model().objects.order_by("username")
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(email__icontains=search)
            | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )  # fmt: skip
    return users


def display_name(user) -> str:
    return user.get_full_name() or user.username
