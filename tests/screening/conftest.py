"""Helpers for the screening tests. Records are imported, then compared by deduplication:
screening offers only records with dedup_checked=True that are not duplicates."""

from __future__ import annotations

import pytest

from reviews import services as review_services
from reviews.models import Record, Role
from screening import selectors, services
from screening.models import Decision, Stage, StageSettings
from tests.factories import imported
from tests.reviews.test_dedup_service import ris

TA = Stage.TITLE_ABSTRACT

_WORDS = (
    "alder", "birch", "cedar", "dogwood", "elm", "fir", "ginkgo", "hazel", "ilex", "juniper",
    "kauri", "larch", "maple", "nutmeg", "oak", "pine", "quince", "rowan", "spruce", "teak",
    "umbrella", "viburnum", "willow", "yew", "zelkova",
)  # fmt: skip


def paper(n: int, **extra) -> dict:
    """A distinct paper: no two share a title, first author, year or journal."""
    a, b, c = _WORDS[n % 25], _WORDS[(n // 25) % 25], _WORDS[(n // 625) % 25]
    return {
        "title": f"Trial {n} of {a} {b} {c} interventions in cohort {n * 7919 % 100003}",
        "authors": [f"Author{n}, Q."],
        "year": str(1950 + n % 70),
        "journal": f"Journal of {c} {b} {a} studies {n}",
        "volume": str(n),
        "sp": str(n * 3 + 1),
        **extra,
    }


def screenable(review, source, user, count: int, **extra) -> list[Record]:
    """`count` distinct records, imported and deduplicated (rows written by tests/factories.py
    in the state the pipeline leaves them), in import order."""
    batch = imported(review, source, user, ris(*(paper(n, **extra) for n in range(count))))
    records = list(batch.records.order_by("ordinal"))
    assert all(r.dedup_checked and r.duplicate_of_id is None for r in records)
    return records


def decide(review, record, user, verdict, advance=False, **kw) -> Decision:
    return services.decision_record(
        review=review, record=record, reviewer=user, stage=TA, verdict=verdict,
        advance=advance, **kw,
    )  # fmt: skip


def settings_of(review, **fields) -> StageSettings:
    if fields:
        lead = review.members.filter(role=Role.LEAD).first().user
        return services.stage_settings_update(review=review, stage=TA, user=lead, **fields)
    return selectors.stage_settings(review, TA)


def criterion(review, code):
    return review.criteria.get(code=code)


def third(django_user_model, review, username="third"):
    user = django_user_model.objects.create_user(username=username, password="x")
    review_services.member_add(review=review, username=username, role=Role.REVIEWER)
    return user


@pytest.fixture
def records(review, source, lead) -> list[Record]:
    """Six screenable records of the review."""
    return screenable(review, source, lead, 6)


def revote(review, record, user, verdict, stage=TA, **kw) -> Decision:
    """Change a fixed vote the one way there is (issue #16.1): a lead reopens it, with a
    reason, and the reviewer votes again."""
    lead = review.members.filter(role=Role.LEAD).first().user
    services.decision_reopen(
        review=review, paper=record, stage=stage, reviewer_id=user.pk, user=lead,
        reason="test: the vote changes",
    )  # fmt: skip
    return services.decision_record(
        review=review, record=record, reviewer=user, stage=stage, verdict=verdict, **kw
    )


def reopen(review, record, user, stage=TA) -> None:
    lead = review.members.filter(role=Role.LEAD).first().user
    services.decision_reopen(
        review=review, paper=record, stage=stage, reviewer_id=user.pk, user=lead,
        reason="test: the vote is reopened",
    )  # fmt: skip
