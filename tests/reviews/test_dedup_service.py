"""Deduplication in the app: the run after imports, the leads' decisions, undo, reports."""

from __future__ import annotations

import pytest

from reviews import selectors, services
from reviews.models import (
    DedupAction,
    DedupDecision,
    DedupEvent,
    DedupPair,
    DedupRun,
    DedupStatus,
    Record,
    SourceType,
    Verdict,
)
from tests.conftest import ris_upload

pytestmark = pytest.mark.django_db


def ris(*records: dict) -> str:
    out = []
    for r in records:
        lines = ["TY  - JOUR"]
        lines += [f"AU  - {a}" for a in r.get("authors", ["Smith, Katherine E.", "Jones, A."])]
        lines.append(f"TI  - {r['title']}")
        for tag, key in (
            ("PY", "year"),
            ("T2", "journal"),
            ("VL", "volume"),
            ("SP", "sp"),
            ("EP", "ep"),
            ("DO", "doi"),
            ("AB", "abstract"),
        ):
            if r.get(key):
                lines.append(f"{tag}  - {r[key]}")
        out.append("\n".join(lines) + "\nER  - \n")
    return "\n".join(out)


PAPER = {
    "title": "Partnerships and health inequalities in England: a qualitative study",
    "year": "2004",
    "journal": "Journal of Public Health",
    "volume": "26",
    "sp": "210",
    "ep": "221",
    "doi": "10.1093/pubmed/fdh150",
    "abstract": "We interviewed 40 managers of Health Action Zones about joint working.",
}
OTHER = {
    "title": "Local Strategic Partnerships and smoking cessation services",
    "year": "2006",
    "journal": "Health Policy",
    "volume": "77",
    "sp": "12",
    "authors": ["Brown, T."],
}


def import_text(review, source, user, text: str, name: str = "results.ris"):
    batch = services.import_batch_start(
        review=review,
        source=source,
        upload=ris_upload(text, name),
        filename=name,
        user=user,
        preview=False,
        enqueue=False,
        allow_duplicate=True,
    )
    return services.import_batch_run(batch_id=batch.pk)


def run(review) -> None:
    services.dedup_request(review_id=review.pk, enqueue=False)
    services.dedup_run(review_id=review.pk)


@pytest.fixture
def embase(review):
    return services.source_create(review=review, name="Embase", source_type=SourceType.DATABASE)


def test_the_run_after_an_import_marks_duplicates_and_keeps_everything(review, source, lead):
    copy = PAPER | {"title": PAPER["title"].upper(), "ep": "21", "doi": "", "abstract": ""}
    batch = import_text(review, source, lead, ris(PAPER, OTHER, copy))
    records = Record.objects.in_review(review)
    assert records.primaries().count() == 0  # nothing is screenable before the run
    run(review)
    assert records.count() == 3  # nothing deleted
    assert records.primaries().count() == 2
    first, _, dup = batch.records.order_by("ordinal")
    dup.refresh_from_db()
    assert dup.duplicate_of_id == first.pk  # the richer record is the primary
    assert dup.dedup_rule.startswith("same title, year, first author")
    assert DedupEvent.objects.get(review=review, action=DedupAction.RUN).detail["duplicates"] == 1
    run_row = DedupRun.objects.get(review=review)
    assert run_row.status == DedupStatus.IDLE and run_row.done_version == run_row.version


def test_a_living_update_only_adds_genuinely_new_papers(review, source, embase, lead):
    import_text(review, source, lead, ris(PAPER | {"abstract": ""}, OTHER))
    run(review)
    old_primary = Record.objects.get(title=PAPER["title"])
    new_paper = {
        "title": "Health Action Zones ten years on",
        "year": "2008",
        "sp": "1",
        "volume": "30",
        "journal": "Critical Public Health",
    }
    # The later search finds the same paper again, more completely, and one new paper.
    batch = import_text(review, embase, lead, ris(PAPER, new_paper), "update.ris")
    run(review)
    again = batch.records.get(ordinal=1)
    assert again.duplicate_of_id == old_primary.pk  # the record already screened stays primary
    new = batch.records.get(ordinal=2)
    assert new.duplicate_of_id is None and new.dedup_checked
    assert Record.objects.in_review(review).primaries().count() == 3
    counts = {c.source.name: c for c in selectors.dedup_source_counts(review)}
    assert (counts["Embase"].records, counts["Embase"].duplicates, counts["Embase"].unique) == (
        2,
        1,
        1,
    )
    assert (counts["Medline"].papers, counts["Medline"].unique) == (2, 1)


