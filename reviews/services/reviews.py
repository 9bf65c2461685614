"""Reviews, their team and their criteria."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from reviews.access import is_member
from reviews.models import Criterion, CriterionKind, Member, Review, Role
from reviews.validators import single_line


@dataclass(frozen=True, slots=True)
class CriterionItem:
    code: str
    text: str
    label: str = ""  # short name for the PRISMA diagram


RESERVED_SLUGS = {"new", "archives"}  # words the URLs under /reviews/ use themselves


def _unique_slug(title: str, wanted: str = "") -> str:
    base = slugify(wanted or title)[:60] or "review"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Review.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_dates(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValidationError("The search start date is after its end date.")


@transaction.atomic
def review_create(
    *,
    user,
    title: str,
    question: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    slug: str = "",
    inclusion: list[CriterionItem] | None = None,
    exclusion: list[CriterionItem] | None = None,
) -> Review:
    """Create a review with `user` as its first lead."""
    if not title.strip():
        raise ValidationError("A review needs a title.")
    single_line(title, what="The title")
    _check_dates(date_from, date_to)
    review = Review.objects.create(
        title=title.strip(),
        slug=_unique_slug(title, slug),
        question=question,
        date_from=date_from,
        date_to=date_to,
        created_by=user,
    )
    Member.objects.create(review=review, user=user, role=Role.LEAD, seat=1)
    criteria_replace(review=review, inclusion=inclusion or [], exclusion=exclusion or [])
    return review


@transaction.atomic
def review_update(
    *,
    review: Review,
    title: str,
    question: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    inclusion: list[CriterionItem] | None = None,
    exclusion: list[CriterionItem] | None = None,
) -> Review:
    """Change the review and, when given, its criteria: all of it or none of it."""
    if not title.strip():
        raise ValidationError("A review needs a title.")
    single_line(title, what="The title")
    _check_dates(date_from, date_to)
    review.title, review.question = title.strip(), question
    review.date_from, review.date_to = date_from, date_to
    review.save(update_fields=["title", "question", "date_from", "date_to"])
    if inclusion is not None or exclusion is not None:
        criteria_replace(review=review, inclusion=inclusion or [], exclusion=exclusion or [])
    return review


@transaction.atomic
def criteria_replace(
    *, review: Review, inclusion: list[CriterionItem], exclusion: list[CriterionItem]
) -> None:
    """Make the review's criteria exactly these items, keeping rows whose code stays
    (later stages refer to exclusion criteria as reasons, by row)."""
    items = [(CriterionKind.INCLUDE, i) for i in inclusion] + [
        (CriterionKind.EXCLUDE, i) for i in exclusion
    ]
    codes = [item.code for _, item in items]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise ValidationError(f"Criterion codes must be unique: {', '.join(duplicated)} repeated.")
    for _, item in items:  # reasons travel into RIS notes and the PRISMA diagram
        for value in (item.code, item.text, item.label):
            single_line(value, what=f"Criterion {item.code.strip()[:10]}")
    existing = {c.code: c for c in Criterion.objects.filter(review=review)}
    for position, (kind, item) in enumerate(items):
        row = existing.pop(item.code, None) or Criterion(review=review, code=item.code)
        row.kind, row.text, row.label, row.position = kind, item.text, item.label, position
        row.save()
    Criterion.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()


@transaction.atomic
def member_add(*, review: Review, username: str, role: str = Role.REVIEWER) -> Member:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        user = get_user_model().objects.filter(email__iexact=username.strip()).first()
    if user is None:
        raise ValidationError(f"No user named {username!r}: invite them by e-mail instead.")
    if is_member(review, user):
        raise ValidationError(f"{user.username} is already in this review's team.")
    seat = (review.members.aggregate(top=Max("seat"))["top"] or 0) + 1
    return Member.objects.create(review=review, user=user, role=role, seat=seat)


def _ensure_a_lead_remains(review: Review, leaving: Member) -> None:
    # Locks the leads' rows: two leads demoting each other at once cannot both pass.
    leads = list(Member.objects.select_for_update().filter(review=review, role=Role.LEAD))
    if leaving.role == Role.LEAD and not [m for m in leads if m.pk != leaving.pk]:
        raise ValidationError("A review needs at least one lead: make someone else lead first.")


@transaction.atomic
def member_set_role(*, member: Member, role: str) -> Member:
    if role != Role.LEAD:
        _ensure_a_lead_remains(member.review, member)
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def member_remove(*, member: Member) -> None:
    _ensure_a_lead_remains(member.review, member)
    member.delete()
