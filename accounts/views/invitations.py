"""The invitation link (public) and a lead's invitations on the team page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.forms import InviteForm
from accounts.models import Invitation, InvitationStatus
from accounts.selectors import invitation_for_token
from accounts.services import invitations as services
from reviews.access import review_for_user
from reviews.models import Role

REFUSED = {
    # status -> (HTTP status, heading, explanation)
    "invalid": (404, "This invitation link is not valid",
                "Check that you opened the whole link from the e-mail. If it still does not "
                "work, ask the person who invited you to send the invitation again."),
    InvitationStatus.EXPIRED: (410, "This invitation has expired",
                               "Invitation links work for a limited time. Ask the person who "
                               "invited you to send it again."),
    InvitationStatus.ACCEPTED: (410, "This invitation has already been used",
                                "Each invitation link works once. If it was you, sign in; "
                                "otherwise ask for a new invitation."),
    InvitationStatus.REVOKED: (410, "This invitation was withdrawn",
                               "The person who invited you withdrew it. Ask them if you "
                               "think this is a mistake."),
}  # fmt: skip


def _refused(request: HttpRequest, status: str) -> HttpResponse:
    code, heading, text = REFUSED[status]
    request.session.pop(INVITATION_SESSION_KEY, None)
    context = {"heading": heading, "text": text, "status": status}
    return render(request, "accounts/invitation_refused.html", context, status=code)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the invitation is for and how to take it up (sign in, or create an
    account when signed out). POST (signed in): join. The token is the credential: the
    page never says whether the invited address has an account."""
    found = invitation_for_token(token)
    try:
        services.invitation_check(found)
    except services.InvitationRefused as refused:
        return _refused(request, refused.status)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            member = services.invitation_accept(invitation=found, user=request.user)
        except services.InvitationRefused as refused:
            return _refused(request, refused.status)
        request.session.pop(INVITATION_SESSION_KEY, None)
        if member is None:
            messages.success(request, "Welcome to Sift.")
            return redirect("reviews:list")
        messages.success(
            request, f"You joined {member.review.title} as {member.get_role_display().lower()}."
        )
        return redirect("reviews:detail", review=member.review.slug)
    if not request.user.is_authenticated:
        # Sign-up is open to this browser while the invitation is good; after sign-up
        # (and e-mail verification) the invitation is taken up and the person lands here.
        request.session[INVITATION_SESSION_KEY] = found.pk
    context = {"invitation": found, "token": token}
    return render(request, "accounts/invitation.html", context)


@require_POST
@login_required
def invite(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=Role.LEAD)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            sent = services.invitation_create(
                review=review_obj, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], invited_by=request.user,
                base_url=request.build_absolute_uri("/"),
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Invitation sent to {sent.email}.")
    else:
        messages.error(request, "Give an e-mail address and a role.")
    return redirect("reviews:team", review=review_obj.slug)


def _lead_invitation(request: HttpRequest, review: str, invitation_id: int):
    review_obj = review_for_user(request.user, review, role=Role.LEAD)
    return review_obj, get_object_or_404(Invitation, pk=invitation_id, review=review_obj)


@require_POST
@login_required
def invitation_resend(request: HttpRequest, review: str, invitation_id: int) -> HttpResponse:
    review_obj, found = _lead_invitation(request, review, invitation_id)
    try:
        services.invitation_resend(invitation=found, base_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Invitation sent again to {found.email}; the old link no longer works."
        )
    return redirect("reviews:team", review=review_obj.slug)


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, review: str, invitation_id: int) -> HttpResponse:
    review_obj, found = _lead_invitation(request, review, invitation_id)
    try:
        services.invitation_revoke(invitation=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation to {found.email} withdrawn.")
    return redirect("reviews:team", review=review_obj.slug)
