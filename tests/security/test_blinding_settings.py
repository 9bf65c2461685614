"""More worlds for the blinding differential (issue #16.1), from the attack after the merges:
a lead raising the reviewers required from one to two after a colleague's include (and its
report's retrieval) reopens that paper, and a third reviewer's open vote. Rendered for the
reviewer, every URL of the differential walk must come out the same as in the world where
the colleague never voted (the retrieved case differed on 4 URLs before the settings change
made the next stage follow)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reviews import services as review_services
from reviews.models import Role
from screening import services
from screening.models import Report, Retrieval, Stage
from tests.security import test_blinding_differential as differential

# The differential walk's world, built once per module, and its helpers.
shared = differential.shared
_fast_and_isolated = differential._fast_and_isolated
_render, _vote = differential._render, differential._vote

TA = Stage.TITLE_ABSTRACT
pytestmark = pytest.mark.django_db


def _required(world, n: int) -> None:
    services.stage_settings_update(
        review=world.review, stage=TA, user=world.lead, reviewers_required=n
    )


def _raised(vote: bool, retrieve: bool = False):
    def change(sh):
        w = sh.world
        _required(w, 1)
        if vote:
            _vote(w.review, w.open_record, w.second_reviewer, "include")
            if retrieve:
                services.report_set_retrieval(
                    review=w.review, report=Report.objects.get(record=w.open_record),
                    retrieval=Retrieval.RETRIEVED, user=w.lead, link="https://example.org/x",
                )  # fmt: skip
        _required(w, 2)

    return change


def _third(vote: bool):
    def change(sh):
        w = sh.world
        user = get_user_model().objects.create_user(username="third", password="x")
        review_services.member_add(review=w.review, username="third", role=Role.REVIEWER)
        if vote:
            _vote(w.review, w.open_record, user, "exclude", reason_other="secret third")

    return change


def _differ(a: dict, b: dict) -> list[str]:
    return sorted({f"{name}{' (htmx)' if htmx else ''}" for name, htmx in a if a[name, htmx] != b.get((name, htmx))})  # fmt: skip


@pytest.mark.parametrize(
    "retrieve",
    [pytest.param(False, marks=pytest.mark.slow), True],
    ids=["included", "included-and-retrieved"],
)
def test_raising_the_reviewers_required_hides_the_colleagues_include(shared, retrieve):
    assert _differ(_render(shared, _raised(True, retrieve)), _render(shared, _raised(False))) == []


@pytest.mark.slow
def test_a_third_reviewers_open_vote_changes_nothing(shared):
    assert _differ(_render(shared, _third(True)), _render(shared, _third(False))) == []
