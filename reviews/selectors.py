"""Reads that feed pages: querysets and small dataclasses, no side effects."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Lower

from reviews.models import BatchStatus, ImportBatch, Member, Record, Review, Search, Source


def _count_of(rows: QuerySet, link: str) -> Coalesce:
    """COUNT of `rows` whose `link` is the outer row, as a correlated subquery: counting over
    joins would multiply with other annotations (or count only the rows a filter joined)."""
    counted = rows.filter(**{link: OuterRef("pk")}).values(link).annotate(n=Count("id"))
    return Coalesce(Subquery(counted.values("n")), 0)


def reviews_for_user(user) -> QuerySet[Review]:
    return (
        Review.objects.filter(members__user=user)
        .annotate(
            record_count=_count_of(Record.objects.visible(), "review"),
            member_count=_count_of(Member.objects.all(), "review"),
        )
        .order_by("-created_at")
    )


def team_list(review: Review) -> QuerySet[Member]:
    return review.members.select_related("user").order_by("role", "user__username")


def source_list(review: Review) -> QuerySet[Source]:
    """Sources with their searches' reported total and the records imported from them."""
    return (
        review.sources.annotate(
            imported=_count_of(Record.objects.visible(), "batch__source"),
            search_count=Count("searches", distinct=True),
            reported_total=Sum("searches__records_reported"),
            reported_searches=Count(
                "searches", filter=Q(searches__records_reported__isnull=False), distinct=True
            ),
        )
        .prefetch_related("searches")
        .order_by(Lower("name"))
    )


def batch_list(review: Review, *, source: Source | None = None) -> QuerySet[ImportBatch]:
    batches = review.batches.select_related("source", "search", "uploaded_by")
    return batches.filter(source=source) if source else batches


def batch_filter_choices(review: Review) -> QuerySet[ImportBatch]:
    return review.batches.filter(status=BatchStatus.DONE).select_related("source")


@dataclass(frozen=True, slots=True)
class RecordFilters:
    q: str = ""
    source_id: int | None = None
    batch_id: int | None = None


def record_search(review: Review, filters: RecordFilters) -> QuerySet[Record]:
    """Visible records matching a free-text query (title, authors, DOI or a year)."""
    records = Record.objects.in_review(review).select_related("batch__source")
    q = filters.q.strip()
    if q:
        match = Q(title__icontains=q) | Q(authors_text__icontains=q) | Q(doi__icontains=q.lower())
        if q.isdigit() and len(q) == 4:
            match |= Q(year=int(q))
        records = records.filter(match)
    if filters.source_id:
        records = records.filter(batch__source_id=filters.source_id)
    if filters.batch_id:
        records = records.filter(batch_id=filters.batch_id)
    return records.order_by("batch_id", "ordinal")


def record_detail(review: Review, record_id: int) -> Record:
    return (
        Record.objects.in_review(review)
        .select_related("batch__source", "batch__search")
        .get(pk=record_id)
    )


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    records: int
    sources: int
    searches: int
    reported_total: int
    batches_active: int


def review_summary(review: Review) -> ReviewSummary:
    return ReviewSummary(
        records=Record.objects.in_review(review).count(),
        sources=review.sources.count(),
        searches=Search.objects.filter(source__review=review).count(),
        reported_total=Search.objects.filter(source__review=review).aggregate(
            n=Sum("records_reported")
        )["n"]
        or 0,
        batches_active=review.batches.filter(
            status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING]
        ).count(),
    )
