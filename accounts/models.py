"""Invitations, the outbox of every mail Sift sends, and each person's mail preferences.

Accounts themselves are Django's users with allauth's e-mail addresses, social accounts,
two-factor authenticators and sessions; a person's display name is the user's first name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from reviews.models import Review, Role


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Withdrawn"


class Invitation(models.Model):
    """An invitation by e-mail: to a review's team with a role, or (no review) to the site.

    Only the token's SHA-256 is stored: the link in the mail is the one copy of the token,
    so a database dump gives no working link. The status is derived from the facts
    (accepted_at, revoked_at, expires_at)."""

    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    mail = models.ForeignKey(
        "OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review__isnull=True, role="")
                | models.Q(review__isnull=False, role__in=Role.values),
                name="invitation_role_with_review",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.review_id or 'the site'}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label


class MailKind(models.TextChoices):
    INVITATION = "invitation", "Invitations"
    ACCOUNT = "account", "Account (verification, password reset)"
    CONFLICTS = "conflicts", "Conflicts waiting for you to resolve"
    IMPORT = "import", "An import finished or failed"
    DEDUP = "dedup", "Deduplication finished or failed"
    STAGE = "stage", "A screening stage is complete"


# What a person may turn off: never their own account's mail nor an invitation.
OPTIONAL_KINDS = [MailKind.CONFLICTS, MailKind.IMPORT, MailKind.DEDUP, MailKind.STAGE]


class MailStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"


class OutboundEmail(models.Model):
    """One message, rendered when it was asked for and sent by the worker. The row is the
    job's truth: the worker claims it (compare and set), so a second message for it or a
    retry after a crash never sends it twice while another attempt is under way."""

    to = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=MailKind.choices)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Notifications that must not repeat (one "conflicts waiting" per person per hour...).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="mail_status")]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}"


class MailPreferences(models.Model):
    """The notification kinds a person turned off (everything is on by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preferences"
    )
    off = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"mail preferences of {self.user_id}"
