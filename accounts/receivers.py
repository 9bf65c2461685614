"""An invitation followed in this browser is taken up when its holder signs up (here) or
signs in (AccountAdapter.login) (accounts.views.invitations stored it in the session), and
they land on the review."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from accounts.adapter import INVITATION_SESSION_KEY, invitation_in_session

log = logging.getLogger(__name__)


def take_up_invitation(request, user) -> None:
    from accounts.services.invitations import InvitationRefused, invitation_accept

    if request is None or not hasattr(request, "session"):
        return
    found = invitation_in_session(request)
    request.session.pop(INVITATION_SESSION_KEY, None)
    if found is None:
        return
    try:
        member = invitation_accept(invitation=found, user=user)
    except InvitationRefused:
        return
    if member is not None:
        request.session["sift_landing"] = reverse("reviews:detail", args=[member.review.slug])


@receiver(user_signed_up, dispatch_uid="accounts-signed-up")
def _signed_up(sender, request, user, **kwargs) -> None:
    take_up_invitation(request, user)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts-vouched")
def _vouched_address(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """An account made by a site administrator (Django admin, createsuperuser, the demo)
    has its address vouched for: recorded as verified, so signing in and password reset
    work as for anyone. Sign-ups verify theirs by mail (allauth)."""
    if not created or raw or getattr(instance, "_sift_signup", False) or not instance.email:
        return
    if EmailAddress.objects.filter(email__iexact=instance.email).exists():
        return  # another account has it: neither is told it is theirs
    EmailAddress.objects.create(user=instance, email=instance.email, verified=True, primary=True)
