"""Races on PostgreSQL: simultaneous decisions on one paper are serialised by the paper's
row lock, so none is lost, none is doubled, and the two-reviewer limit holds.

Each race widens the window between the service's checks and its writes (a short sleep in
the reason formatting, which runs after the checks), so without the lock both threads would
pass the checks before either writes; the last one holds a transaction open after the
reviewer's place (cursor) is written.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from reviews import services as review_services
from reviews.models import Record, SourceType
from screening.models import Decision, DecisionEvent
from screening.services import decisions
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import decide, paper, screenable, settings_of, third

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def slow_window(monkeypatch):
    real = decisions._reason_text

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(decisions, "_reason_text", slow)


@pytest.fixture
def slow_commit(monkeypatch):
    """Hold each decision's transaction open a moment after the reviewer's place is saved."""
    real = decisions._advance

    def slow(*args, **kwargs):
        position = real(*args, **kwargs)
        time.sleep(0.3)
        return position

    monkeypatch.setattr(decisions, "_advance", slow)


def race(review, record_id: int | list[int], voters: list[tuple[object, str]]) -> list[object]:
    """Each (user, verdict) decides at the same moment in its own thread and connection, on
    the record (or on its own record of a list); returns what each call returned or raised."""
    ids = record_id if isinstance(record_id, list) else [record_id] * len(voters)
    settings_of(review)  # created beforehand: creating it in the race would serialise the threads
    start = threading.Barrier(len(voters))
    results: list[object] = [None] * len(voters)

    def vote(i: int, user, verdict: str) -> None:
        try:
            start.wait(timeout=10)
            record = Record.objects.get(pk=ids[i])
            results[i] = decide(review, record, user, verdict, advance=True)
        except Exception as e:  # noqa: BLE001 - reported to the test, which checks the kind
            results[i] = e
        finally:
            connection.close()

    threads = [
        threading.Thread(target=vote, args=(i, user, verdict))
        for i, (user, verdict) in enumerate(voters)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_reviewers_deciding_one_record_at_once_both_count(
    review, records, reviewer, second_reviewer, slow_window
):
    results = race(review, records[0].pk, [(reviewer, "include"), (second_reviewer, "exclude")])
    assert all(isinstance(r, Decision) for r in results), results
    assert sorted(Decision.objects.filter(paper=records[0]).values_list("verdict", flat=True)) == [
        "exclude",
        "include",
    ]
    assert DecisionEvent.objects.filter(record=records[0]).count() == 2


def test_a_double_submit_from_two_tabs_is_one_decision(review, records, reviewer, slow_window):
    results = race(review, records[0].pk, [(reviewer, "maybe"), (reviewer, "maybe")])
    assert all(isinstance(r, Decision) for r in results), results  # neither tab sees an error
    assert Decision.objects.filter(paper=records[0]).count() == 1
    assert DecisionEvent.objects.filter(record=records[0]).count() == 1


def test_a_third_reviewer_racing_for_the_last_slot_is_refused(
    review, records, reviewer, second_reviewer, django_user_model, slow_window
):
    assert settings_of(review).reviewers_required == 2
    other = third(django_user_model, review)
    decide(review, records[0], reviewer, "include")
    results = race(review, records[0].pk, [(second_reviewer, "exclude"), (other, "exclude")])
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "enough reviewers" in refused[0].messages[0], results
    assert Decision.objects.filter(paper=records[0]).count() == 2
    assert DecisionEvent.objects.filter(record=records[0]).count() == 2


def test_a_reviewers_first_two_decisions_at_once_both_count(
    review, source, lead, reviewer, slow_commit
):
    (first,) = screenable(review, source, lead, 1)
    embase = review_services.source_create(
        review=review, name="Embase", source_type=SourceType.DATABASE
    )
    second = import_text(review, embase, lead, ris(paper(50))).records.get()
    run(review)
    results = race(review, [first.pk, second.pk], [(reviewer, "include"), (reviewer, "include")])
    assert all(isinstance(r, Decision) for r in results), results
    assert Decision.objects.filter(reviewer=reviewer).count() == 2
