"""The one access helper for a review: every view under /reviews/<slug>/ goes through it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
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
    return _opened(member)


def review_if_member(user, slug: str) -> Review | None:
    """The review if `user` is a member, else None (the error pages: no 404 inside a 404)."""
    member = Member.objects.select_related("review").filter(review__slug=slug, user=user).first()
    return _opened(member) if member is not None else None


def _opened(member: Member) -> Review:
    """The member's review, opened by them: `review.viewer` is written here only."""
    review = member.review
    review.viewer = member
    return review


def viewer_member(review: Review) -> Member:
    """The member who opened the review (`review_for_user`)."""
    if review.viewer is None:
        raise LookupError("The review was not opened through reviews.access.review_for_user.")
    return review.viewer


def is_lead(review: Review) -> bool:
    return review.viewer is not None and review.viewer.role == Role.LEAD


# --- Who is in a review, for services and selectors (one home for the membership reads) ---


def member_of(review: Review, user) -> Member | None:
    """`user`'s membership of `review`: the one `review_for_user` found when the review was
    opened by this user (no query), else read."""
    viewer = review.viewer
    if viewer is not None and viewer.user_id == user.pk:
        return viewer
    return Member.objects.filter(review=review, user=user).first()


def seat_of(review: Review, user) -> int:
    """The member's seat (order of joining); 0 for someone not in the team."""
    member = member_of(review, user)
    return (member.seat if member is not None else None) or 0


def role_of(review: Review, user) -> str | None:
    """The member's role, None for someone not in the team."""
    return Member.objects.filter(review=review, user=user).values_list("role", flat=True).first()


def is_member(review: Review, user) -> bool:
    return Member.objects.filter(review=review, user=user).exists()


def is_lead_of(review: Review, user) -> bool:
    return Member.objects.filter(review=review, user=user, role=Role.LEAD).exists()


def has_member_email(review: Review, email: str) -> bool:
    """Someone in the team has this address (any case)."""
    return Member.objects.filter(review=review, user__email__iexact=email).exists()


def lead_users(review: Review) -> list:
    return [
        m.user for m in Member.objects.filter(review=review, role=Role.LEAD).select_related("user")
    ]


def team(review: Review) -> QuerySet:
    """The team's user ids, as a subquery (`pk__in=team(review)`)."""
    return Member.objects.filter(review=review).values("user")


def team_ids(review: Review) -> QuerySet:
    """The team's user ids, flat."""
    return Member.objects.filter(review=review).values_list("user_id", flat=True)


def reviews_led_only_by(user) -> list[Review]:
    """The reviews `user` is the only lead of (they cannot leave them without a lead)."""
    alone = []
    for member in Member.objects.filter(user=user, role=Role.LEAD).select_related("review"):
        others = Member.objects.filter(review=member.review, role=Role.LEAD).exclude(user=user)
        if not others.exists():
            alone.append(member.review)
    return alone
