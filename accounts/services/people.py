"""People: display name, mail preferences, signing out everywhere, deactivation by a site
administrator, and deleting one's account.

Deleting an account anonymises the person: votes, resolutions and every history row name
the user by foreign key (PROTECT), and a review's history must keep saying that *a*
reviewer voted. So the user row stays, with nothing left that identifies them."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import OPTIONAL_KINDS, Invitation, MailPreferences, OutboundEmail
from reviews.access import reviews_led_only_by
from reviews.models import Member


def profile_update(*, user, display_name: str, mail_off: list[str]) -> None:
    unknown = set(mail_off) - set(OPTIONAL_KINDS)
    if unknown:
        raise ValidationError(f"Unknown notification kinds: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        user.first_name, user.last_name = display_name.strip()[:150], ""
        user.save(update_fields=["first_name", "last_name"])
        MailPreferences.objects.update_or_create(user=user, defaults={"off": sorted(mail_off)})


def sessions_end_all(*, user, keep_session_key: str | None = None) -> int:
    """End every session of `user` (all browsers, all devices), except `keep_session_key`.
    allauth's session list knows sessions made since it was installed; older ones are
    found in the session table (database sessions: the default)."""
    ended = 0
    for row in UserSession.objects.filter(user=user):
        if row.session_key != keep_session_key:
            row.end()
            ended += 1
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep_session_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def person_set_active(*, user, active: bool, by) -> None:
    if user.pk == by.pk and not active:
        raise ValidationError("You cannot deactivate your own account here.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        sessions_end_all(user=user)


def _only_lead_of(user) -> list[str]:
    return [review.title for review in reviews_led_only_by(user)]


@transaction.atomic
def account_delete(*, user) -> None:
    """Anonymise `user`: no name, no address, no password, no way in; their votes and
    history stay (attributed to "deleted user N"). Refused while they are a review's only
    lead: the review would have nobody to run it."""
    alone = _only_lead_of(user)
    if alone:
        raise ValidationError(
            "You are the only lead of " + ", ".join(alone) + ": make someone else lead first."
        )
    sessions_end_all(user=user)
    Member.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    MailPreferences.objects.filter(user=user).delete()
    OutboundEmail.objects.filter(user=user).update(user=None)
    Invitation.objects.filter(email__iexact=user.email).exclude(accepted_at__isnull=False).update(
        revoked_at=timezone.now()
    )
    user.username = f"deleted-user-{user.pk}"
    user.first_name, user.last_name, user.email = "Deleted user", "", ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
