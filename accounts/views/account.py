"""A person's own settings: display name, which mail they get, signing out everywhere,
deleting their account. Password, e-mail addresses, two-factor and sessions are allauth's
pages, linked from here."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import DeleteAccountForm, ProfileForm
from accounts.models import OPTIONAL_KINDS, MailPreferences
from accounts.services import people


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefs = MailPreferences.objects.filter(user=user).first()
    off = set(prefs.off) if prefs else set()
    initial = {
        "display_name": user.get_full_name(),
        "mail": [k.value for k in OPTIONAL_KINDS if k.value not in off],
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people.profile_update(
                user=user, display_name=form.cleaned_data["display_name"], mail_off=form.mail_off
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("accounts:settings")
    context = {
        "form": form,
        "emails": EmailAddress.objects.filter(user=user),
        "two_factor": Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists(),
        "social": SocialAccount.objects.filter(user=user),
    }
    return render(request, "accounts/settings.html", context)


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    people.sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, "You were signed out on every device. Sign in again here.")
    return redirect("account_login")


@require_http_methods(["GET", "POST"])
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.account_delete(user=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            logout(request)
            messages.success(request, "Your account was deleted.")
            return redirect("account_login")
    return render(request, "accounts/delete.html", {"form": form})
