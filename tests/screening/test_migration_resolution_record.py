"""screening migration 0008 (issue #17): Resolution.record, the record a resolution was made
on, is filled in for the rows that existed with the record they are on (`paper`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from screening.models import Resolution, Stage
from tests.screening.conftest import criterion, decide

pytestmark = [
    pytest.mark.django_db(transaction=True),  # SQLite alters tables outside one
    pytest.mark.slow,  # runs the migrations: .ci/run's PostgreSQL pass (--migrations)
]

BEFORE, AFTER = ("screening", "0007_reopen"), ("screening", "0008_numbers_resolution_record")


def test_existing_resolutions_get_their_paper_as_the_record(
    review, records, reviewer, second_reviewer, lead
):
    from screening import selectors, services

    a = records[0]
    decide(review, a, reviewer, "include")
    decide(review, a, second_reviewer, "exclude", reason=criterion(review, "E1"))
    services.conflict_resolve(
        review=review, paper=a, stage=Stage.TITLE_ABSTRACT, verdict="include", user=lead,
        seen=selectors.votes_token(selectors.paper_votes(a, Stage.TITLE_ABSTRACT)),
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(
            cursor, Resolution._meta.db_table)}  # fmt: skip
    assert "record_id" not in columns and "paper_id" in columns
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    resolution = Resolution.objects.get(review=review)
    assert resolution.record_id == resolution.paper_id == a.pk
