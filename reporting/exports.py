"""What leads publish besides the diagram: every record with its decisions (CSV, XLSX, RIS
that EndNote and Zotero import, notes and reasons in N1), the included studies as RIS, the
screening log (every vote, change and resolution with who and when) and the audit trail
(every history row of the review).

Blinding: a lead's export has every reviewer's votes and the final verdicts; anybody else's
has only their own votes (`viewer_only`), never a final verdict derived from a colleague's.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from functools import partial

from lib import ris_writer
from lib.imports.raw import fields_from_raw
from reviews.history import review_history
from reviews.models import Record, Review
from screening.models import AutomationStop, Decision, DecisionEvent, Report, Resolution, Stage
from screening.outcomes import paper_outcomes
from screening.selectors import study_labels

STAGES = (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT)
SHORT = {Stage.TITLE_ABSTRACT: "ta", Stage.FULL_TEXT: "ft"}
OUTCOME_WORDS = {
    "include": "included", "exclude": "excluded", "conflict": "conflict (unresolved)",
    "awaiting": "awaiting reviewers", "automation": "excluded by automation tool",
}  # fmt: skip


class RecordExport:
    """Reads once, then yields rows or RIS entries. `viewer_only`: a user id whose own
    votes are the only ones included (a reviewer's export: no final verdicts, retrieval or
    study either, which are derived from everybody's votes; screening.access)."""

    def __init__(self, review: Review, *, viewer_only: int | None = None, included_only=False):
        self.review = review
        self.viewer_only = viewer_only
        self.codes = {c.pk: c.code for c in review.criteria.all()}
        self.labels = {c.pk: f"{c.code} {c.reason_label}" for c in review.criteria.all()}
        votes = Decision.objects.filter(review=review)
        if viewer_only is not None:
            votes = votes.filter(reviewer_id=viewer_only)
        self.votes: dict[tuple[int, str], dict[str, tuple[str, str]]] = defaultdict(dict)
        reviewers: set[str] = set()
        for paper, stage, user, verdict, reason, other in votes.order_by(
            "updated_at", "pk"
        ).values_list(
            "paper_id", "stage", "reviewer__username", "verdict", "reason_id", "reason_other"
        ):
            self.votes[paper, stage][user] = (verdict, self._reason(reason, other))
            reviewers.add(user)
        self.reviewers = sorted(reviewers)
        self.outcomes = (
            {stage: paper_outcomes(review, stage) for stage in STAGES}
            if viewer_only is None
            else {}
        )
        self.reports = {
            r.record_id: r for r in Report.objects.filter(review=review).select_related("study")
        }
        self.studies = study_labels(review)  # "Lambert 2003a" / "Lambert 2003b"
        records = Record.objects.in_review(review).select_related("batch__source").order_by("pk")
        if included_only:
            included = [
                p for p, o in paper_outcomes(review, Stage.FULL_TEXT).items() if o[0] == "include"
            ]
            records = records.filter(pk__in=included)
        self.records = records

    def _reason(self, reason_id: int | None, other: str) -> str:
        if reason_id in self.labels:
            return self.labels[reason_id]
        return f"Other: {other}" if other else ""

    def header(self) -> list[str]:
        cols = ["record_id", "cluster_primary_id", "role", "source", "file", "title", "authors",
                "year", "journal", "volume", "issue", "pages", "doi", "pmid"]  # fmt: skip
        for stage in STAGES:
            s = SHORT[stage]
            for user in self.reviewers:
                cols += [f"{s}_{user}_vote", f"{s}_{user}_reason"]
            if self.viewer_only is None:
                cols += [f"{s}_final", f"{s}_final_reason"]
        if self.viewer_only is None:
            cols += ["retrieval", "study"]
        return [*cols, "number"]  # the record's number in the review, as the pages show it

    def rows(self) -> Iterator[list[object]]:
        yield self.header()
        for record in self.records.iterator(chunk_size=2000):
            paper = record.duplicate_of_id or record.pk
            row: list[object] = [
                record.pk, paper, "duplicate" if record.duplicate_of_id else "primary",
                record.batch.source.name, record.batch.filename, record.title, record.authors_text,
                record.year, record.journal, record.volume, record.issue, record.pages,
                record.doi, record.pmid,
            ]  # fmt: skip
            for stage in STAGES:
                votes = self.votes.get((paper, stage), {})
                for user in self.reviewers:
                    verdict, reason = votes.get(user, ("", ""))
                    row += [verdict, reason]
                if self.viewer_only is None:
                    outcome, reason_id, other = self.outcomes[stage].get(paper, ("", None, ""))
                    row += [
                        OUTCOME_WORDS.get(outcome, outcome),
                        self._reason(reason_id, other) if outcome == "exclude" else "",
                    ]
            if self.viewer_only is None:
                report = self.reports.get(paper)
                row += [
                    report.get_retrieval_display() if report else "",
                    self.studies[report.study_id] if report and report.study else "",
                ]
            row.append(record.number)
            yield row

    def notes(self, record: Record) -> list[str]:
        """N1 lines: Sift's ids, each stage's votes and verdict, the study."""
        paper = record.duplicate_of_id or record.pk
        out = [f"Sift record {record.pk}" + (f", duplicate of {paper}" if paper != record.pk else "")
               + f"; source {record.batch.source.name}; number {record.label_number}"]  # fmt: skip
        for stage in STAGES:
            votes = self.votes.get((paper, stage), {})
            if not votes and paper not in self.outcomes.get(stage, {}):
                continue
            parts = [f"{user}: {v}{f' ({r})' if r else ''}" for user, (v, r) in votes.items()]
            line = f"{Stage(stage).label}: " + ("; ".join(parts) or "no votes")
            if self.viewer_only is None and paper in self.outcomes[stage]:
                outcome, reason_id, other = self.outcomes[stage][paper]
                line += f" -> {OUTCOME_WORDS.get(outcome, outcome)}"
                if outcome == "exclude" and self._reason(reason_id, other):
                    line += f", reason {self._reason(reason_id, other)}"
            out.append(line)
        report = self.reports.get(paper) if self.viewer_only is None else None
        if report and report.study:
            out.append(f"Study: {self.studies[report.study_id]}")
        return out

    def ris(self) -> str:
        """RIS that EndNote and Zotero import (lib.ris_writer): a record imported from RIS
        keeps every tag it had; others get Sift's fields and their bibliographic extras.
        Sift's ids, votes, verdicts and the study go in N1; every value on one line."""
        entries = []
        for record in self.records.iterator(chunk_size=2000):
            fmt = record.batch.format
            raw = fields_from_raw(fmt, record.raw_text)
            if fmt == "ris":
                entry = ris_writer.from_ris(raw)
                if record.doi and not raw.get("DO"):
                    ris_writer.add(entry, "DO", record.doi)
            else:
                entry = {"TY": [ris_writer.ris_type(record.type, *_pub_types(fmt, raw))]}
                add = partial(ris_writer.add, entry)
                add("TI", record.title)
                add("AU", [str(a) for a in record.authors or ()])
                add("PY", record.year)
                for tag, value in (("JO", record.journal), ("VL", record.volume),
                                   ("IS", record.issue), ("DO", record.doi),
                                   ("AB", record.abstract), ("LA", record.language)):  # fmt: skip
                    add(tag, value)
                if record.pages:
                    start, _, end = record.pages.partition("-")
                    add("SP", start.strip())
                    add("EP", end.strip())
                add("KW", [str(k) for k in record.keywords or ()])
                add("UR", record.url)
                add("AN", record.pmid)
                ris_writer.extra_fields(fmt, raw, entry)
            if "DB" not in entry:
                ris_writer.add(entry, "DB", record.batch.source.name)
            if "ID" not in entry:
                ris_writer.add(entry, "ID", record.pk)
            ris_writer.add(entry, "N1", self.notes(record))
            entries.append(entry)
        return ris_writer.dumps(entries)


# Where each format lists all of a record's publication types (record.type is the first):
# a MEDLINE record's later PT lines ("Review" after "Journal Article") are tried too.
_PUB_TYPE_FIELDS = {"medline": ("PT",), "ovid": ("PT",), "wos": ("DT", "PT")}


def _pub_types(fmt: str, raw: dict) -> list[str]:
    found: list[str] = []
    for name in _PUB_TYPE_FIELDS.get(fmt, ()):
        value = raw.get(name)
        found += [str(v) for v in (value if isinstance(value, list) else [value]) if v]
    return found


# Times are written as date-times (lib.spreadsheet: "YYYY-MM-DD HH:MM:SS"), in UTC as the
# column names say.
LOG_HEADER = [
    "at_utc",
    "event",
    "stage",
    "record_id",
    "title",
    "who",
    "from",
    "to",
    "reason",
    "note",
    "record_number",  # the record's number in the review, as the pages show it
]


def log_rows(review: Review) -> Iterator[list[object]]:
    """Every vote and change (DecisionEvent), resolution and early stop, oldest first."""
    titles = dict(Record.objects.filter(review=review).values_list("pk", "title"))
    labels = {c.pk: f"{c.code} {c.reason_label}" for c in review.criteria.all()}

    def votes():
        for e in (
            DecisionEvent.objects.filter(review=review)
            .select_related("reviewer")
            .order_by("at", "pk")
            .iterator()
        ):
            kind = (
                "vote" if not e.old_verdict else ("withdrawn" if not e.new_verdict else "changed")
            )
            yield (e.at, 0, e.pk, [e.at, kind, e.stage, e.record_id, titles.get(e.record_id, ""),
                                   e.reviewer.username, e.old_verdict, e.new_verdict, e.new_reason or e.old_reason, ""])  # fmt: skip

    def resolutions():
        for r in (
            Resolution.objects.filter(review=review)
            .select_related("resolved_by")
            .order_by("resolved_at", "pk")
        ):
            reason = labels.get(r.reason_id) or (
                f"Other: {r.reason_other}" if r.reason_other else ""
            )
            yield (r.resolved_at, 1, r.pk, [r.resolved_at, "conflict resolved", r.stage, r.record_id,
                                            titles.get(r.record_id, ""), r.resolved_by.username, "conflict",
                                            r.verdict, reason, r.note])  # fmt: skip

    def stops():
        for s in (
            AutomationStop.objects.filter(review=review)
            .select_related("stopped_by")
            .order_by("stopped_at", "pk")
        ):
            yield (s.stopped_at, 2, s.pk, [s.stopped_at, "screening stopped early", s.stage, "", "",
                                           s.stopped_by.username, "", "excluded by automation tool",
                                           f"{s.rule} {s.params}", s.note])  # fmt: skip
            if s.undone_at:
                yield (s.undone_at, 2, s.pk, [s.undone_at, "early stop undone", s.stage, "", "",
                                              s.undone_by.username if s.undone_by else "", "", "", s.rule, ""])  # fmt: skip

    numbers = dict(Record.objects.filter(review=review).values_list("pk", "number"))
    yield LOG_HEADER
    for _, _, _, row in heapq.merge(votes(), resolutions(), stops(), key=lambda item: item[:3]):
        yield [*row, numbers.get(row[3], "") if row[3] != "" else ""]


AUDIT_HEADER = ["at_utc", "kind", "stage", "record_id", "actor", "summary", "detail"]


def audit_rows(review: Review) -> Iterator[list[object]]:
    """The whole audit trail, oldest first: votes and their changes, deduplication, imports
    and their undoing, resolutions, early stops, checklist, form and settings edits (every
    source registered with `reviews.history`). Streamed: no list of the trail in memory."""
    yield AUDIT_HEADER
    for e in review_history(review):
        yield [e.at, e.kind, e.stage, e.record_id, e.actor or "(automatic)",
               e.summary, e.detail]  # fmt: skip
