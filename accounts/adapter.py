"""Sift's hooks into django-allauth: who may sign up, where mail goes, how failed sign-ins
are counted, where people land."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from accounts.models import MailKind

INVITATION_SESSION_KEY = "sift_invitation"


def invitation_in_session(request: HttpRequest):
    """The pending invitation whose link this browser followed, if it is still good."""
    from accounts.selectors import invitation_pending

    pk = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
    return invitation_pending(pk) if pk else None


def _landing(request: HttpRequest) -> str | None:
    """Where someone who followed an invitation goes after signing in or up: its review."""
    from django.urls import reverse

    if not hasattr(request, "session"):
        return None
    landing = request.session.pop("sift_landing", None)
    if landing:
        return landing
    found = invitation_in_session(request)
    if found is not None and found.review_id:
        return reverse("reviews:detail", args=[found.review.slug])
    return None


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.SIFT_OPEN_SIGNUP or invitation_in_session(request) is not None

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """allauth's `login_failed` "key": the login name *and* the client address (the
        one the trusted proxy reports), as django-axes' combined keying. Keyed on the name
        alone, anyone could lock a colleague out by guessing wrong five times."""
        login = str(credentials.get("email", credentials.get("username", ""))).strip().lower()
        return f"{login}|{self.get_client_ip(request)}"

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.stages.EmailVerificationStage"
            if stage == "allauth.account.stages.EmailVerificationStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def login(self, request: HttpRequest, user) -> None:
        # Before allauth computes where to go next: a followed invitation is taken up
        # here, so the person lands on its review.
        from accounts.receivers import take_up_invitation

        super().login(request, user)
        take_up_invitation(request, user)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return _landing(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return _landing(request) or super().get_signup_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address) -> str | None:
        from allauth.core import context

        landing = _landing(context.request) if context.request is not None else None
        return landing or super().get_email_verification_redirect_url(email_address)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's own mail (verification, password reset, security notices) goes through
        Sift's outbox: rendered here, sent by the worker."""
        from accounts.services.mail import mail_queue

        message = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        if not html:  # allauth's messages are plain text: the same text as HTML too
            from django.template.loader import render_to_string

            html = render_to_string("mail/allauth.html", {"text": message.body})
        user = context.get("user")
        mail_queue(
            to=email, subject=message.subject, body_text=message.body, body_html=html,
            kind=MailKind.ACCOUNT, user=user if getattr(user, "pk", None) else None,
        )  # fmt: skip

    def save_user(self, request, user, form, commit=True):
        user._sift_signup = True  # its address is verified by mail (accounts.receivers)
        user = super().save_user(request, user, form, commit=False)
        name = (form.cleaned_data.get("display_name") or "").strip()
        if name:
            user.first_name, user.last_name = name[:150], ""
        if commit:
            user.save()
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        sociallogin.user._sift_signup = True  # the provider says whether it is verified
        return super().save_user(request, sociallogin, form)

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return settings.SIFT_OPEN_SIGNUP or invitation_in_session(request) is not None
