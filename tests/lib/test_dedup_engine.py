"""lib.dedup.deduplicate: clusters, the queue, and people's decisions."""

from dataclasses import replace
from itertools import permutations
from pathlib import Path

import pytest

from benchmarks.dedup_bench import citation_of, read_rows, read_truth
from lib.dedup import Citation, Kind, Result, Rule, candidate_pairs, deduplicate, key_of
from lib.dedup.engine import WEAK_BLOCK_LIMIT

SPECIAL = Path(__file__).resolve().parents[1] / "fixtures" / "dedup" / "special_cases"
TITLE = "Inhaled corticosteroids for asthma in children: a randomised controlled trial"
PAPER = Citation(
    id="paper",
    title=TITLE,
    authors=("Smith, John K.", "Lee, Ann", "García, María"),
    year=2019,
    journal="Journal of Clinical Epidemiology",
    volume="72",
    issue="3",
    pages="210-221",
    abstract="Background: inhaled corticosteroids are the mainstay of treatment. " * 4,
    type="JOUR",
)
OTHER = Citation(
    id="other",
    title="Montelukast for wheeze in preschool children: a cohort study",
    authors=("Brown, Peter", "Kaur, Rani"),
    year=2015,
    journal="Thorax",
    volume="70",
    pages="1-9",
    type="JOUR",
)


def copies(*ids: int | str, of: Citation = PAPER, **fields: object) -> list[Citation]:
    return [replace(of, id=i, **fields) for i in ids]


def clusters_of(result: Result) -> set[frozenset[int | str]]:
    return {frozenset(c.members) for c in result.clusters}


def together(result: Result, a: int | str, b: int | str) -> bool:
    return any(a in c.members and b in c.members for c in result.clusters)


def test_special_cases_clusters_equal_the_truth() -> None:
    rows = read_rows(SPECIAL / "bib-dedupe__records_pre_merged.csv")
    truth = read_truth(SPECIAL / "bib-dedupe__merged_record_ids.csv")
    result = deduplicate(citation_of(row) for row in rows)
    assert clusters_of(result) == {frozenset(ids) for ids in truth}
    # The minitrack introduction printed in 2021 and 2022 with two DOIs: asked, not merged.
    assert {frozenset((link.a, link.b)) for link in result.queue} >= {
        frozenset(("id_0000003", "id_0000004"))
    }


def test_certain_matches_merge_and_report_their_rule() -> None:
    bare = replace(PAPER, id="bare", abstract="", journal="J Clin Epidemiol", pages="210-21")
    result = deduplicate([PAPER, OTHER, bare])
    assert clusters_of(result) == {frozenset(("paper", "bare"))}
    (cluster,) = result.clusters
    assert cluster.members == ["paper", "bare"]  # the primary first: the more complete one
    link = cluster.via["bare"]
    assert (link.a, link.b, link.match.kind, link.match.rule) == (
        "bare",
        "paper",
        Kind.CERTAIN,
        Rule.EXACT,
    )
    assert result.duplicate_of() == {"bare": ("paper", link)}
    assert result.removed == 1
    assert result.queue == []


# --- what never merges automatically -----------------------------------------------------


def test_an_erratum_is_never_merged_or_queued_with_its_paper() -> None:
    doi = "10.1016/j.jclinepi.2019.01.002"
    erratum = replace(PAPER, id="erratum", title=f"Erratum: {TITLE}", doi=doi, abstract="")
    result = deduplicate([replace(PAPER, doi=doi), erratum])
    assert result.clusters == [] and result.queue == []


def test_a_conference_abstract_and_the_later_article_stay_apart() -> None:
    abstract = replace(
        PAPER,
        id="abstract",
        year=2018,
        journal="European Respiratory Journal",
        volume="52",
        issue="Suppl 62",
        pages="PA1234",
        abstract="",
        type="Conference Abstract",
    )
    result = deduplicate([PAPER, abstract, replace(abstract, id="again", year=2017)])
    assert not any(together(result, "paper", other) for other in ("abstract", "again"))


