"""`tests/factories.py` leaves exactly the world the import and deduplication pipeline
leaves: every row and field the two write is compared (ids, times, file names and the
random screening-order keys aside), and where the shortcut cannot be exact it runs the
pipeline itself."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from reviews import services
from reviews.models import (
    AuditEvent,
    DedupEvent,
    DedupPair,
    DedupRun,
    ImportBatch,
    Record,
    Review,
    SourceType,
)
from tests.factories import imported
from tests.reviews.test_dedup_service import PAPER, import_text, ris, run
from tests.screening.conftest import paper

pytestmark = pytest.mark.django_db

VARYING = {"id", "review", "batch", "source", "search", "file", "shuffle_a", "shuffle_b",
           "created_at", "started_at", "finished_at", "queued_at", "heartbeat_at", "at",
           "seconds", "record_id", "other_id", "token", "duplicate_of"}  # fmt: skip


def _world(review: Review) -> dict:
    def rows(queryset, *order):
        return [
            {k: v for k, v in model_to_dict(row).items() if k not in VARYING}
            | ({"detail": {k: v for k, v in row.detail.items() if k not in ("seconds", "batch_id")}}
               if hasattr(row, "detail") else {})
            for row in queryset.order_by(*(order or ["pk"]))
        ]  # fmt: skip

    run_row = DedupRun.objects.get(review=review)
    in_order = Record.objects.filter(review=review).order_by("batch_id", "ordinal")
    ids = list(in_order.values_list("pk", flat=True))
    dups = list(in_order.values_list("duplicate_of_id", flat=True))
    return {
        "batches": rows(ImportBatch.objects.filter(review=review)),
        "records": rows(in_order),
        # Which record each duplicate belongs to, by position (ids differ between reviews).
        "duplicate_of": [ids.index(d) if d else None for d in dups],
        "run": {k: v for k, v in model_to_dict(run_row).items() if k not in VARYING},
        "run_stamped": [
            run_row.heartbeat_at is not None,
            run_row.finished_at is not None,
            run_row.queued_at is not None,
            run_row.seconds is not None,
        ],
        "pairs": DedupPair.objects.filter(review=review).count(),
        "dedup_events": rows(DedupEvent.objects.filter(review=review)),
        "audit": rows(AuditEvent.objects.filter(review=review)),
        "files": [
            bool(b.file) and b.file.storage.exists(b.file.name)
            for b in ImportBatch.objects.filter(review=review).order_by("pk")
        ],  # fmt: skip
    }


def _twin_reviews(lead):
    out = []
    for title in ("Through the pipeline", "Through the factory"):
        r = services.review_create(user=lead, title=title)
        s = services.source_create(review=r, name="Medline", source_type=SourceType.DATABASE)
        out.append((r, s))
    return out


@pytest.mark.parametrize(
    "papers",
    [
        [paper(n) for n in range(6)],
        [paper(n, abstract=f"Abstract {n}.", doi=f"10.5555/f.{n}") for n in range(4)],
    ],
    ids=["plain", "abstracts-and-dois"],
)
def test_the_factory_leaves_the_pipelines_world(lead, papers):
    (by_pipeline, s1), (by_factory, s2) = _twin_reviews(lead)
    import_text(by_pipeline, s1, lead, ris(*papers))
    run(by_pipeline)
    batch = imported(by_factory, s2, lead, ris(*papers))
    assert batch.status == "done" and batch.records.count() == len(papers)
    assert _world(by_factory) == _world(by_pipeline)


def test_a_second_batch_beside_compared_records_leaves_the_pipelines_world(lead):
    (by_pipeline, s1), (by_factory, s2) = _twin_reviews(lead)
    for name, papers in (("a.ris", [paper(1), paper(2)]), ("b.ris", [paper(3)])):
        import_text(by_pipeline, s1, lead, ris(*papers), name)
        run(by_pipeline)
        imported(by_factory, s2, lead, ris(*papers), name)
    assert DedupEvent.objects.filter(review=by_factory).count() == 2
    assert _world(by_factory) == _world(by_pipeline)


def test_duplicates_go_through_the_pipeline(lead):
    (by_pipeline, s1), (by_factory, s2) = _twin_reviews(lead)
    copy = PAPER | {"title": PAPER["title"].upper(), "doi": ""}
    import_text(by_pipeline, s1, lead, ris(PAPER, copy))
    run(by_pipeline)
    import_text(by_pipeline, s1, lead, ris(paper(1)), "more.ris")
    run(by_pipeline)
    imported(by_factory, s2, lead, ris(PAPER, copy))  # a duplicate: the matcher's work
    imported(by_factory, s2, lead, ris(paper(1)), "more.ris")  # beside a cluster
    assert Record.objects.filter(review=by_factory, duplicate_of__isnull=False).count() == 1
    assert _world(by_factory) == _world(by_pipeline)


def test_the_screening_order_keys_are_drawn_at_random(review, source, lead):
    batch = imported(review, source, lead, ris(*(paper(n) for n in range(6))))
    assert len(set(batch.records.values_list("shuffle_a", flat=True))) == 6
    assert len(set(batch.records.values_list("shuffle_b", flat=True))) == 6
