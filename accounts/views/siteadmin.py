"""The site administrator's pages (staff only, without Django admin): people (list,
deactivate, reactivate, invite to the site) and the outbox of every mail Sift sent."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors
from accounts.forms import SiteInviteForm
from accounts.models import MailStatus, OutboundEmail
from accounts.services import invitations, people
from accounts.services.mail import links_in, mail_retry


def staff_only(view):
    """Signed out: the sign-in page. Signed in without being a site administrator: 403."""

    @wraps(view)
    def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("Only a site administrator can do that.")
        return view(request, *args, **kwargs)

    return login_required(check)


@require_GET
@staff_only
def people_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.people(search), 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": search, "form": SiteInviteForm()}
    return render(request, "accounts/siteadmin_people.html", context)


@require_POST
@staff_only
def person_active(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(get_user_model(), pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        people.person_set_active(user=person, active=active, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        verb = "reactivated" if active else "deactivated and signed out everywhere"
        messages.success(request, f"{person.username} {verb}.")
    return redirect("accounts:people")


@require_POST
@staff_only
def site_invite(request: HttpRequest) -> HttpResponse:
    form = SiteInviteForm(request.POST)
    if form.is_valid():
        try:
            sent = invitations.invitation_create(
                review=None, email=form.cleaned_data["email"], invited_by=request.user,
                base_url=request.build_absolute_uri("/"),
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Invitation sent to {sent.email}.")
    else:
        messages.error(request, "Give an e-mail address.")
    return redirect("accounts:people")


@require_GET
@staff_only
def mail_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in MailStatus.values else ""
    rows = [(m, links_in(m.body_text)) for m in selectors.outbox(status=status)]
    context = {"rows": rows, "status": status, "statuses": MailStatus.choices}
    return render(request, "accounts/siteadmin_mail.html", context)


@require_GET
@staff_only
def mail_detail(request: HttpRequest, email_id: int) -> HttpResponse:
    email = get_object_or_404(OutboundEmail, pk=email_id)
    context = {"email": email, "links": links_in(email.body_text)}
    return render(request, "accounts/siteadmin_mail_detail.html", context)


@require_POST
@staff_only
def mail_resend(request: HttpRequest, email_id: int) -> HttpResponse:
    email = get_object_or_404(OutboundEmail, pk=email_id)
    mail_retry(email=email)
    messages.success(request, f"Message to {email.to} queued again.")
    return redirect("accounts:mail_detail", email_id=email.pk)
