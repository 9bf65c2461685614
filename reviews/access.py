"""The one access helper for a review: every view under /reviews/<slug>/ goes through it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from reviews.models import Member, Review, Role


def review_for_user(user, slug: str, *, role: str | None = None) -> Review:
    """The review if `user` is a member (404 otherwise, so outsiders learn nothing);
    403 if `role` is asked and the member does not hold it. Sets `review.viewer`."""
    if not user.is_authenticated:
        raise Http404
    member = Member.objects.select_related("review").filter(review__slug=slug, user=user).first()
    if member is None:
        raise Http404("No such review")
    if role is not None and member.role != role:
        raise PermissionDenied(f"Only a {Role(role).label.lower()} of this review can do that.")
    review = member.review
    review.viewer = member
    return review


def is_lead(review: Review) -> bool:
    return getattr(review, "viewer", None) is not None and review.viewer.role == Role.LEAD