def test_a_preprint_and_its_published_version_are_queued_as_related() -> None:
    preprint = replace(
        PAPER, id="preprint", year=2018, journal="medRxiv", doi="10.1101/2018.06.01.18012345"
    )
    result = deduplicate([PAPER, preprint])
    assert result.clusters == []
    ((link),) = result.queue
    assert {link.a, link.b} == {"paper", "preprint"}
    assert (link.match.kind, link.match.rule) == (Kind.RELATED, Rule.PREPRINT)


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_groups_with_different_dois_never_chain_together(order: tuple[int, ...]) -> None:
    records = [
        replace(PAPER, id="doi-1", doi="10.1016/j.jclinepi.2019.01.002", abstract=""),
        replace(PAPER, id="no-doi", abstract=""),
        replace(PAPER, id="doi-2", doi="10.1016/j.jclinepi.2019.01.099", abstract=""),
    ]
    result = deduplicate([records[i] for i in order])
    assert not together(result, "doi-1", "doi-2")
    # The record without a DOI joins one of them, and a person is asked about the other.
    assert sum(together(result, "no-doi", x) for x in ("doi-1", "doi-2")) == 1
    assert len(result.queue) == 1
    assert result.queue[0].match.kind is Kind.PROBABLE


def test_identical_records_with_different_dois_merge_but_vouch_for_no_one_else() -> None:
    # Every field, the abstract included, agrees: one of the two DOIs is wrong.
    a = replace(PAPER, id="a", doi="10.1016/j.jclinepi.2019.01.002", pmid="30612345")
    b = replace(PAPER, id="b", doi="10.1183/13993003.congress-2019.PA123")
    assert clusters_of(deduplicate([a, b])) == {frozenset({"a", "b"})}
    assert deduplicate([a, b]).clusters[0].via["b"].match.rule is Rule.SAME_CONTENT
    # A third printing with another PubMed ID and no abstract matches b exactly, but a and it
    # are two PubMed records: the a-b evidence does not carry it across.
    c = replace(PAPER, id="c", pmid="30699999", abstract="")
    for order in permutations([a, b, c]):
        result = deduplicate(order)
        assert not together(result, "a", "c")
        assert result.removed == 1
        assert len(result.queue) == 1


def test_groups_never_span_more_than_one_year() -> None:
    # Each neighbouring pair is one paper online first and in print (same volume and page),
    # but 2018 and 2020 cannot both be right.
    records = copies(2018, 2019, 2020)
    records = [replace(c, year=c.id) for c in records]
    result = deduplicate(records)
    assert not together(result, 2018, 2020)
    assert result.removed == 1
    (link,) = result.queue
    assert link.match.kind is Kind.PROBABLE


# --- people's decisions ------------------------------------------------------------------


def test_a_different_decision_blocks_the_merge_and_the_question() -> None:
    result = deduplicate(copies("a", "b"), different=[("a", "b")])
    assert result.clusters == [] and result.queue == []


def test_a_different_decision_blocks_transitive_chains() -> None:
    # Five identical printings: every pair is certain, so without the decision 1 and 5
    # would end up together through 2, 3 and 4.
    records = copies(1, 2, 3, 4, 5)
    assert clusters_of(deduplicate(records)) == {frozenset({1, 2, 3, 4, 5})}
    result = deduplicate(records, different=[(1, 5)])
    assert not together(result, 1, 5)
    assert result.removed == 3
    assert result.queue == []  # the question is settled, whichever records stand for it


def test_a_different_decision_holds_against_a_same_decision_elsewhere() -> None:
    result = deduplicate(copies(1, 2, 3), same=[(1, 2)], different=[(2, 3)])
    assert clusters_of(result) == {frozenset({1, 2})}


def test_a_same_decision_always_merges() -> None:
    # Nothing alike, and different DOIs: a lead's word still stands.
    a = replace(PAPER, doi="10.1016/j.jclinepi.2019.01.002")
    b = replace(OTHER, doi="10.1136/thoraxjnl-2015-012345")
    result = deduplicate([a, b], same=[("paper", "other")])
    assert clusters_of(result) == {frozenset({"paper", "other"})}
    link = result.clusters[0].via["other"]
    assert (link.match.kind, link.match.rule) == (Kind.CERTAIN, Rule.MANUAL)
    assert result.queue == []


def test_decisions_about_unknown_records_are_ignored() -> None:
    result = deduplicate(
        copies("a", "b"), same=[("a", "gone")], different=[("b", "gone")], pinned=["gone"]
    )
    assert clusters_of(result) == {frozenset({"a", "b"})}


def test_a_pinned_primary_wins_over_a_more_complete_record() -> None:
    sparse = replace(PAPER, id="sparse", abstract="", issue="")
    records = [PAPER, sparse]
    assert deduplicate(records).clusters[0].primary == "paper"
    (cluster,) = deduplicate(records, pinned=["sparse"]).clusters
    assert cluster.primary == "sparse"
    assert cluster.members == ["sparse", "paper"]
    assert cluster.via["paper"].b == "sparse"
    # A lead's pin beats the previous run's primary too.
    assert deduplicate(records, pinned=["sparse"], keep_primary=["paper"]).clusters[0].primary == (
        "sparse"
    )