def _probable_pair(review, source, lead):
    # The same authors and a near-identical title, but no volume or pages on one: probable.
    look_alike = PAPER | {
        "title": PAPER["title"] + ": interim findings",
        "doi": "",
        "volume": "",
        "sp": "",
        "ep": "",
        "abstract": "Early findings.",
    }
    batch = import_text(review, source, lead, ris(PAPER, look_alike, OTHER))
    run(review)
    a, b, _ = batch.records.order_by("ordinal")
    return a, b


def test_probable_pairs_wait_for_a_lead_and_same_paper_merges_for_good(review, source, lead):
    a, b = _probable_pair(review, source, lead)
    pair = DedupPair.objects.get(review=review)
    assert {pair.record_a_id, pair.record_b_id} == {a.pk, b.pk}
    assert Record.objects.in_review(review).primaries().count() == 3
    services.dedup_decide(review=review, record=b, other=a, verdict=Verdict.SAME, user=lead)
    b.refresh_from_db()
    assert b.duplicate_of_id == a.pk and b.dedup_rule == "marked the same paper by a lead"
    assert not DedupPair.objects.filter(review=review).exists()
    decision = DedupDecision.objects.get()
    assert (decision.record_a_id, decision.record_b_id, decision.verdict) == (a.pk, b.pk, "same")
    run(review)  # every later run keeps the lead's answer
    b.refresh_from_db()
    assert b.duplicate_of_id == a.pk
    assert not DedupPair.objects.filter(review=review).exists()
    assert DedupEvent.objects.filter(action=DedupAction.SAME, actor=lead).count() == 1


def test_different_papers_stay_apart_and_leave_the_queue(review, source, lead):
    a, b = _probable_pair(review, source, lead)
    services.dedup_decide(review=review, record=a, other=b, verdict=Verdict.DIFFERENT, user=lead)
    assert not DedupPair.objects.exists()
    run(review)
    assert not DedupPair.objects.exists()
    assert Record.objects.in_review(review).primaries().count() == 3


def test_a_lead_can_split_a_cluster_and_later_runs_keep_it_split(review, source, lead):
    copy = PAPER | {"title": PAPER["title"].lower()}
    batch = import_text(review, source, lead, ris(PAPER, copy))
    run(review)
    first, second = batch.records.order_by("ordinal")
    second.refresh_from_db()
    assert second.duplicate_of_id == first.pk
    services.dedup_split(review=review, record=second, user=lead)
    second.refresh_from_db()
    assert second.duplicate_of_id is None
    assert DedupDecision.objects.get().verdict == Verdict.DIFFERENT
    run(review)
    second.refresh_from_db()
    assert second.duplicate_of_id is None
    assert Record.objects.in_review(review).primaries().count() == 2
    event = DedupEvent.objects.get(action=DedupAction.SPLIT)
    assert (event.actor, event.record_id, event.other_id) == (lead, second.pk, first.pk)


def test_splitting_the_primary_hands_the_cluster_to_another_member(review, source, lead):
    copies = [PAPER, PAPER | {"title": PAPER["title"].upper()}, PAPER | {"abstract": ""}]
    batch = import_text(review, source, lead, ris(*copies))
    run(review)
    first, second, third = batch.records.order_by("ordinal")
    services.dedup_split(review=review, record=first, user=lead)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.duplicate_of_id is None and third.duplicate_of_id == second.pk
    run(review)
    for r in (first, second, third):
        r.refresh_from_db()
    assert first.duplicate_of_id is None
    assert {second.duplicate_of_id, third.duplicate_of_id} == {None, second.pk}


def test_a_chosen_primary_is_kept_by_later_runs(review, source, lead):
    copy = PAPER | {"title": PAPER["title"].upper(), "abstract": ""}
    batch = import_text(review, source, lead, ris(PAPER, copy))
    run(review)
    first, second = batch.records.order_by("ordinal")
    services.dedup_set_primary(review=review, record=second, user=lead)
    first.refresh_from_db()
    assert first.duplicate_of_id == second.pk
    run(review)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.primary_pinned and second.duplicate_of_id is None
    assert first.duplicate_of_id == second.pk
    assert list(Record.objects.in_review(review).primaries()) == [second]


