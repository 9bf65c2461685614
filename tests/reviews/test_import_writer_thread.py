"""The threaded chunk writer (used outside transactions: the worker, the command)."""

from __future__ import annotations

import pytest

from reviews import services
from reviews.models import BatchStatus, ImportBatch, Record
from reviews.services.imports import rows as imports
from tests.conftest import ris_upload

pytestmark = pytest.mark.django_db(transaction=True)


def _many(n):
    return "".join(f"TY  - JOUR\nTI  - Paper {i}\nAB  - Text {i}\nER  - \n" for i in range(n))


def test_threaded_import_stores_every_record_once(review, source, lead):
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(_many(3456)),
        filename="m.ris",
        user=lead,
        enqueue=False,
    )
    finished = services.import_batch_run(batch_id=batch.pk)
    assert finished.status == BatchStatus.DONE and finished.records_stored == 3456
    ordinals = list(Record.objects.filter(batch=batch).values_list("ordinal", flat=True))
    assert sorted(ordinals) == list(range(1, 3457))
    assert Record.objects.get(batch=batch, ordinal=3456).abstract == "Text 3455"


def test_a_failure_in_the_writer_thread_fails_the_batch_and_leaves_nothing(
    review, source, lead, monkeypatch
):
    real = imports._insert_records
    calls = {"n": 0}

    def failing(rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        real(rows)

    monkeypatch.setattr(imports, "_insert_records", failing)
    batch = services.import_batch_start(
        preview=False,
        review=review,
        source=source,
        upload=ris_upload(_many(5000)),
        filename="m.ris",
        user=lead,
        enqueue=False,
    )
    with pytest.raises(RuntimeError, match="disk full"):
        services.import_batch_run(batch_id=batch.pk)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == BatchStatus.FAILED
    assert Record.objects.count() == 0


def test_the_fast_insert_writes_every_record_column():
    from reviews.models import Record

    fields = [f for f in Record._meta.concrete_fields if not f.primary_key]
    columns = [f.attname for f in fields]
    assert sorted(imports.RECORD_COLUMNS + imports.DEFAULTED_COLUMNS) == sorted(columns)
    # A column the insert leaves out must have a default in the database itself.
    from django.db.models.fields import NOT_PROVIDED

    for f in fields:
        if f.attname in imports.DEFAULTED_COLUMNS:
            assert f.null or f.db_default is not NOT_PROVIDED, f.attname


FULL = (
    "TY  - JOUR\nAU  - Smith, K.\nAU  - Jones, A.\nTI  - Title here\nAB  - Abstract here\n"
    "PY  - 2004\nT2  - Journal here\nVL  - 31\nIS  - 2\nSP  - 210\nEP  - 221\n"
    "DO  - https://doi.org/10.1093/PUBMED/FDP002\nAN  - 19185951\nDB  - PubMed\n"
    "KW  - partnership\nKW  - health\nUR  - https://example.org/p\nLA  - eng\nER  - \n"
)


def test_every_field_lands_in_its_own_column(review, source, lead):
    batch = services.import_batch_start(
        review=review,
        source=source,
        upload=ris_upload(FULL),
        filename="f.ris",
        user=lead,
        preview=False,
        enqueue=False,
    )
    services.import_batch_run(batch_id=batch.pk)
    r = Record.objects.get(batch=batch)
    assert (r.review_id, r.batch_id, r.ordinal, r.source_line) == (review.pk, batch.pk, 1, 1)
    assert (r.title, r.abstract, r.year, r.journal) == (
        "Title here",
        "Abstract here",
        2004,
        "Journal here",
    )
    assert r.authors == ["Smith, K.", "Jones, A."] and r.authors_text == "Smith, K.; Jones, A."
    assert (r.volume, r.issue, r.pages) == ("31", "2", "210-221")
    assert (r.doi, r.pmid, r.url, r.language, r.type) == (
        "10.1093/pubmed/fdp002",
        "19185951",
        "https://example.org/p",
        "eng",
        "JOUR",
    )
    assert r.keywords == ["partnership", "health"] and r.warnings == []
    assert r.raw_text == FULL


def test_long_texts_use_lz4_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
            "'reviews_record'::regclass AND attname IN ('abstract', 'raw_text')"
        )
        assert dict(cursor.fetchall()) == {"abstract": "l", "raw_text": "l"}
