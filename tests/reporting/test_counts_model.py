"""A model-based test of every count (issue #17, section 1): hypothesis runs random sequences
of imports, undos, automatic and manual deduplication (same, different, split, choose the
primary), votes and changes, withdrawals, resolutions, votes on two papers then merged
(perhaps resolved first, perhaps split again), retrieval, full-text votes, study
links, member removal and stopping early. After every step each PRISMA field equals a slow
reference computed here in plain Python from the stored facts alone (records, clusters,
votes, resolutions, exclusions, reports), every consistency check passes or fails for a
reason the flow names in a footnote, and the stage pages' counts equal PRISMA's."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from lib.prisma.checks import check
from reporting import selectors as reporting
from reviews import services as review_services
from reviews.models import BatchStatus, ImportBatch, Member, Record, Role, SourceType
from reviews.models import Verdict as Same
from reviews.services.reviews import CriterionItem
from screening import selectors, services
from screening.access import Viewer
from screening.models import (
    AutomationExclusion,
    AutomationStop,
    Decision,
    Report,
    Resolution,
    Retrieval,
    Stage,
    StageSettings,
    Study,
)
from tests.reviews.test_dedup_service import import_text, ris
from tests.screening.conftest import paper

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
LINK = "https://example.org/full-text"
_machines = itertools.count()
_LOG: list | None = None  # set by a test to see what the machine did


# --- the reference: plain Python over the stored facts -----------------------------------


def _rule(votes: list[tuple[int, str, int | None, str]], s: dict) -> str:
    """(reviewer, verdict, reason, other) per vote: every vote on every record of the paper."""
    if len({who for who, _, _, _ in votes}) < s["reviewers_required"]:
        return "awaiting"
    kinds = {"include" if v == "maybe" and s["maybe_counts_as_include"] else v
             for _, v, _, _ in votes}  # fmt: skip
    if kinds == {"include"}:
        return "include"
    if kinds == {"exclude"}:
        reasons = {(r, " ".join(o.lower().split())) for _, _, r, o in votes}
        return "conflict" if s["reasons_must_agree"] and len(reasons) > 1 else "exclude"
    return "conflict"


def reference(review) -> dict:
    """Every count, from rows alone: no selector, no Decision.paper, no Report.eligible."""
    done = set(
        ImportBatch.objects.filter(review=review, status=BatchStatus.DONE).values_list(
            "pk", flat=True
        )
    )
    records = {
        r["pk"]: r
        for r in Record.objects.filter(review=review).values(
            "pk", "batch_id", "duplicate_of_id", "dedup_checked", "batch__records_found",
        )
    }  # fmt: skip

    def cluster(pk: int) -> int:
        while records[pk]["duplicate_of_id"]:
            pk = records[pk]["duplicate_of_id"]
        return pk

    in_done = [r for r in records.values() if r["batch_id"] in done]
    ta_papers = {r["pk"] for r in in_done if r["dedup_checked"] and not r["duplicate_of_id"]}
    stage_rules = {
        s["stage"]: s
        for s in StageSettings.objects.filter(review=review).values(
            "stage", "reviewers_required", "maybe_counts_as_include", "reasons_must_agree"
        )
    }

    def placed(stage: str) -> dict[int, tuple[int, tuple]]:
        """resolution -> (the paper it counts for, or its own record when left behind;
        its verdict): on the primary of the record it was made on, one made on the primary
        itself first, else the earliest."""
        rows = sorted(Resolution.objects.filter(review=review, stage=stage),
                      key=lambda r: (r.resolved_at, r.pk))  # fmt: skip
        first: dict[int, Resolution] = {}
        for r in rows:
            p = cluster(r.record_id)
            if p not in first or (r.record_id == p and first[p].record_id != p):
                first[p] = r
        return {
            r.pk: (cluster(r.record_id) if first[cluster(r.record_id)] is r else r.record_id,
                   (r.verdict, r.reason_id, r.reason_other))
            for r in rows
        }  # fmt: skip

    def outcomes(stage: str, papers_: set[int]) -> dict[int, tuple[str, int | None, str]]:
        votes: dict[int, list[tuple]] = defaultdict(list)
        for d in Decision.objects.filter(review=review, stage=stage).order_by("updated_at", "pk"):
            p = cluster(d.record_id) if d.record_id in records else None
            if p in papers_:  # one row per record, reviewer and stage: every one counts
                votes[p].append((d.reviewer_id, d.verdict, d.reason_id, d.reason_other))
        resolved = {p: verdict for p, verdict in placed(stage).values() if p in papers_}
        machine = set(
            AutomationExclusion.objects.filter(review=review, stage=stage).values_list(
                "paper_id", flat=True
            )
        )
        out = {}
        for p in papers_:
            if p in resolved:
                out[p] = resolved[p]
            elif p in machine:
                out[p] = ("automation", None, "")
            else:
                o = _rule(votes[p], stage_rules[stage])  # earliest first
                out[p] = (o, *votes[p][0][2:]) if o == "exclude" else (o, None, "")
        return out

    ta = outcomes(TA, ta_papers)
    by_ta = defaultdict(int)
    for o, _, _ in ta.values():
        by_ta[o] += 1
    included = {p for p, (o, _, _) in ta.items() if o == "include"}
    reports = {r.record_id: r for r in Report.objects.filter(review=review, record_id__in=included)}
    ft_papers = {p for p in included if p in reports and reports[p].retrieval == "retrieved"}
    ft = outcomes(FT, ft_papers)
    labels = {c.pk: c.reason_label for c in review.criteria.all()}
    reasons: dict[str, int] = defaultdict(int)
    for o, rid, other in ft.values():
        if o == "exclude":
            label = labels.get(rid) or (f"Other: {other}" if other else "No reason given")
            reasons[label] += 1
    ft_in = [p for p, (o, _, _) in ft.items() if o == "include"]
    study_ids = [reports[p].study_id for p in ft_in]
    found = sum({r["batch_id"]: r["batch__records_found"] for r in in_done}.values())
    return {
        "fields": {
            "database_results": found,
            "duplicates": sum(1 for r in in_done if r["duplicate_of_id"]),
            "records_screened": len(ta_papers),
            "records_excluded_human": by_ta["exclude"],
            "records_excluded_automation": by_ta["automation"],
            "records_excluded": by_ta["exclude"] + by_ta["automation"],
            "dbr_sought_reports": len(included),
            "dbr_notretrieved_reports": sum(
                1 for p in included if p in reports and reports[p].retrieval == "not_retrieved"
            ),
            "dbr_assessed": len(ft_papers),
            "dbr_excluded_reports": sum(reasons.values()),
            "new_reports": len(ft_in),
            "new_studies": len({s for s in study_ids if s}) + study_ids.count(None),
        },
        "reasons": dict(reasons),
        "waiting_dedup": sum(1 for r in in_done if not r["dedup_checked"]),
        "ta_open": by_ta["awaiting"] + by_ta["conflict"],
        "to_retrieve": sum(1 for p in included if reports[p].retrieval == "to_retrieve"),
        "ft_open": sum(1 for o, _, _ in ft.values() if o in ("awaiting", "conflict")),
        "ta": dict(by_ta),
        "ft": {o: sum(1 for x in ft.values() if x[0] == o) for o in ("include", "exclude", "conflict")},
        "resolutions": {pk: p for stage in (TA, FT) for pk, (p, _) in placed(stage).items()},
    }  # fmt: skip


# --- the machine -----------------------------------------------------------------------


class Review(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        from django.contrib.auth import get_user_model

        n = next(_machines)
        users = get_user_model().objects
        self.lead = users.create_user(username=f"m{n}-lead", password="x")
        self.voters = [users.create_user(username=f"m{n}-r{i}", password="x") for i in range(3)]
        self.review = review_services.review_create(
            user=self.lead, title=f"Model {n}", question="?",
            exclusion=[CriterionItem("E1", "Outside England"), CriterionItem("E3", "Clinical")],
        )  # fmt: skip
        for user in self.voters:
            review_services.member_add(review=self.review, username=user.username)
        self.source = review_services.source_create(
            review=self.review, name="Medline", source_type=SourceType.DATABASE
        )
        self.criteria = list(self.review.criteria.filter(code__in=["E1", "E3"]))
        self.next_paper = 0
        self.log: list[str] = []

    # helpers
    def _pick(self, items, i):
        items = list(items)
        return items[i % len(items)] if items else None

    def _try(self, what: str, action) -> None:
        try:
            action()
            self.log.append(what)
        except ValidationError as e:
            self.log.append(f"{what}: refused ({e.messages[0][:40]})")

    def _records(self):
        return Record.objects.filter(review=self.review, dedup_checked=True).order_by("pk")

    @initialize(new=st.integers(3, 8), copies=st.integers(0, 3))
    def start(self, new, copies):
        self.import_(new, copies, 0)
        self.dedup_run()

    # imports and deduplication
    @rule(new=st.integers(1, 3), copies=st.integers(0, 2), i=st.integers(0, 99))
    def import_(self, new, copies, i):
        known = list(range(self.next_paper))
        items = [paper(n) for n in range(self.next_paper, self.next_paper + new)]
        items += [paper(known[(i + k) % len(known)]) for k in range(copies)] if known else []
        self.next_paper += new
        import_text(self.review, self.source, self.lead, ris(*items))
        self.log.append(f"import {new}+{copies}")

    @precondition(
        lambda self: Record.objects.filter(review=self.review, dedup_checked=False).exists()
    )
    @rule()
    def dedup_run(self):
        review_services.dedup_request(review_id=self.review.pk, enqueue=False)
        review_services.dedup_run(review_id=self.review.pk)
        self.log.append("dedup run")

    @rule(i=st.integers(0, 99))
    def undo_import(self, i):
        batch = self._pick(self.review.batches.filter(status=BatchStatus.DONE).order_by("pk"), i)
        if batch:
            self._try(
                f"undo {batch.pk}",
                lambda: review_services.import_batch_undo(batch=batch, user=self.lead),
            )

    @rule(i=st.integers(0, 999), j=st.integers(0, 999), same=st.booleans())
    def dedup_answer(self, i, j, same):
        a, b = self._pick(self._records(), i), self._pick(self._records(), j)
        if a and b and a.pk != b.pk:
            verdict = Same.SAME if same else Same.DIFFERENT
            self._try(f"{verdict} {a.pk} {b.pk}", lambda: review_services.dedup_decide(
                review=self.review, record=a, other=b, verdict=verdict, user=self.lead))  # fmt: skip

    @rule(i=st.integers(0, 999), primary=st.booleans())
    def dedup_split_or_primary(self, i, primary):
        dup = self._pick(self._records().filter(duplicate_of__isnull=False), i)
        if dup is None:
            return
        if primary:
            self._try(f"primary {dup.pk}", lambda: review_services.dedup_set_primary(
                review=self.review, record=dup, user=self.lead))  # fmt: skip
        else:
            self._try(f"split {dup.pk}", lambda: review_services.dedup_split(
                review=self.review, record=dup, user=self.lead))  # fmt: skip

    # screening
    def _vote(self, stage, i, who, verdict, reason):
        papers_ = selectors.papers(self.review, stage).order_by("pk")
        self._vote_on(stage, self._pick(papers_, i), who, verdict, reason)

    def _vote_on(self, stage, record, who, verdict, reason):
        user = self.voters[who % len(self.voters)]
        if record is None:
            return
        crit = self.criteria[reason % 2] if verdict == "exclude" and reason < 2 else None
        other = "Wrong design" if verdict == "exclude" and reason >= 2 else ""
        if stage == FT and verdict == "maybe":
            verdict = "include"
        self._try(f"{stage[:2]} vote {user.username} {record.pk} {verdict}", lambda:
                  services.decision_record(
                      review=self.review, record=record, reviewer=user, stage=stage,
                      verdict=verdict, reason=crit, reason_other=other))  # fmt: skip

    @rule(
        i=st.integers(0, 999), who=st.integers(0, 2),
        verdict=st.sampled_from(["include", "exclude", "exclude", "maybe"]),
        reason=st.integers(0, 2),
    )  # fmt: skip
    def vote(self, i, who, verdict, reason):
        self._vote(TA, i, who, verdict, reason)

    @rule(
        stage=st.sampled_from([TA, TA, FT]),
        pair=st.integers(0, 2),
        votes=st.lists(
            st.tuples(st.integers(0, 999),
                      st.sampled_from(["include", "include", "exclude", "maybe"]),
                      st.sampled_from(["include", "exclude", "exclude"]),
                      st.integers(0, 2)),
            min_size=1, max_size=6,
        ),
    )  # fmt: skip
    def screen_a_while(self, stage, pair, votes):
        """Two reviewers screen a few papers each (agreeing or not)."""
        for i, first, second, reason in votes:
            self._vote(stage, i, pair, first, reason)
            self._vote(stage, i, pair + 1, second, reason)

    @rule(
        i=st.integers(0, 999), j=st.integers(0, 999),
        votes=st.lists(
            st.tuples(st.integers(0, 2), st.booleans(),
                      st.sampled_from(["include", "exclude", "exclude", "maybe"]),
                      st.integers(0, 2)),
            min_size=2, max_size=8,
        ),
        resolve=st.booleans(), primary=st.booleans(), split=st.booleans(),
    )  # fmt: skip
    def screen_then_merge(self, i, j, votes, resolve, primary, split):
        """Issue #17's attacks: votes on two papers (a conflict on one, often), perhaps a
        resolution, then "same paper", perhaps the other record chosen as primary, perhaps
        split off again."""
        papers_ = list(selectors.papers(self.review, TA).order_by("pk"))
        a, b = self._pick(papers_, i), self._pick(papers_, j)
        if a is None or a.pk == b.pk:
            return
        for who, on_b, verdict, reason in votes:
            self._vote_on(TA, b if on_b else a, who, verdict, reason)
        if resolve:
            for record in (a, b):
                self._resolve_record(TA, record, include=record.pk % 2 == 0)
        self._try(f"same {a.pk} {b.pk}", lambda: review_services.dedup_decide(
            review=self.review, record=a, other=b, verdict=Same.SAME, user=self.lead))  # fmt: skip
        dup = Record.objects.filter(pk__in=[a.pk, b.pk], duplicate_of__isnull=False).first()
        if dup is None:
            return
        if primary:
            self._try(f"primary {dup.pk}", lambda: review_services.dedup_set_primary(
                review=self.review, record=dup, user=self.lead))  # fmt: skip
            dup = Record.objects.filter(pk__in=[a.pk, b.pk], duplicate_of__isnull=False).first()
        if split and dup is not None:
            self._try(f"split {dup.pk}", lambda: review_services.dedup_split(
                review=self.review, record=dup, user=self.lead))  # fmt: skip

    def _resolve_record(self, stage, record, include):
        seen = selectors.votes_token(selectors.paper_votes(record, stage))
        self._try(f"resolve {record.pk}", lambda: services.conflict_resolve(
            review=self.review, paper=record, stage=stage, user=self.lead, seen=seen,
            verdict="include" if include else "exclude",
            reason=None if include else self.criteria[0]))  # fmt: skip

    @rule(found=st.lists(st.booleans(), min_size=1, max_size=4))
    def retrieve_a_while(self, found):
        for i, yes in enumerate(found):
            self.retrieve(i * 7, yes)

    @rule(who=st.integers(0, 2), stage=st.sampled_from([TA, FT]))
    def withdraw(self, who, stage):
        user = self.voters[who]
        self._try(f"withdraw {user.username}", lambda: services.decision_withdraw_last(
            review=self.review, reviewer=user, stage=stage))  # fmt: skip

    @rule(i=st.integers(0, 999), stage=st.sampled_from([TA, FT]), include=st.booleans())
    def resolve(self, i, stage, include):
        settings_ = selectors.stage_settings(self.review, stage)
        record = self._pick(selectors.conflict_list(self.review, stage, settings_), i)
        if record is not None:
            self._resolve_record(stage, record, include)

    @rule(i=st.integers(0, 999), found=st.booleans())
    def retrieve(self, i, found):
        report = self._pick(self.review.reports.filter(eligible=True).order_by("pk"), i)
        if report is None:
            return
        kwargs = {"link": LINK} if found else {"reason": "not_found"}
        self._try(f"retrieval {report.pk} {found}", lambda: services.report_set_retrieval(
            review=self.review, report=report, user=self.lead,
            retrieval=Retrieval.RETRIEVED if found else Retrieval.NOT_RETRIEVED, **kwargs))  # fmt: skip

    @rule(
        i=st.integers(0, 999), who=st.integers(0, 2),
        verdict=st.sampled_from(["include", "exclude"]), reason=st.integers(0, 2),
    )  # fmt: skip
    def ft_vote(self, i, who, verdict, reason):
        self._vote(FT, i, who, verdict, reason)

    @rule(i=st.integers(0, 999), j=st.integers(0, 999))
    def study_link(self, i, j):
        reports = self.review.reports.filter(study__isnull=False).order_by("pk")
        report, study = self._pick(reports, i), self._pick(Study.objects.filter(
            review=self.review).order_by("pk"), j)  # fmt: skip
        if report and study:
            self._try(f"link {report.pk} {study.pk}", lambda: services.study_link(
                review=self.review, report=report, study=study, user=self.lead))  # fmt: skip

    @rule(who=st.integers(0, 2))
    def member_leaves_or_returns(self, who):
        user = self.voters[who]
        member = Member.objects.filter(review=self.review, user=user).first()
        if member:
            review_services.member_remove(member=member)
            self.log.append(f"remove {user.username}")
        else:
            review_services.member_add(
                review=self.review, username=user.username, role=Role.REVIEWER
            )
            self.log.append(f"re-add {user.username}")

    @precondition(lambda self: Decision.objects.filter(review=self.review).count() > 6)
    @rule()
    def stop_or_resume(self):
        stop = AutomationStop.objects.filter(review=self.review, undone_at=None).first()
        if stop:
            self._try("undo stop", lambda: services.screening_stop_undo(
                review=self.review, stop=stop, user=self.lead))  # fmt: skip
        else:
            self._try("stop early", lambda: services.screening_stop_early(
                review=self.review, stage=TA, user=self.lead, rule="consecutive",
                params={"n": 5}))  # fmt: skip

    def teardown(self):
        if _LOG is not None:
            _LOG.append(list(self.log))

    # what must hold after every step
    @invariant()
    def counts_agree(self):
        review = self.review
        review.__dict__.pop("_stage_settings", None)
        want = reference(review)
        flow = reporting.prisma_flow(review)
        got = {key: flow.value(key) for key in want["fields"]}
        assert got == want["fields"], self.log
        lines = {line.label: line.count.value for line in flow.dbr_excluded}
        assert lines == want["reasons"], self.log
        # Each resolution sits where the reference places it (a split gives it back).
        placed = dict(Resolution.objects.filter(review=review).values_list("pk", "paper_id"))
        assert placed == want["resolutions"], self.log

        # Checks: pass, or fail for the reason a footnote names.
        notes = " ".join(flow.footnotes)
        allowed = {
            "C04": "Deduplication in progress" if want["waiting_dedup"] else None,
            "C07": "Screening in progress" if want["ta_open"] else None,
            "C09": "Retrieval in progress" if want["to_retrieve"] else None,
            "C16": "Full-text screening in progress" if want["ft_open"] else None,
        }
        for finding in check(flow):
            reason = allowed.get(finding.check)
            assert reason and reason in notes, (finding, flow.footnotes, self.log)

        # The stage pages show PRISMA's numbers.
        for stage in (TA, FT):
            s = selectors.stage_settings(review, stage)
            summary = selectors.stage_summary(review, stage, s)
            progress = selectors.progress(review, Viewer.everything(review), stage, s)
            assert progress.votes <= progress.votes_needed, self.log
            if stage == TA:
                assert summary.papers == flow.value("records_screened")
                assert summary.excluded == flow.value("records_excluded_human")
                assert summary.excluded_automation == flow.value("records_excluded_automation")
                assert summary.included == flow.value("dbr_sought_reports"), self.log
                assert summary.awaiting + summary.conflicts == want["ta_open"], self.log
            else:
                assert summary.papers == flow.value("dbr_assessed")
                assert summary.excluded == flow.value("dbr_excluded_reports")
                assert summary.included == flow.value("new_reports")
                assert summary.awaiting + summary.conflicts == want["ft_open"], self.log
                retrieval = selectors.retrieval_counts(review, Viewer.everything(review))
                assert retrieval.sought == flow.value("dbr_sought_reports")
                assert retrieval.not_retrieved == flow.value("dbr_notretrieved_reports")
                assert (
                    sum(n for _, n in selectors.fulltext_exclusions(review, s)) == summary.excluded
                )
                assert sum(selectors.included_studies(review)) == flow.value("new_studies")
            conflicts = selectors.conflict_list(review, stage, s)
            assert len(conflicts) == summary.conflicts, self.log


def _run(examples: int, steps: int) -> None:
    run_state_machine_as_test(
        Review,
        settings=settings(
            max_examples=examples, stateful_step_count=steps, deadline=None,
            suppress_health_check=list(HealthCheck), database=None,
        ),
    )  # fmt: skip


def test_every_count_equals_the_reference_after_every_step():
    _run(examples=2, steps=20)


@pytest.mark.slow
def test_every_count_equals_the_reference_after_every_step_long():
    _run(examples=15, steps=50)