def test_the_previous_primary_keeps_its_place_when_a_richer_record_joins() -> None:
    old = copies("old-1", "old-2", abstract="", issue="")
    (first,) = deduplicate(old).clusters
    assert first.primary == "old-1"
    richer = replace(PAPER, id="new", doi="10.1016/j.jclinepi.2019.01.002")
    # Without the previous primary the richer record would take over...
    assert deduplicate([*old, richer]).clusters[0].primary == "new"
    # ...but screening decisions sit on the previous one, so it stays.
    (cluster,) = deduplicate([*old, richer], keep_primary=[first.primary]).clusters
    assert cluster.primary == "old-1"
    assert set(cluster.members) == {"old-1", "old-2", "new"}


def test_the_queue_asks_once_per_pair_of_groups() -> None:
    # Two printings of the paper and two of a reworded version: four probable pairs across
    # two groups make one question.
    reworded = replace(
        PAPER,
        title="Inhaled corticosteroids in asthmatic children: a randomised controlled trial",
        volume="",
        pages="",
        journal="",
    )
    records = copies("a1", "a2") + copies("b1", "b2", of=reworded)
    result = deduplicate(records)
    assert clusters_of(result) == {frozenset({"a1", "a2"}), frozenset({"b1", "b2"})}
    (link,) = result.queue
    assert link.a in {"a1", "a2"} and link.b in {"b1", "b2"}
    assert (link.match.kind, link.match.rule) == (Kind.PROBABLE, Rule.PROBABLE_TITLE)
    # One "different papers" answer about any two of their records settles it.
    assert deduplicate(records, different=[("a2", "b1")]).queue == []


def test_the_queue_leaves_out_decided_pairs() -> None:
    reworded = replace(
        PAPER,
        id="reworded",
        title="Inhaled corticosteroids in asthmatic children: a randomised controlled trial",
        volume="",
        pages="",
        abstract="",  # with the same abstract too, the evidence merges the two
    )
    assert len(deduplicate([PAPER, reworded]).queue) == 1
    assert deduplicate([PAPER, reworded], different=[("reworded", "paper")]).queue == []
    decided_same = deduplicate([PAPER, reworded], same=[("paper", "reworded")])
    assert decided_same.queue == []
    assert clusters_of(decided_same) == {frozenset({"paper", "reworded"})}


# --- blocking ----------------------------------------------------------------------------


def test_records_sharing_a_doi_are_compared_whatever_their_titles() -> None:
    doi = "10.1016/j.jclinepi.2019.01.002"
    keys = [key_of(replace(PAPER, doi=doi)), key_of(replace(OTHER, doi=doi))]
    pairs, skipped = candidate_pairs(keys)
    assert pairs == {(0, 1)} and skipped == 0


def test_an_oversized_block_is_split_by_year_and_dropped_only_when_still_too_big() -> None:
    n = WEAK_BLOCK_LIMIT + 1
    # Same first title words, no other shared key; years spread out: split, kept.
    spread = [
        key_of(
            Citation(id=i, title=f"Asthma in children aged {i} years", year=1900 + i, pages=str(i))
        )
        for i in range(n)
    ]
    pairs, skipped = candidate_pairs(spread)
    assert skipped == 0 and pairs == set()  # no two share a year, so nothing to compare
    # All in one year: too big even once split, so dropped.
    same_year = [replace(k, year=2019) for k in spread]
    pairs, skipped = candidate_pairs(same_year)
    assert skipped == 1 and pairs == set()


def test_progress_is_reported_to_the_end() -> None:
    seen: list[str] = []
    deduplicate(copies(1, 2), progress=lambda phase, done, total: seen.append(phase))
    assert seen[0] == "blocking" and seen[-1] == "done"


def test_two_identical_records_in_a_crowd_of_like_titles_are_compared() -> None:
    """Issue #18: identical records (title, year, authors, journal, pages) were left apart
    when every block they shared was too big: the whole title and year is a block too."""
    crowd = [
        Citation(
            id=i,
            title=f"Exercise training in older adults {i} and their quality of life",
            authors=("Smith, J.", f"Author{i}, A."),
            year=2019,
            journal="Age and Ageing",
        )
        for i in range(WEAK_BLOCK_LIMIT + 10)
    ]
    twin = replace(crowd[7], id="twin")
    result = deduplicate([*crowd, twin])
    assert [sorted(map(str, c.members)) for c in result.clusters] == [["7", "twin"]]
