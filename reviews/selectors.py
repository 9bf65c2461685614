"""Reads that feed pages: querysets and small dataclasses, no side effects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Lower

from lib.dedup import word_diff
from reviews.models import (
    AuditEvent,
    AuditKind,
    BatchStatus,
    DedupDecision,
    DedupEvent,
    DedupPair,
    DedupRun,
    ImportBatch,
    Member,
    Record,
    Review,
    Search,
    Source,
)


def _count_of(rows: QuerySet, link: str) -> Coalesce:
    """COUNT of `rows` whose `link` is the outer row, as a correlated subquery: counting over
    joins would multiply with other annotations (or count only the rows a filter joined)."""
    counted = rows.filter(**{link: OuterRef("pk")}).values(link).annotate(n=Count("id"))
    return Coalesce(Subquery(counted.values("n")), 0)


def reviews_for_user(user) -> QuerySet[Review]:
    return (
        Review.objects.filter(members__user=user)
        .annotate(
            # The batches' stored counts, not a COUNT over 100,000 record rows per review.
            record_count=Coalesce(
                Subquery(
                    ImportBatch.objects.filter(review=OuterRef("pk"), status=BatchStatus.DONE)
                    .values("review")
                    .annotate(n=Sum("records_stored"))
                    .values("n")
                ),
                0,
            ),
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
    role: str = ""  # "primary" (one record per paper) or "duplicate"


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
    if filters.role == "primary":
        records = records.primaries()
    elif filters.role == "duplicate":
        records = records.duplicates()
    # The annotation is not in the stubs' Record type: the queryset is still Record rows.
    annotated = records.annotate(duplicate_of_number=F("duplicate_of__number"))
    return cast("QuerySet[Record]", annotated.order_by("batch_id", "ordinal"))


def record_detail(review: Review, record_id: int) -> Record:
    return (
        Record.objects.in_review(review)
        .select_related("batch__source", "batch__search", "duplicate_of")
        .annotate(duplicate_count=Count("duplicates"))
        .get(pk=record_id)
    )


@dataclass(frozen=True, slots=True)
class Correction:
    """A field a lead corrected: its value as imported and as it is now."""

    field: str
    label: str
    imported: object
    now: object


def record_corrections(record: Record) -> list[Correction]:
    """The record's corrected fields, from its history: the imported value of a field is
    the old value of its first correction (reviews/services/records.py)."""
    from reviews.services.records import EDITABLE, field_label

    imported: dict[str, object] = {}
    events = AuditEvent.objects.filter(
        review_id=record.review_id, record_id=record.pk, kind=AuditKind.RECORD_EDIT
    ).order_by("at", "pk")
    for detail in events.values_list("detail", flat=True):
        for name, (old, _new) in detail.get("changes", {}).items():
            imported.setdefault(name, old)
    return [
        Correction(name, field_label(name), imported[name], getattr(record, name))
        for name in EDITABLE
        if name in imported and imported[name] != getattr(record, name)
    ]


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    records: int
    sources: int
    searches: int
    reported_total: int
    batches_active: int
    duplicates: int
    queued_pairs: int


def review_summary(review: Review) -> ReviewSummary:
    return ReviewSummary(
        records=review.batches.filter(status=BatchStatus.DONE).aggregate(n=Sum("records_stored"))[
            "n"
        ]
        or 0,
        duplicates=Record.objects.in_review(review).duplicates().count(),
        queued_pairs=review.dedup_pairs.count(),
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


# --- Deduplication -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DedupSummary:
    records: int  # visible records
    checked: int  # compared by the matcher
    papers: int  # primaries: what screening shows
    duplicates: int  # PRISMA "duplicate records removed"
    clusters: int  # groups of two or more records
    queued: int  # pairs waiting for a lead
    decisions: int  # leads' answers so far
    rules: list[tuple[str, int]]  # duplicates per matching rule
    run: DedupRun


def dedup_summary(review: Review) -> DedupSummary:
    records = Record.objects.in_review(review)
    duplicates = records.filter(duplicate_of__isnull=False)
    rules = duplicates.values("dedup_rule").annotate(n=Count("pk")).order_by("-n", "dedup_rule")
    run, _ = DedupRun.objects.get_or_create(review=review)
    counts = records.aggregate(
        total=Count("pk"),
        checked=Count("pk", filter=Q(dedup_checked=True)),
        papers=Count("pk", filter=Q(dedup_checked=True, duplicate_of__isnull=True)),
        dups=Count("pk", filter=Q(duplicate_of__isnull=False)),
        clusters=Count("duplicate_of", distinct=True),
    )
    return DedupSummary(
        records=counts["total"],
        checked=counts["checked"],
        papers=counts["papers"],
        duplicates=counts["dups"],
        clusters=counts["clusters"],
        queued=review.dedup_pairs.count(),
        decisions=review.dedup_decisions.count(),
        rules=[(r["dedup_rule"], r["n"]) for r in rules],
        run=run,
    )


def dedup_run_state(review: Review) -> DedupRun:
    run, _ = DedupRun.objects.get_or_create(review=review)
    return run


def dedup_queue_next(review: Review, *, after: int | None = None) -> DedupPair | None:
    """The best-scoring pair waiting for a lead (the one after pair `after` when skipping)."""
    pairs = review.dedup_pairs.order_by("-score", "pk")
    if after is not None:
        skipped = pairs.filter(pk=after).values_list("score", flat=True).first()
        if skipped is not None:
            pairs = pairs.filter(Q(score__lt=skipped) | Q(score=skipped, pk__gt=after))
    return pairs.first()


@dataclass(frozen=True, slots=True)
class FieldRow:
    label: str
    left: list[tuple[str, bool]]  # runs of (text, differs) for the side-by-side view
    right: list[tuple[str, bool]]
    differs: bool


_COMPARED = (
    ("Title", "title"),
    ("Authors", "authors_text"),
    ("Year", "year"),
    ("Journal", "journal"),
    ("Volume", "volume"),
    ("Issue", "issue"),
    ("Pages", "pages"),
    ("DOI", "doi"),
    ("PMID", "pmid"),
    ("Type", "type"),
    ("Abstract", "abstract"),
)


def _text(record: Record, field: str) -> str:
    value = getattr(record, field)
    if field == "authors_text":
        return "; ".join(record.authors)
    return "" if value is None else str(value)


def dedup_compare(left: Record, right: Record) -> list[FieldRow]:
    """The two records field by field, with the words that differ marked."""
    rows = []
    for label, field in _COMPARED:
        a, b = _text(left, field), _text(right, field)
        if not a and not b:
            continue
        if not a or not b:
            # Missing on one side is not a difference in wording: nothing to mark.
            rows.append(
                FieldRow(label, [(a, False)] if a else [], [(b, False)] if b else [], False)
            )
            continue
        runs_a, runs_b = word_diff(a, b)
        rows.append(FieldRow(label, runs_a, runs_b, any(d for _, d in runs_a + runs_b)))
    return rows


def dedup_records(review: Review, *ids: int) -> list[Record]:
    found = {
        r.pk: r
        for r in Record.objects.in_review(review)
        .filter(pk__in=ids)
        .select_related("batch__source", "duplicate_of")
    }
    if len(found) != len(set(ids)):
        raise Record.DoesNotExist
    return [found[i] for i in ids]


@dataclass(frozen=True, slots=True)
class ClusterView:
    primary: Record
    members: list[Record]  # the primary first
    decisions: list[DedupDecision]
    sources: list[str]  # provenance: every source that found the paper


def dedup_cluster(review: Review, record: Record) -> ClusterView:
    primary_id = record.duplicate_of_id or record.pk
    members = list(
        Record.objects.in_review(review)
        .filter(Q(pk=primary_id) | Q(duplicate_of_id=primary_id))
        .select_related("batch__source", "batch__search")
        .order_by("pk")
    )
    members.sort(key=lambda r: (r.pk != primary_id, r.pk))
    ids = [m.pk for m in members]
    decisions = list(
        DedupDecision.objects.filter(Q(record_a_id__in=ids) | Q(record_b_id__in=ids))
        .select_related("decided_by", "record_a", "record_b")
        .order_by("-decided_at")
    )
    sources = sorted({m.batch.source.name for m in members})
    return ClusterView(members[0], members, decisions, sources)


def dedup_events(review: Review, *, limit: int = 50) -> QuerySet[DedupEvent]:
    """The latest log entries, each with whether its records are still in the review
    (`record_present`, `other_present`): an undone import took its records away, and the
    log keeps their numbers."""
    present = Record.objects.in_review(review)
    return (
        review.dedup_events.select_related("actor")
        .annotate(
            record_present=Exists(present.filter(pk=OuterRef("record_id"))),
            other_present=Exists(present.filter(pk=OuterRef("other_id"))),
            record_number=Subquery(present.filter(pk=OuterRef("record_id")).values("number")),
            other_number=Subquery(present.filter(pk=OuterRef("other_id")).values("number")),
        )
        .order_by("-at", "-id")[:limit]
    )


@dataclass(frozen=True, slots=True)
class SourceCount:
    source: Source
    records: int  # imported from it
    duplicates: int  # of them, duplicates of a record kept
    kept: int  # of them, kept as the paper's record
    papers: int  # distinct papers it found (clusters with a member from it)
    unique: int  # papers no other source found


def dedup_source_counts(review: Review) -> list[SourceCount]:
    """Counts per source before and after deduplication (PRISMA-S: which sources found
    which papers)."""
    rows = Record.objects.in_review(review).values_list("pk", "duplicate_of_id", "batch__source_id")
    paper_sources: dict[int, set[int]] = defaultdict(set)
    per_source: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pk, dup_of, source_id in rows:
        paper_sources[dup_of or pk].add(source_id)
        counts = per_source[source_id]
        counts[0] += 1
        counts[1 if dup_of else 2] += 1
    papers: dict[int, int] = defaultdict(int)
    unique: dict[int, int] = defaultdict(int)
    for found_by in paper_sources.values():
        for source_id in found_by:
            papers[source_id] += 1
        if len(found_by) == 1:
            unique[next(iter(found_by))] += 1
    out = []
    for source in review.sources.order_by("name"):
        records, dups, kept = per_source.get(source.pk, [0, 0, 0])
        out.append(SourceCount(source, records, dups, kept, papers[source.pk], unique[source.pk]))
    return out


def dedup_report_rows(review: Review) -> Iterator[list[object]]:
    """One row per record: its cluster, role, provenance and the rule that matched."""
    yield [
        "cluster",
        "record_id",
        "role",
        "source",
        "import",
        "file",
        "position",
        "title",
        "year",
        "doi",
        "rule",
        "score",
        "primary_chosen_by_lead",
        "number",  # the record's number in the review, as the pages show it
    ]
    records = (
        Record.objects.in_review(review)
        .order_by(Coalesce("duplicate_of_id", "pk"), "duplicate_of_id", "pk")
        .values_list(
            "pk",
            "number",
            "duplicate_of_id",
            "batch__source__name",
            "batch_id",
            "batch__filename",
            "ordinal",
            "title",
            "year",
            "doi",
            "dedup_rule",
            "dedup_score",
            "primary_pinned",
        )
    )
    for (
        pk,
        number,
        dup_of,
        source,
        batch,
        filename,
        ordinal,
        title,
        year,
        doi,
        rule,
        score,
        pin,
    ) in records.iterator(chunk_size=2000):
        yield [
            dup_of or pk,
            pk,
            "duplicate" if dup_of else "primary",
            source,
            batch,
            filename,
            ordinal,
            title,
            year or "",
            doi,
            rule,
            "" if score is None else score,
            "yes" if pin else "",
            number,
        ]


def dedup_event_rows(review: Review) -> Iterator[list[object]]:
    """The deduplication log: every run and every lead's change, oldest first."""
    yield ["when_utc", "who", "action", "record_id", "other_record_id", "details"]
    events = review.dedup_events.select_related("actor").order_by("at", "id")
    for e in events.iterator(chunk_size=2000):
        detail = "; ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        yield [
            e.at,  # a date-time cell (lib.spreadsheet), UTC as the header says
            e.actor.username if e.actor else "(automatic)",
            e.get_action_display(),
            e.record_id,
            e.other_id,
            detail,
        ]
