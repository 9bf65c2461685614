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

import rispy

from reporting.selectors import paper_outcomes
from reviews.history import review_history
from reviews.models import Record, Review
from screening.models import AutomationStop, Decision, DecisionEvent, Report, Resolution, Stage

STAGES = (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT)
SHORT = {Stage.TITLE_ABSTRACT: "ta", Stage.FULL_TEXT: "ft"}
OUTCOME_WORDS = {
    "include": "included", "exclude": "excluded", "conflict": "conflict (unresolved)",
    "awaiting": "awaiting reviewers", "automation": "excluded by automation tool",
}  # fmt: skip


class RecordExport:
    """Reads once, then yields rows or RIS entries. `viewer_only`: a user id whose own
    votes are the only ones included (a reviewer's export)."""

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
        cols += ["retrieval", "study"]
        return cols

    def rows(self) -> Iterator[list[object]]:
        yield self.header()
        for record in self.records.iterator(chunk_size=2000):
            paper = record.duplicate_of_id or record.pk
            row: list[object] = [
                record.pk, paper, "duplicate" if record.duplicate_of_id else "primary",
                record.batch.source.name, record.batch.filename, record.title, record.authors_text,
                record.year or "", record.journal, record.volume, record.issue, record.pages,
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
            report = self.reports.get(paper)
            row += [
                report.get_retrieval_display() if report else "",
                report.study.label if report and report.study else "",
            ]
            yield row

    def notes(self, record: Record) -> list[str]:
        """N1 lines: Sift's ids, each stage's votes and verdict, the study."""
        paper = record.duplicate_of_id or record.pk
        out = [f"Sift record {record.pk}" + (f", duplicate of {paper}" if paper != record.pk else "")
               + f"; source {record.batch.source.name}"]  # fmt: skip
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
        report = self.reports.get(paper)
        if report and report.study:
            out.append(f"Study: {report.study.label}")
        return out

    def ris(self) -> str:
        entries = []
        for record in self.records.iterator(chunk_size=2000):
            entry: dict[str, object] = {"type_of_reference": _ris_type(record.type)}
            if record.title:
                entry["title"] = record.title
            if record.authors:
                entry["authors"] = [str(a) for a in record.authors]
            if record.year:
                entry["year"] = str(record.year)
            for key, value in (("journal_name", record.journal), ("volume", record.volume),
                               ("number", record.issue), ("doi", record.doi),
                               ("abstract", record.abstract), ("language", record.language),
                               ("name_of_database", record.batch.source.name)):  # fmt: skip
                if value:
                    entry[key] = value
            if record.pages:
                start, _, end = record.pages.partition("-")
                entry["start_page"] = start.strip()
                if end.strip():
                    entry["end_page"] = end.strip()
            if record.keywords:
                entry["keywords"] = [str(k) for k in record.keywords]
            if record.url:
                entry["urls"] = [record.url]
            if record.pmid:
                entry["accession_number"] = record.pmid
            entry["id"] = str(record.pk)
            entry["notes"] = self.notes(record)
            entries.append(entry)
        return rispy.dumps(entries)


_RIS_TYPES = {"journal article": "JOUR", "article": "JOUR", "jour": "JOUR", "book": "BOOK",
              "chapter": "CHAP", "book section": "CHAP", "conference paper": "CPAPER",
              "report": "RPRT", "thesis": "THES", "web page": "ELEC"}  # fmt: skip


def _ris_type(value: str) -> str:
    value = (value or "").strip()
    if value.upper() in {"JOUR", "BOOK", "CHAP", "CPAPER", "CONF", "RPRT", "THES", "ELEC", "GEN"}:
        return value.upper()
    return _RIS_TYPES.get(value.lower(), "JOUR" if not value else "GEN")


LOG_HEADER = ["at", "event", "stage", "record_id", "title", "who", "from", "to", "reason", "note"]


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
            yield (e.at, 0, e.pk, [e.at.isoformat(), kind, e.stage, e.record_id, titles.get(e.record_id, ""),
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
            yield (r.resolved_at, 1, r.pk, [r.resolved_at.isoformat(), "conflict resolved", r.stage, r.paper_id,
                                            titles.get(r.paper_id, ""), r.resolved_by.username, "conflict",
                                            r.verdict, reason, r.note])  # fmt: skip

    def stops():
        for s in (
            AutomationStop.objects.filter(review=review)
            .select_related("stopped_by")
            .order_by("stopped_at", "pk")
        ):
            yield (s.stopped_at, 2, s.pk, [s.stopped_at.isoformat(), "screening stopped early", s.stage, "", "",
                                           s.stopped_by.username, "", "excluded by automation tool",
                                           f"{s.rule} {s.params}", s.note])  # fmt: skip
            if s.undone_at:
                yield (s.undone_at, 2, s.pk, [s.undone_at.isoformat(), "early stop undone", s.stage, "", "",
                                              s.undone_by.username if s.undone_by else "", "", "", s.rule, ""])  # fmt: skip

    yield LOG_HEADER
    for _, _, _, row in heapq.merge(votes(), resolutions(), stops(), key=lambda item: item[:3]):
        yield row


AUDIT_HEADER = ["at", "kind", "stage", "record_id", "actor", "summary", "detail"]


def audit_rows(review: Review) -> Iterator[list[object]]:
    """The whole audit trail, oldest first: votes and their changes, deduplication, imports
    and their undoing, resolutions, early stops, checklist, form and settings edits (every
    source registered with `reviews.history`). Streamed: no list of the trail in memory."""
    yield AUDIT_HEADER
    for e in review_history(review):
        yield [e.at.isoformat(), e.kind, e.stage, e.record_id or "", e.actor or "(automatic)",
               e.summary, e.detail]  # fmt: skip
