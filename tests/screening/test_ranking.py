"""Relevance ranking: training in the background, serving the top-ranked record, the
retraining trigger, blinding, and stopping early with the rest excluded by the automation
tool (PRISMA 2020: records excluded by automation tools)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from screening import selectors, services
from screening.models import (
    AutomationExclusion,
    AutomationStop,
    Order,
    RankingModel,
    RankingScore,
)
from screening.services.ranking import decision_count
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import TA, decide, paper, settings_of

pytestmark = pytest.mark.django_db

ON_TOPIC = "partnership smoking cessation public health england local strategic"
OFF_TOPIC = "oak cedar forest soil rain river bird mouse canopy"


@pytest.fixture
def topical(review, source, lead):
    """20 records: every fourth about partnerships and smoking, the rest about forests."""
    texts = [
        paper(n, abstract=(ON_TOPIC if n % 4 == 0 else OFF_TOPIC) + f" item{n}") for n in range(20)
    ]
    batch = import_text(review, source, lead, ris(*texts))
    run(review)
    return list(batch.records.order_by("ordinal"))


def on_topic(records):
    return [r for r in records if ON_TOPIC in r.abstract]


def off_topic(records):
    return [r for r in records if ON_TOPIC not in r.abstract]


def scores_of(review, user) -> dict[int, float]:
    return dict(
        RankingScore.objects.filter(review=review, stage=TA, reviewer=user).values_list(
            "record_id", "score"
        )
    )


def relevance(review):
    settings_of(review, order=Order.RELEVANCE)
    return selectors.stage_settings(review, TA)


def test_training_waits_for_one_include_and_one_exclude(review, topical, reviewer):
    relevance(review)
    decide(review, on_topic(topical)[0], reviewer, "include")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    assert model.trained_at is None and not RankingScore.objects.exists()


def test_training_stores_scores_and_the_top_record_is_served(
    review, topical, lead, reviewer, second_reviewer
):
    settings = relevance(review)
    decide(review, on_topic(topical)[0], reviewer, "include")
    decide(review, off_topic(topical)[0], reviewer, "exclude")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    assert model.trained_at is not None
    assert model.version == decision_count(review, TA) == 2
    assert model.method
    # A score per record for the reviewer; the others have nothing they may learn from yet
    # (no settled paper, no votes of their own): they keep their random order.
    assert len(scores_of(review, reviewer)) == len(topical)
    assert model.labels == {str(reviewer.pk): [1, 1]}
    assert not scores_of(review, lead) and not scores_of(review, second_reviewer)
    mine = scores_of(review, reviewer)
    # The on-topic records come first for the reviewer who taught the model.
    undecided = [
        r for r in topical if r.pk not in (on_topic(topical)[0].pk, off_topic(topical)[0].pk)
    ]
    best = max(undecided, key=lambda r: (mine[r.pk], -r.pk))
    served = selectors.next_record(review, reviewer, TA, settings)
    assert served.pk == best.pk and ON_TOPIC in served.abstract
    top5 = sorted(undecided, key=lambda r: -mine[r.pk])[:4]
    assert all(ON_TOPIC in r.abstract for r in top5)
    # Safe to run twice: nothing new, nothing written.
    again = services.ranking_train(review_id=review.pk, stage=TA)
    assert again.version == model.version and again.trained_at == model.trained_at


def test_every_record_is_still_served_until_decided(review, topical, reviewer):
    settings = relevance(review)
    decide(review, on_topic(topical)[0], reviewer, "include")
    decide(review, off_topic(topical)[0], reviewer, "exclude")
    services.ranking_train(review_id=review.pk, stage=TA)
    seen = set()
    while (record := selectors.next_record(review, reviewer, TA, settings)) is not None:
        assert record.pk not in seen
        seen.add(record.pk)
        decide(review, record, reviewer, "exclude", advance=True)
    assert len(seen) == len(topical) - 2


def ranking_callbacks(callbacks: list) -> list:
    """The training jobs among the callbacks run on commit (mail notifications queue
    their own)."""
    from config import jobs
    from screening.services.ranking import RANKING_TASK

    return [
        c for c in callbacks if getattr(c, "func", None) is jobs.send and c.args[0] == RANKING_TASK
    ]


def test_decisions_queue_training_after_commit_and_a_burst_queues_once(
    review, topical, reviewer, django_capture_on_commit_callbacks
):
    relevance(review)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(review, on_topic(topical)[0], reviewer, "include")
        decide(review, off_topic(topical)[0], reviewer, "exclude")
    # Few labels: every decision is due; the tasks run eagerly in tests.
    assert len(ranking_callbacks(callbacks)) == 2
    model = RankingModel.objects.get(review=review, stage=TA)
    assert model.trained_at is not None and model.version == 2
    assert scores_of(review, reviewer)


def test_no_training_in_the_other_orders(
    review, topical, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(review, on_topic(topical)[0], reviewer, "include")
    assert not ranking_callbacks(callbacks) and not RankingModel.objects.exists()


def test_a_run_with_nothing_new_does_nothing_and_an_older_run_never_overwrites(
    review, topical, reviewer
):
    relevance(review)
    decide(review, on_topic(topical)[0], reviewer, "include")
    decide(review, off_topic(topical)[0], reviewer, "exclude")
    first = services.ranking_train(review_id=review.pk, stage=TA)
    stamp = first.trained_at
    # A newer model exists (as if another worker trained on more decisions meanwhile).
    RankingModel.objects.filter(pk=first.pk).update(version=99)
    decide(review, on_topic(topical)[1], reviewer, "include")
    again = services.ranking_train(review_id=review.pk, stage=TA)
    assert again.version == 99 and again.trained_at == stamp


def test_blinding_another_reviewers_vote_on_an_open_record_never_moves_my_order(
    review, topical, reviewer, second_reviewer
):
    """The reviewer's ranking is trained on settled papers and their own votes: the second
    reviewer's vote on a record the first has not decided changes nothing for the first
    (not the scores, not the record served), while it does change the second's."""
    settings = relevance(review)
    decide(review, on_topic(topical)[0], reviewer, "include")
    decide(review, off_topic(topical)[0], reviewer, "exclude")
    services.ranking_train(review_id=review.pk, stage=TA)
    before = scores_of(review, reviewer)
    served_before = selectors.next_record(review, reviewer, TA, settings)
    # The second reviewer votes on records the first has not decided, against the topic.
    others = [r for r in on_topic(topical)[1:] if r.pk != served_before.pk]
    decide(review, others[0], second_reviewer, "exclude")
    decide(review, off_topic(topical)[1], second_reviewer, "include")
    decide(review, served_before, second_reviewer, "exclude")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    assert model.version == 5
    assert scores_of(review, reviewer) == before
    assert selectors.next_record(review, reviewer, TA, settings).pk == served_before.pk
    theirs = scores_of(review, second_reviewer)
    assert theirs != before and model.labels[str(second_reviewer.pk)] == [1, 2]


