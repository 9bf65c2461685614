"""PostgreSQL drops the request's connection while a decision is being recorded: the
reviewer gets an error page and can send it again; the decision is stored exactly once.

The connection is ended from outside (pg_terminate_backend from a second connection), as
a database restart or a proxy timing out would. PostgreSQL only (run by .ci/run)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from screening import selectors
from screening.models import Decision, DecisionEvent
from screening.services import decisions as decision_service
from tests.screening.conftest import TA

# Transactional: the dropped connection must not be the one holding the test's data.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")


def _terminate_this_connection() -> None:
    """End the backend serving Django's connection, from another connection."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _after_request() -> None:
    """What the server does after each request (the test client leaves it out): a
    connection that failed is closed, so the next request opens a new one."""
    close_old_connections()


def _post(client, review, record, htmx: bool):
    url = reverse("screening:decide", args=[review.slug, TA, record.pk])
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, {"verdict": "exclude", "stream": "on"}, headers=headers)


@pytest.fixture
def screening_client(client, reviewer):
    client.raise_request_exception = False  # the reviewer sees what a server would send
    client.force_login(reviewer)
    return client


@pytest.mark.parametrize("htmx", [True, False])
def test_a_drop_inside_the_transaction_stores_nothing_and_a_retry_stores_it_once(
    screening_client, review, records, reviewer, monkeypatch, htmx
):
    record = records[0]
    real_follow = decision_service._follow

    def follow_after_a_drop(*args, **kwargs):
        # The Decision and its DecisionEvent are written, the transaction not committed.
        _terminate_this_connection()
        return real_follow(*args, **kwargs)

    monkeypatch.setattr(decision_service, "_follow", follow_after_a_drop)
    response = _post(screening_client, review, record, htmx)
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    if not htmx:  # htmx shows its own message (static/js/sift.js) for a 5xx
        assert b"try again" in response.content
    _after_request()
    assert not Decision.objects.exists() and not DecisionEvent.objects.exists()

    monkeypatch.setattr(decision_service, "_follow", real_follow)
    response = _post(screening_client, review, record, htmx)
    assert response.status_code == (200 if htmx else 302)
    decision = Decision.objects.get()
    assert (decision.paper_id, decision.reviewer, decision.verdict) == (
        record.pk,
        reviewer,
        "exclude",
    )
    assert DecisionEvent.objects.count() == 1


def test_a_drop_after_the_commit_keeps_the_decision_and_the_retry_adds_nothing(
    screening_client, review, records, reviewer, monkeypatch
):
    """The vote was committed but the page after it failed: the reviewer, seeing an
    error, sends it again; the same vote twice is one decision and one event."""
    record = records[0]
    real_next = selectors.next_record
    calls = []

    def next_record_after_a_drop(*args, **kwargs):
        if not calls:
            calls.append(1)
            _terminate_this_connection()
        return real_next(*args, **kwargs)

    monkeypatch.setattr(selectors, "next_record", next_record_after_a_drop)
    response = _post(screening_client, review, record, htmx=True)
    assert response.status_code == 500
    _after_request()
    assert Decision.objects.count() == 1 and DecisionEvent.objects.count() == 1

    response = _post(screening_client, review, record, htmx=True)
    assert response.status_code == 200
    assert Decision.objects.get().verdict == "exclude"
    assert DecisionEvent.objects.count() == 1


def test_a_connection_dropped_between_requests_is_replaced_without_an_error(
    screening_client, review, records
):
    """A persistent connection (CONN_MAX_AGE) that the server ended while idle is checked
    before the next request uses it (CONN_HEALTH_CHECKS), so that request does not fail."""
    screen = reverse("screening:screen", args=[review.slug, TA])
    assert screening_client.get(screen).status_code == 200
    _terminate_this_connection()
    close_old_connections()  # the server's request_started signal
    assert screening_client.get(screen).status_code == 200
