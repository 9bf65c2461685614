"""Issue #16.1, stateful: two reviewers and a lead vote, change, withdraw, resolve and reopen
at random (hypothesis's rule-based state machine) through the services. After every step:
- a vote on a record whose every slot was filled did not change, except by a lead's
  reopening or under a resolution (which changes no vote);
- no conflict disappears without a resolution row or a lead's reopening (with its reason,
  an AuditEvent);
- the history explains every current vote: each reviewer's last event on a record is
  their current vote (or a withdrawal when there is none).
"""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from reviews.models import AuditEvent, AuditKind
from screening import selectors, services
from screening.models import Decision, DecisionEvent, Resolution
from tests.hypothesis_budget import examples
from tests.screening.conftest import TA

pytestmark = pytest.mark.django_db

VERDICTS = ("include", "exclude", "maybe")


def machine_for(review, papers, lead, reviewers):
    stage_settings = selectors.stage_settings(review, TA)

    class Votes(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each run starts from the same review: a savepoint rolled back in teardown.
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.conflicts: set[int] = set()
            self.reopened: set[int] = set()  # papers a lead reopened since last look
            self.before: dict[tuple[int, int], str] = {}

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _votes(self) -> dict[tuple[int, int], str]:
            return {
                (p, r): v
                for p, r, v in Decision.objects.filter(review=review, stage=TA).values_list(
                    "paper_id", "reviewer_id", "verdict"
                )
            }

        def _full(self, paper) -> bool:
            return (
                Decision.objects.filter(paper=paper, stage=TA).values("reviewer").distinct().count()
                >= stage_settings.reviewers_required
            )

        def _try(self, action) -> None:
            self.before = self._votes()
            self.full_before = {p.pk for p in papers if self._full(p)}
            with contextlib.suppress(ValidationError):  # a refusal is an outcome too
                action()

        @rule(who=st.sampled_from(range(len(reviewers))), paper=st.sampled_from(papers),
              verdict=st.sampled_from(VERDICTS))  # fmt: skip
        def vote(self, who, paper, verdict):
            reviewer = reviewers[who]
            reason = {"reason_other": "not England"} if verdict == "exclude" else {}
            self._try(lambda: services.decision_record(
                review=review, record=paper, reviewer=reviewer, stage=TA, verdict=verdict,
                **reason,
            ))  # fmt: skip
            self._check_fixed()

        @rule(who=st.sampled_from(range(len(reviewers))))
        def withdraw(self, who):
            self._try(lambda: services.decision_withdraw_last(
                review=review, reviewer=reviewers[who], stage=TA
            ))  # fmt: skip
            self._check_fixed()

        @rule(paper=st.sampled_from(papers), verdict=st.sampled_from(("include", "exclude")))
        def resolve(self, paper, verdict):
            self._try(lambda: services.conflict_resolve(
                review=review, paper=paper, stage=TA, verdict=verdict, user=lead,
                seen=selectors.votes_token(selectors.paper_votes(paper, TA)),
            ))  # fmt: skip
            assert self._votes() == self.before  # a resolution changes no vote

        @precondition(lambda self: Decision.objects.filter(review=review).exists())
        @rule(who=st.sampled_from(range(len(reviewers))), paper=st.sampled_from(papers))
        def reopen(self, who, paper):
            def act():
                services.decision_reopen(
                    review=review, paper=paper, stage=TA, reviewer_id=reviewers[who].pk,
                    user=lead, reason="misread the abstract",
                )  # fmt: skip
                self.reopened.add(paper.pk)

            self._try(act)

        def _check_fixed(self):
            after = self._votes()
            for (paper, reviewer), verdict in self.before.items():
                if paper in self.full_before:
                    assert after.get((paper, reviewer)) == verdict, (
                        "a fixed vote changed without a lead"
                    )

        @invariant()
        def no_conflict_vanishes_without_a_resolution_or_a_reopening(self):
            now = {p.pk for p in selectors.conflict_list(review, TA, stage_settings)}
            for paper in self.conflicts - now:
                assert Resolution.objects.filter(paper_id=paper, stage=TA).exists() or (
                    paper in self.reopened
                    and AuditEvent.objects.filter(kind=AuditKind.REOPEN, record_id=paper).exists()
                ), f"the conflict on {paper} vanished"
            self.conflicts = now
            self.reopened = set()

        @invariant()
        def the_history_explains_every_vote(self):
            votes = self._votes()
            last: dict[tuple[int, int], str] = {}
            for paper, reviewer, new in (
                DecisionEvent.objects.filter(review=review, stage=TA)
                .order_by("at", "pk")
                .values_list("record_id", "reviewer_id", "new_verdict")
            ):
                last[paper, reviewer] = new
            for key, verdict in votes.items():
                assert last.get(key) == verdict
            for key, new in last.items():
                assert bool(new) == (key in votes)

    return Votes


def _run(review, records, lead, reviewer, second_reviewer, **config):
    machine = machine_for(review, records[:3], lead, [reviewer, second_reviewer])
    run_state_machine_as_test(
        machine,
        settings=settings(
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            **config,
        ),  # fmt: skip
    )


def test_votes_stay_fixed_and_no_conflict_vanishes(
    review, records, lead, reviewer, second_reviewer
):
    _run(review, records, lead, reviewer, second_reviewer, max_examples=examples(15),
         stateful_step_count=10)  # fmt: skip


@pytest.mark.slow
def test_votes_stay_fixed_and_no_conflict_vanishes_long_runs(
    review, records, lead, reviewer, second_reviewer
):
    _run(review, records, lead, reviewer, second_reviewer, max_examples=300,
         stateful_step_count=30)  # fmt: skip