def test_decisions_are_refused_on_records_of_another_review(review, source, lead, other_review):
    from django.core.exceptions import ValidationError

    batch = import_text(review, source, lead, ris(PAPER, OTHER))
    run(review)
    a, b = batch.records.all()
    with pytest.raises(ValidationError):
        services.dedup_decide(review=other_review, record=a, other=b, verdict="same", user=lead)
    with pytest.raises(ValidationError):
        services.dedup_decide(review=review, record=a, other=b, verdict="maybe", user=lead)
    assert not DedupDecision.objects.exists()


def test_undoing_the_import_that_held_a_primary(review, source, embase, lead):
    first = import_text(review, source, lead, ris(PAPER))
    second = import_text(
        review,
        embase,
        lead,
        ris(PAPER | {"title": PAPER["title"].upper()}, PAPER | {"abstract": ""}),
        "e.ris",
    )
    run(review)
    primary = first.records.get()
    assert second.records.filter(duplicate_of=primary).count() == 2
    services.dedup_decide(
        review=review, record=primary, other=second.records.first(), verdict="same", user=lead
    )
    services.import_batch_undo(batch=first, user=lead)
    left = Record.objects.in_review(review)
    assert left.count() == 2 and left.primaries().count() == 0  # waiting for the run
    assert not DedupDecision.objects.exists()
    run(review)
    assert left.primaries().count() == 1 and left.duplicates().count() == 1


def test_a_second_run_finds_nothing_to_do(review, source, lead, django_assert_max_num_queries):
    import_text(review, source, lead, ris(PAPER, PAPER | {"doi": ""}))
    run(review)
    events = DedupEvent.objects.count()
    with django_assert_max_num_queries(8):  # claim, two reads, an EXISTS, release
        services.dedup_run(review_id=review.pk)  # a second message for the same request
    assert DedupEvent.objects.count() == events


def test_a_decision_during_a_run_makes_it_read_again(review, source, lead, monkeypatch):
    a, b = _probable_pair(review, source, lead)
    from reviews.services import dedup as dedup_service

    real = dedup_service.deduplicate
    calls = []

    def decide_meanwhile(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            services.dedup_decide(review=review, record=a, other=b, verdict="same", user=lead)
        return real(*args, **kwargs)

    monkeypatch.setattr(dedup_service, "deduplicate", decide_meanwhile)
    services.dedup_request(review_id=review.pk, enqueue=False)
    services.dedup_run(review_id=review.pk)
    assert len(calls) == 2  # the first result was thrown away, not written over the decision
    b.refresh_from_db()
    assert b.duplicate_of_id == a.pk


def test_a_run_that_was_taken_over_writes_nothing(review, source, lead, monkeypatch):
    copy = PAPER | {"title": PAPER["title"].upper()}
    import_text(review, source, lead, ris(PAPER, copy))
    from reviews.services import dedup as dedup_service

    real = dedup_service.deduplicate

    def taken_over(*args, **kwargs):
        DedupRun.objects.filter(review=review).update(token=999)
        return real(*args, **kwargs)

    monkeypatch.setattr(dedup_service, "deduplicate", taken_over)
    services.dedup_request(review_id=review.pk, enqueue=False)
    assert services.dedup_run(review_id=review.pk) is None
    assert not Record.objects.filter(dedup_checked=True).exists()


def test_the_report_lists_every_record_with_its_cluster(review, source, lead):
    batch = import_text(review, source, lead, ris(PAPER, OTHER, PAPER | {"doi": ""}))
    run(review)
    rows = list(selectors.dedup_report_rows(review))
    assert rows[0][:3] == ["cluster", "record_id", "role"]
    first, other, dup = batch.records.order_by("ordinal")
    body = {row[1]: row for row in rows[1:]}
    assert len(body) == 3
    assert body[dup.pk][:3] == [first.pk, dup.pk, "duplicate"]
    assert body[other.pk][2] == "primary"
    log = list(selectors.dedup_event_rows(review))
    assert log[1][2] == "Automatic run"


def test_same_paper_overrides_an_earlier_different_papers(review, source, lead):
    a, b = _probable_pair(review, source, lead)
    services.dedup_decide(review=review, record=a, other=b, verdict=Verdict.DIFFERENT, user=lead)
    services.dedup_decide(review=review, record=b, other=a, verdict=Verdict.SAME, user=lead)
    assert list(DedupDecision.objects.values_list("verdict", flat=True)) == ["same"]
    run(review)
    b.refresh_from_db()
    assert b.duplicate_of_id == a.pk
