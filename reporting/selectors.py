"""The PRISMA 2020 flow of a review, computed from its data with aggregate queries (no loop
over records in Python: a 100,000-record review renders in well under a second).

Where each box's number comes from:
- Identification: per source, the count its searches report (PRISMA-S item 15) or else the
  records imported from it; sources with neither are NR. Databases/registers arm: sources in
  that arm; other-method sources screened with them count as pooled; the others go to the
  other-methods column.
- Duplicates: records deduplication folded into another record. Removed for other reasons:
  records a lead left out at import. Automation before screening: none (Sift has none).
- Screening, retrieval and full text: the papers of each stage and their outcomes, by the
  rules of `screening.outcomes` (their one home; counted there in SQL). Reports sought:
  `screening.outcomes.sought_reports`.
- Included: reports included at full text, and the distinct studies they belong to.
- The lead's overrides replace a computed count (kept beside it), and their notes explain
  warnings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count as N
from django.db.models import F, Prefetch, Q, Sum
from django.utils.translation import ngettext

from lib.prisma import FIELDS, Count, Flow, Line, State, assumed, computed, not_applicable
from reporting.models import PrismaNote, PrismaOverride
from reviews.models import Arm, BatchStatus, ImportBatch, Record, Review, Search, Source, SourceType
from screening.models import (
    Retrieval,
    Stage,
)
from screening.outcomes import (
    CONFLICT,
    EXCLUDE,
    INCLUDE,
    included_studies,
    outcome_counts,
    outcome_papers,
    paper_outcomes,
    papers,
    sought_reports,
)
from screening.selectors import automation_exclusions, automation_stops, study_labels

# Consumed from `screening.outcomes` (the rules' one home); named here for older callers.
__all__ = ["box_items", "outcome_counts", "outcome_papers", "paper_outcomes", "prisma_flow"]


# --- the flow ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceCount:
    source: Source
    imported: int | None  # records found in its imported files (None: nothing imported)
    reported: int | None  # what its searches report (None: not reported)
    count: Count


def source_counts(review: Review) -> list[SourceCount]:
    """Each source's records for the identification box and PRISMA-S item 15."""
    done = Q(batches__status=BatchStatus.DONE)
    imported = dict(
        Source.objects.filter(review=review)
        .annotate(n=N("batches", filter=done), found=Sum("batches__records_found", filter=done))
        .filter(n__gt=0)
        .values_list("pk", "found")
    )
    reported = {
        row["source"]: row
        for row in Search.objects.filter(source__review=review)
        .values("source")
        .annotate(n=N("pk"), known=N("records_reported"), total=Sum("records_reported"))
    }
    out = []
    # Alphabetical as a reader expects (CareData before COPAC), whatever the database's
    # collation: SQLite's binary order would put every capital first.
    for source in sorted(review.sources.all(), key=lambda s: (s.name.casefold(), s.name, s.pk)):
        got, rep = imported.get(source.pk), reported.get(source.pk)
        said = rep["total"] if rep and rep["known"] == rep["n"] else None
        if said is not None:
            note = (
                ""
                if got in (None, said)
                else f"{got:,} {ngettext('record', 'records', got)} imported"
            )
            count = (
                Count(said, State.COMPUTED) if got == said else Count(said, State.REPORTED, note)
            )
            if got is None:
                count.note = "reported by the search; not imported"
        elif got is not None:
            count = computed(got)
        else:
            count = Count(None, State.NOT_REPORTED)
        out.append(SourceCount(source, got, said, count))
    return out


def _total(lines: list[Line], noun: str) -> Count:
    if not lines:
        return not_applicable()
    known = [n for line in lines if line.count.known and (n := line.count.value) is not None]
    missing = len(lines) - len(known)
    if missing:
        return assumed(
            sum(known),
            f"{missing} {noun} with no reported count (NR) are not in the total, a lower bound",
        )
    return computed(sum(known))


