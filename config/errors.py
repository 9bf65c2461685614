"""Error pages in the site frame (issue #21, dead ends): each says why and where to go.

403 and 404 know the review of the address when the person is one of its members, so the
page keeps the review's menu and offers its home. 400 and 500 are Django's own handlers with
our templates: they render without the request (no database, no session), see 500.html.
An htmx request gets the reason as plain text; sift.js shows it in the flash area.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviews.access import lead_users, review_if_member

# Stated on a 404 whatever raised it: Django's own messages name models and queries.
_NOT_FOUND = "There is no such page, or it is in a review you are not a member of."


def _review_of(request: HttpRequest):
    """The review named in the address, if the person asking is a member (else None: a 404
    must not tell an outsider that the review exists)."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("review") if match else None
    user = getattr(request, "user", None)
    if not slug or user is None or not user.is_authenticated:
        return None
    return review_if_member(user, slug)


def _error(request, template: str, status: int, reason: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
    review = _review_of(request)
    leads = []
    if review is not None:
        leads = [user.get_full_name() or user.username for user in lead_users(review)]
    context = {"reason": reason, "review": review, "leads": leads}
    return render(request, template, context, status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) or "You are not allowed to do that."
    return _error(request, "403.html", 403, reason)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, "404.html", 404, _NOT_FOUND)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page opened long ago, or with cookies off (CSRF_FAILURE_VIEW)."""
    why = (
        "This form was sent from a page that has expired (or your browser refused Sift's "
        "cookie). Nothing was saved: reload the page and send it again."
    )
    return _error(request, "403.html", 403, why)
