"""Invitations: to a review's team with a role (by a lead) or to the site (by a site
administrator). A link works once, until it expires or is withdrawn; resending makes a new
link and the old one stops working.

Privacy: what the lead is told never depends on whether the address has an account
(the same message, the same mail, the same page) beyond what "Add member" already says,
which is only whether someone on the team has it."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, InvitationStatus, MailKind
from accounts.selectors import token_hash
from accounts.services.mail import mail_queue, render_mail
from reviews.access import has_member_email
from reviews.models import Member, Review, Role


class InvitationRefused(Exception):
    """The link cannot be used; `status` says why (for the page that explains it)."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"{email!r} is not an e-mail address.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _send(invitation: Invitation, token: str, *, base_url: str) -> None:
    link = base_url.rstrip("/") + reverse("accounts:invitation", kwargs={"token": token})
    rendered = render_mail(
        "invitation",
        {"invitation": invitation, "link": link, "review": invitation.review,
         "inviter": invitation.invited_by, "days": settings.SIFT_INVITATION_DAYS},
    )  # fmt: skip
    invitation.mail = mail_queue(
        to=invitation.email, subject=rendered.subject, body_text=rendered.text,
        body_html=rendered.html, kind=MailKind.INVITATION, review=invitation.review,
    )  # fmt: skip
    invitation.save(update_fields=["mail"])


@transaction.atomic
def invitation_create(
    *, review: Review | None, email: str, role: str = "", invited_by, base_url: str
) -> Invitation:
    """Invite `email` (to `review` as `role`, or to the site when `review` is None) and
    queue the mail. Inviting an address with a pending invitation sends it again."""
    email = _clean_email(email)
    if review is not None:
        if role not in Role.values:
            raise ValidationError("Choose lead or reviewer.")
        if has_member_email(review, email):
            raise ValidationError(f"Someone with {email} is already in this review's team.")
    else:
        role = ""
    pending = (
        Invitation.objects.select_for_update()
        .filter(review=review, email__iexact=email, accepted_at__isnull=True,
                revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )  # fmt: skip
    if pending is not None:
        pending.role = role
        pending.save(update_fields=["role"])
        return invitation_resend(invitation=pending, base_url=base_url)
    token, digest = _new_token()
    now = timezone.now()
    invitation = Invitation.objects.create(
        review=review, email=email, role=role, token_hash=digest, invited_by=invited_by,
        created_at=now, sent_at=now,
        expires_at=now + timedelta(days=settings.SIFT_INVITATION_DAYS),
    )  # fmt: skip
    _send(invitation, token, base_url=base_url)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, base_url: str) -> Invitation:
    """A new link (the old one stops working), a new expiry, a new mail."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise ValidationError(
            f"This invitation was {invitation.get_status_display().lower()}: invite again."
        )
    token, digest = _new_token()
    now = timezone.now()
    invitation.token_hash, invitation.sent_at = digest, now
    invitation.expires_at = now + timedelta(days=settings.SIFT_INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _send(invitation, token, base_url=base_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise ValidationError("This invitation was already accepted or withdrawn.")
    invitation.refresh_from_db()
    return invitation


def invitation_check(invitation: Invitation | None) -> Invitation:
    """The invitation if its link may be used now; InvitationRefused saying why not."""
    if invitation is None:
        raise InvitationRefused("invalid")
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationRefused(invitation.status)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Member | None:
    """`user` takes up the invitation: it is used up (compare and set: a link works once,
    even with two tabs racing) and, for a review, they join its team with the role.
    Someone already on the team keeps their role."""
    invitation_check(invitation)
    used = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now(), accepted_by=user)  # fmt: skip
    if not used:
        invitation.refresh_from_db()
        raise InvitationRefused(invitation.status)
    invitation.refresh_from_db()
    if invitation.review_id is None:
        return None
    member = Member.objects.filter(review_id=invitation.review_id, user=user).first()
    if member is not None:
        return member
    # Same seat rule as reviews.services.member_add: order of joining, never reused.
    review = Review.objects.select_for_update().get(pk=invitation.review_id)
    seat = (review.members.aggregate(top=Max("seat"))["top"] or 0) + 1
    return Member.objects.create(review=review, user=user, role=invitation.role, seat=seat)