def prisma_flow(review: Review) -> Flow:
    flow = Flow()
    f = flow.fields
    pooled: list[SourceCount] = []
    for sc in source_counts(review):
        line = Line(sc.source.name, sc.count, key=str(sc.source.pk), kind=sc.source.source_type)
        if sc.source.arm == Arm.DATABASES_REGISTERS:
            (
                flow.registers if sc.source.source_type == SourceType.REGISTER else flow.databases
            ).append(line)
        elif sc.source.pooled_into_screening:
            pooled.append(sc)
        else:
            flow.other_sources.append(line)
    f["database_results"] = _total(flow.databases, "databases")
    f["register_results"] = _total(flow.registers, "registers")
    f["other_records_pooled"] = (
        _total([Line(s.source.name, s.count) for s in pooled], "sources") if pooled
        else not_applicable()
    )  # fmt: skip
    if pooled:
        names = ", ".join(s.source.name for s in pooled)
        flow.footnotes.append(f"Records from {names} (other methods) were screened with the "
                              "database records and are counted with them.")  # fmt: skip

    # Removed before screening (counted on small partial indexes: see Record.Meta).
    flow_batches = list(
        ImportBatch.objects.filter(review=review, status=BatchStatus.DONE)
        .filter(Q(source__arm=Arm.DATABASES_REGISTERS) | Q(source__pooled_into_screening=True))
        .values_list("pk", flat=True)
    )
    records = Record.objects.filter(review=review, batch_id__in=flow_batches)
    counts = {
        "duplicates": records.filter(duplicate_of__isnull=False).count(),
        "waiting": records.filter(duplicate_of__isnull=True, dedup_checked=False).count(),
    }
    f["duplicates"] = computed(counts["duplicates"])
    f["excluded_automatic"] = computed(0, "Sift removes no record automatically before screening")
    left_out = (
        ImportBatch.objects.filter(pk__in=flow_batches).aggregate(
            n=Sum(F("records_found") - F("records_stored"))
        )["n"]
        or 0
    )
    f["excluded_other"] = computed(
        left_out, "records left out at import by the lead (unreadable or incomplete)" if left_out else ""
    )  # fmt: skip
    if counts["waiting"]:
        flow.footnotes.append(
            f"Deduplication in progress: {counts['waiting']:,} records not yet compared."
        )

    # Title and abstract screening.
    # = papers(review, TITLE_ABSTRACT).count(), on the partial index record_review_papers.
    screened = records.filter(duplicate_of__isnull=True, dedup_checked=True).count()
    ta = {row.outcome: row.papers for row in outcome_counts(review, Stage.TITLE_ABSTRACT)}
    machine = automation_exclusions(review, Stage.TITLE_ABSTRACT)
    for stop in automation_stops(review, Stage.TITLE_ABSTRACT):
        params = ", ".join(f"{k} {v}" for k, v in stop.params.items())
        flow.footnotes.append(
            f"Records excluded by automation tools: screening stopped early by "
            f"{stop.stopped_by.username} on {stop.stopped_at:%Y-%m-%d} under the rule "
            f"'{stop.rule}'{f' ({params})' if params else ''}: {stop.excluded:,} records not "
            "screened by a person were excluded."
        )
    human = ta.get(EXCLUDE, 0)
    f["records_screened"] = computed(screened)
    f["records_excluded_human"] = computed(human)
    f["records_excluded_automation"] = computed(machine)
    f["records_excluded"] = computed(human + machine)
    waiting = screened - ta.get(INCLUDE, 0) - human - ta.get(CONFLICT, 0) - machine
    if waiting or ta.get(CONFLICT):
        flow.footnotes.append(
            f"Screening in progress: {waiting:,} records awaiting decisions and "
            f"{ta.get(CONFLICT, 0):,} conflicts to resolve."
        )

    # Retrieval.
    reports = (
        sought_reports(review)
        .values("other_method")
        .annotate(
            sought=N("pk"),
            missing=N("pk", filter=Q(retrieval=Retrieval.NOT_RETRIEVED)),
            retrieved=N("pk", filter=Q(retrieval=Retrieval.RETRIEVED)),
        )
    )
    by_arm = {row["other_method"]: row for row in reports}
    flow.other = bool(flow.other_sources) or True in by_arm
    ft = outcome_counts(review, Stage.FULL_TEXT)
    reasons = dict(review.criteria.values_list("pk", "code"))
    labels = {c.pk: c.reason_label for c in review.criteria.all()}
    for prefix, other in (("dbr", False), ("other", True)):
        if other and not flow.other:
            for key in ("sought_reports", "notretrieved_reports", "assessed", "excluded_reports"):
                f[f"other_{key}"] = not_applicable()
            continue
        row = by_arm.get(other)
        if other and row is None and not any(x.count.known for x in flow.other_sources):
            # Other methods were used but nothing they found was entered: unknown, not 0.
            for key in ("sought_reports", "notretrieved_reports", "assessed", "excluded_reports"):
                f[f"other_{key}"] = Count(
                    None, State.NOT_REPORTED, "no record found by other methods entered in Sift"
                )
            continue
        sought, missing, retrieved = (
            (row["sought"], row["missing"], row["retrieved"]) if row is not None else (0, 0, 0)
        )
        f[f"{prefix}_sought_reports"] = computed(sought)
        f[f"{prefix}_notretrieved_reports"] = computed(missing)
        f[f"{prefix}_assessed"] = computed(retrieved)
        lines: dict[str, Line] = {}
        for r in ft:
            if r.other_method != other or r.outcome != EXCLUDE:
                continue
            if r.reason_id in labels:
                key, label = reasons[r.reason_id], labels[r.reason_id]
            elif r.reason_other:
                key, label = "other", f"Other: {r.reason_other}"
            else:
                key, label = "none", "No reason given"
            line = lines.setdefault(label, Line(label, computed(0), key=key))
            line.count.value = (line.count.value or 0) + r.papers
        ordered = sorted(lines.values(), key=lambda x: (x.key == "none", x.key, x.label))
        setattr(flow, f"{prefix}_excluded", ordered)
        f[f"{prefix}_excluded_reports"] = computed(sum(x.count.value or 0 for x in ordered))
        to_retrieve = sought - missing - retrieved
        if to_retrieve:
            flow.footnotes.append(
                f"Retrieval in progress: {to_retrieve:,} reports still to retrieve."
            )

    included = [r for r in ft if r.outcome == INCLUDE]
    decided = sum(r.papers for r in ft if r.outcome in (INCLUDE, EXCLUDE))
    open_ft = sum(r.papers for r in ft if r.outcome == CONFLICT)
    # The papers of the full-text stage are the reports assessed (retrieved), both columns.
    waiting_ft = sum(row["retrieved"] for row in by_arm.values()) - decided - open_ft
    if waiting_ft or open_ft:
        flow.footnotes.append(
            f"Full-text screening in progress: {waiting_ft:,} reports awaiting decisions and "
            f"{open_ft:,} conflicts to resolve."
        )
    f["new_reports"] = computed(sum(r.papers for r in included))
    studies, unlinked = included_studies(review)
    f["new_studies"] = computed(
        studies + unlinked,
        f"{unlinked} included reports not linked to a study count as a study each" if unlinked else "",
    )  # fmt: skip
    for key in ("previous_studies", "previous_reports", "previous_studies_dropped",
                "previous_reports_dropped", "total_studies", "total_reports",
                "total_studies_ma", "total_reports_ma"):  # fmt: skip
        f[key] = not_applicable()

    _apply_overrides(review, flow)
    flow.notes = dict(PrismaNote.objects.filter(review=review).values_list("check_id", "note"))
    return flow


