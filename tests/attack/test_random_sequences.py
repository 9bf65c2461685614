"""Attack (rule 5 of screening.access): random sequences of imports, undos, votes,
resolutions, merges, splits, choose-primary, withdrawals and stopping early (the machine of
tests/reporting/test_counts_model.py). After every step, for every reviewer and every paper
of each stage, "may read the notes" (`Viewer.sees_notes`, and `Viewer.notes_papers` for the
conflict list's badges) must equal "the paper is final for everyone" as the same reviewer's
status (`Viewer.paper_statuses`: not "awaiting") tells it: notes open earlier than the
outcome leak a colleague's open vote; later, a final paper's notes stay hidden."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from reviews.models import Role
from screening import selectors
from screening.access import AWAITING_ME, AWAITING_OTHERS, Viewer
from screening.models import Stage
from tests.reporting import test_counts_model as model

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


class NotesRule(model.Review):
    def counts_agree(self):  # not an invariant here: the counts model checks those
        return None

    @invariant()
    def notes_open_exactly_when_final(self):
        review = self.review
        review.__dict__.pop("_stage_settings", None)
        for stage in (TA, FT):
            ids = list(selectors.papers(review, stage).values_list("pk", flat=True))
            for user in self.voters:
                viewer = Viewer(review, user.pk, Role.REVIEWER)
                statuses = viewer.paper_statuses(stage)
                visible = set(viewer.notes_papers(stage).values_list("pk", flat=True))
                for p in ids:
                    final = statuses[p] not in (AWAITING_ME, AWAITING_OTHERS)
                    one = viewer.sees_notes(stage, p)
                    assert one == final, (stage, user.username, p, statuses[p], one, self.log)
                    assert (p in visible) == final, (stage, user.username, p, self.log)


def test_notes_are_readable_exactly_when_the_paper_is_final_after_every_step():
    run_state_machine_as_test(
        NotesRule,
        settings=settings(
            max_examples=int(__import__("os").environ.get("ATTACK_N", "2")), stateful_step_count=30, deadline=None,
            suppress_health_check=list(HealthCheck), database=None,
        ),
    )  # fmt: skip


class Numbers(model.Review):
    """Record numbers under the same random sequences: every record of a finished import
    has one, unique in the review, and a record keeps its number whatever happens after."""

    def counts_agree(self):
        return None

    @invariant()
    def numbers_are_unique_and_kept(self):
        from reviews.models import BatchStatus, Record

        rows = Record.objects.filter(review=self.review, batch__status=BatchStatus.DONE)
        numbers = dict(rows.values_list("pk", "number"))
        assert None not in numbers.values(), self.log
        assert len(set(numbers.values())) == len(numbers), self.log
        seen = self.__dict__.setdefault("_numbers", {})
        for pk, number in numbers.items():
            assert seen.setdefault(pk, number) == number, (pk, self.log)


def test_record_numbers_are_unique_and_kept_after_every_step():
    run_state_machine_as_test(
        Numbers,
        settings=settings(
            max_examples=int(__import__("os").environ.get("ATTACK_N", "2")),
            stateful_step_count=30, deadline=None,
            suppress_health_check=list(HealthCheck), database=None,
        ),
    )  # fmt: skip
