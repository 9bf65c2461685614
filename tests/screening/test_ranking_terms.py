"""Ranking's term counts are computed once per import batch and kept on disk: the job
that deduplication queues computes them, training reads them, and the features a training
uses are those the benchmark's code (`lib.ranking.features`) computes from the texts."""

from __future__ import annotations

import numpy as np
import pytest

from lib import ranking
from screening import services
from screening.models import RankingModel
from screening.services import ranking as ranking_service
from screening.services.ranking_terms import batch_terms, record_terms
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import TA, decide, paper, settings_of
from tests.screening.test_ranking import OFF_TOPIC, ON_TOPIC, relevance

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_features_in_memory(monkeypatch):
    # Each test starts like a worker that has just started.
    monkeypatch.setattr(ranking_service, "_FEATURES", ranking_service.OrderedDict())


def two_batches(review, source, lead):
    first = import_text(review, source, lead, ris(*[
        paper(n, abstract=(ON_TOPIC if n % 4 == 0 else OFF_TOPIC) + f" item{n}") for n in range(8)
    ]), name="a.ris")  # fmt: skip
    second = import_text(review, source, lead, ris(*[
        paper(n, abstract=(ON_TOPIC if n % 3 == 0 else OFF_TOPIC) + f" more{n}") for n in range(8, 14)
    ]), name="b.ris")  # fmt: skip
    return first, second


def files(settings) -> list:
    return sorted(p.name for p in settings.RANKING_CACHE_DIR.glob("terms-*.npz"))


def test_deduplication_queues_the_new_batches_counts_once(
    review, source, lead, settings, django_capture_on_commit_callbacks
):
    first, second = two_batches(review, source, lead)
    with django_capture_on_commit_callbacks(execute=True):
        run(review)  # the tasks run eagerly in tests
    assert len(files(settings)) == 2
    assert services.ranking_prepare(review_id=review.pk) == 0  # nothing left to compute
    records, counts = batch_terms(first)
    assert records.tolist() == sorted(first.records.values_list("pk", flat=True))
    assert counts.rows == 8


def test_training_reads_the_stored_counts_and_gets_the_benchmarks_features(
    review, source, lead, reviewer, settings, monkeypatch
):
    first, second = two_batches(review, source, lead)
    run(review)
    assert services.ranking_prepare(review_id=review.pk) == 2
    # From here on nothing may compute counts from text: training must read the files.
    monkeypatch.setattr(ranking, "term_counts", lambda texts: pytest.fail("counted again"))
    relevance(review)
    records = list(first.records.order_by("pk")) + list(second.records.order_by("pk"))
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    assert model.trained_at is not None and model.models_trained == 1
    # The same features as the benchmark computes from the stage's texts.
    ids = [r.pk for r in sorted(records, key=lambda r: r.pk)]
    stored = ranking.tfidf(record_terms(review.pk, ids))
    monkeypatch.undo()
    fresh = ranking.features(
        [ranking.text_of(r.title, r.abstract) for r in sorted(records, key=lambda r: r.pk)]
    )
    np.testing.assert_allclose(
        (stored @ stored.T).toarray(), (fresh @ fresh.T).toarray(), atol=1e-12
    )


def test_missing_or_damaged_files_are_computed_again(review, source, lead, reviewer, settings):
    first, _ = two_batches(review, source, lead)
    run(review)
    services.ranking_prepare(review_id=review.pk)
    damaged = settings.RANKING_CACHE_DIR / files(settings)[0]
    damaged.write_bytes(b"PK\x03\x04 cut short")
    for path in settings.RANKING_CACHE_DIR.glob("terms-*.npz"):
        if path != damaged:
            path.unlink()
    settings_of(review)
    relevance(review)
    records = list(review.records.order_by("pk"))
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    assert model.trained_at is not None
    assert len(files(settings)) == 2
    assert batch_terms(first)[1].rows == 8


def test_a_record_merged_away_meanwhile_gets_an_empty_row(review, source, lead):
    first, _ = two_batches(review, source, lead)
    run(review)
    ids = list(first.records.order_by("pk").values_list("pk", flat=True))
    counts = record_terms(review.pk, [ids[0], 10**9, ids[1]])
    assert counts.rows == 3
    assert np.diff(counts.indptr).tolist()[1] == 0
    assert np.diff(counts.indptr).tolist()[0] > 0 and np.diff(counts.indptr).tolist()[2] > 0


def test_an_undone_import_leaves_no_rows_behind(review, source, lead, reviewer):
    first, second = two_batches(review, source, lead)
    run(review)
    services.ranking_prepare(review_id=review.pk)
    from reviews import services as review_services

    review_services.import_batch_undo(batch=second, user=lead)
    run(review)
    relevance(review)
    records = list(review.records.order_by("pk"))
    assert len(records) == 8
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    assert RankingModel.objects.get(pk=model.pk).trained_at is not None
    assert model.labels == {str(reviewer.pk): [1, 1]}