def _apply_overrides(review: Review, flow: Flow) -> None:
    overrides = {o.field: o for o in PrismaOverride.objects.filter(review=review)}
    for key, o in overrides.items():
        was = flow.fields.get(key)
        before = was.value if was is not None and was.known else None
        flow.fields[key] = Count(o.value, State(o.state), o.note, computed=before)
    previous = flow.fields["previous_studies"]
    flow.updated = previous.state != State.NOT_APPLICABLE
    if flow.updated:
        for key in ("previous_studies_dropped", "previous_reports_dropped"):
            if key not in overrides:
                flow.fields[key] = assumed(0, "none of the previous studies assumed dropped")
        for key in ("previous_reports", "total_studies", "total_reports"):
            if key not in overrides:
                flow.fields[key] = Count()  # solved from the others
    for key in FIELDS:
        flow.fields.setdefault(key, not_applicable())


def prisma_overrides(review: Review):
    return (
        PrismaOverride.objects.filter(review=review).select_related("updated_by").order_by("field")
    )


# --- the lists behind the boxes ------------------------------------------------------------


@dataclass
class BoxList:
    title: str
    items: object  # a queryset of Record, or a list of Record
    details: dict[int, str]  # record id -> reason, retrieval note, study
    detail_label: str = ""


def _outcome_records(review: Review, stage: str, outcome: str):
    return Record.objects.filter(outcome_papers(review, stage, outcome))