def test_settled_papers_teach_everyone(review, topical, lead, reviewer, second_reviewer):
    relevance(review)
    for user in (reviewer, second_reviewer):
        decide(review, on_topic(topical)[0], user, "include")
        decide(review, off_topic(topical)[0], user, "exclude")
    model = services.ranking_train(review_id=review.pk, stage=TA)
    # Everybody learns from the two agreed papers, with one model.
    assert model.models_trained == 1
    assert model.labels[str(lead.pk)] == [1, 1]
    assert scores_of(review, lead) == scores_of(review, reviewer)


# --- stopping early ----------------------------------------------------------------------


def test_stop_early_excludes_the_rest_by_automation_and_prisma_counts_it(
    review, topical, lead, reviewer, second_reviewer
):
    settings = relevance(review)
    a, b, c, d = topical[:4]
    for user in (reviewer, second_reviewer):
        decide(review, a, user, "include")  # agreed include
        decide(review, b, user, "exclude")  # agreed exclude
    decide(review, c, reviewer, "include")  # one include vote: stays for the second
    decide(review, d, reviewer, "exclude")  # one exclude vote: the tool takes the second place
    stop = services.screening_stop_early(
        review=review, stage=TA, user=lead, rule="hypergeometric",
        params={"recall_target": 0.95, "confidence": 0.95},
    )  # fmt: skip
    excluded = set(AutomationExclusion.objects.filter(stop=stop).values_list("paper_id", flat=True))
    assert excluded == {r.pk for r in topical[3:]}
    assert stop.rule == "hypergeometric" and stop.params["recall_target"] == 0.95
    assert stop.statistics["screened"] == 4 and stop.statistics["includes"] == 2
    assert stop.stopped_by == lead and stop.statistics["excluded"] == len(topical) - 3
    summary = selectors.stage_summary(review, TA, settings)
    assert summary.excluded_automation == len(topical) - 3
    assert summary.included == 1 and summary.excluded == 1  # human exclusions only
    assert summary.awaiting == 1  # c, waiting for its second reviewer
    assert selectors.automation_exclusions(review, TA) == len(topical) - 3
    [row] = selectors.automation_stops(review, TA)
    assert row.rule == "hypergeometric" and row.excluded == len(topical) - 3
    # Not served, not decidable; the half-screened include still goes to the second reviewer.
    assert selectors.next_record(review, second_reviewer, TA, settings).pk == c.pk
    assert selectors.next_record(review, reviewer, TA, settings) is None
    with pytest.raises(ValidationError):
        decide(review, topical[5], second_reviewer, "include")
    with pytest.raises(ValidationError):
        services.screening_stop_early(review=review, stage=TA, user=lead, rule="judgement")


def test_stop_early_is_for_leads_and_title_abstract_only(review, topical, reviewer, lead):
    with pytest.raises(ValidationError):
        services.screening_stop_early(review=review, stage=TA, user=reviewer, rule="judgement")
    with pytest.raises(ValidationError):
        services.screening_stop_early(review=review, stage="full_text", user=lead, rule="judgement")
    with pytest.raises(ValidationError):
        services.screening_stop_early(review=review, stage=TA, user=lead, rule="guesswork")
    assert not AutomationStop.objects.exists() and not AutomationExclusion.objects.exists()


def test_a_stop_can_be_undone(review, topical, lead, reviewer):
    settings = selectors.stage_settings(review, TA)
    stop = services.screening_stop_early(review=review, stage=TA, user=lead, rule="judgement")
    assert selectors.automation_exclusions(review, TA) == len(topical)
    services.screening_stop_undo(review=review, stop=stop, user=lead)
    stop.refresh_from_db()
    assert stop.undone_by == lead and stop.undone_at is not None
    assert not AutomationExclusion.objects.exists()
    assert selectors.automation_stops(review, TA) == []
    assert selectors.stage_summary(review, TA, settings).awaiting == len(topical)
    assert selectors.next_record(review, reviewer, TA, settings) is not None
    with pytest.raises(ValidationError):
        services.screening_stop_undo(review=review, stop=stop, user=lead)


def test_an_import_with_records_excluded_by_automation_cannot_be_undone(review, topical, lead):
    from reviews import services as review_services

    services.screening_stop_early(review=review, stage=TA, user=lead, rule="judgement")
    with pytest.raises(ValidationError):
        review_services.import_batch_undo(batch=topical[0].batch, user=lead)