def box_items(review: Review, key: str) -> BoxList | None:
    """What one box of the diagram counts, for the page its link opens."""
    records = Record.objects.select_related("batch__source").order_by("pk")
    ta = papers(review, Stage.TITLE_ABSTRACT)
    if key == "records_screened":
        return BoxList("Records screened", records.filter(pk__in=ta.values("pk")), {})
    if key == "records_excluded":
        items = records.filter(
            pk__in=_outcome_records(review, Stage.TITLE_ABSTRACT, EXCLUDE).values("pk")
        )
        return BoxList("Records excluded at title and abstract", items, {})
    arm, _, box = key.partition("_")
    if (
        arm not in ("dbr", "other")
        or box
        not in (
            "sought",
            "not_retrieved",
            "assessed",
            "excluded",
            "included",
        )
    ) and key != "included":
        return None
    reports = sought_reports(review).select_related("record__batch__source", "study")
    if key == "included":
        ids = _outcome_records(review, Stage.FULL_TEXT, INCLUDE).values("pk")
        chosen = reports.filter(record_id__in=ids)
        labels = study_labels(review)
        details = {
            r.record_id: (labels[r.study_id] if r.study_id is not None else "not linked to a study")
            for r in chosen
        }
        return BoxList("Reports of included studies", [r.record for r in chosen], details, "Study")
    reports = reports.filter(other_method=(arm == "other"))
    column = "other methods" if arm == "other" else "databases and registers"
    if box == "sought":
        details = {r.record_id: r.get_retrieval_display() for r in reports}
        return BoxList(
            f"Reports sought for retrieval ({column})",
            [r.record for r in reports],
            details,
            "Retrieval",
        )
    if box == "not_retrieved":
        chosen = reports.filter(retrieval=Retrieval.NOT_RETRIEVED)
        details = {r.record_id: r.get_not_retrieved_reason_display() or "" for r in chosen}
        return BoxList(
            f"Reports not retrieved ({column})", [r.record for r in chosen], details, "Why"
        )
    if box == "assessed":
        chosen = reports.filter(retrieval=Retrieval.RETRIEVED)
        return BoxList(
            f"Reports assessed for eligibility ({column})", [r.record for r in chosen], {}
        )
    labels = {c.pk: f"{c.code} {c.reason_label}" for c in review.criteria.all()}
    found = {
        p: (labels.get(rid) if rid is not None else None)
        or (f"Other: {other}" if other else "No reason given")
        for p, (o, rid, other) in paper_outcomes(review, Stage.FULL_TEXT).items()
        if o == EXCLUDE
    }
    excluded = sorted(
        (r for r in reports if r.record_id in found),
        key=lambda r: (found[r.record_id], r.record_id),
    )
    details = {r.record_id: found[r.record_id] for r in excluded}
    return BoxList(
        f"Reports excluded, with reasons ({column})",
        [r.record for r in excluded],
        details,
        "Reason",
    )


# --- PRISMA-S ------------------------------------------------------------------------------

PRISMA_S_HEADER = [
    "source_name", "platform", "source_type", "arm", "search", "search_date_run",
    "date_limits", "other_limits", "filters", "records_n", "records_state", "strategy_ref",
]  # fmt: skip


@dataclass
class PrismaSRow:
    source: Source
    search: Search | None
    records: Count

    @property
    def cells(self) -> list[object]:
        s, q = self.source, self.search
        limits = ""
        if q and (q.date_limits_from or q.date_limits_to):
            limits = f"{q.date_limits_from or '…'} to {q.date_limits_to or '…'}"
        return [
            s.name, s.platform or "NR", s.get_source_type_display(), s.get_arm_display(),
            (q.label if q else ""), (q.date_run if q and q.date_run else "NR"),
            limits or "none stated", (q.limits if q else ""), (q.filters if q else ""),
            self.records.value if self.records.known else "NR", str(self.records.state),
            ("strategy recorded" if q and q.strategy else "NR"),
        ]  # fmt: skip


def prisma_s_rows(review: Review) -> list[PrismaSRow]:
    """One row per search (PRISMA-S items 1-16 that Sift records), in source order."""
    done = Q(status=BatchStatus.DONE)
    by_search = dict(
        ImportBatch.objects.filter(done, review=review, search__isnull=False)
        .values("search").annotate(n=Sum("records_found")).values_list("search", "n")
    )  # fmt: skip
    by_source = dict(
        ImportBatch.objects.filter(done, review=review)
        .values("source").annotate(n=Sum("records_found")).values_list("source", "n")
    )  # fmt: skip
    rows = []
    in_order = Prefetch("searches", queryset=Search.objects.order_by("pk"))
    for source in review.sources.prefetch_related(in_order).order_by("name"):
        searches = list(source.searches.all())
        if not searches:
            got = by_source.get(source.pk)
            rows.append(
                PrismaSRow(
                    source,
                    None,
                    computed(got) if got is not None else Count(None, State.NOT_REPORTED),
                )
            )
            continue
        for search in searches:
            if search.records_reported is not None:
                count = Count(search.records_reported, State.REPORTED)
            elif search.pk in by_search:
                count = computed(by_search[search.pk])
            elif len(searches) == 1 and source.pk in by_source:
                count = computed(by_source[source.pk])
            else:
                count = Count(None, State.NOT_REPORTED)
            rows.append(PrismaSRow(source, search, count))
    return rows
