"""demo: the seed review's specification and its deterministic search-result files."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
import rispy

from demo import DemoFile, demo_files, demo_papers, normalise_title, review_spec
from demo.__main__ import main
from demo.spec import ARMS, SOURCE_TYPES

HSMC = "Health Services Management Centre"
UNCOUNTED = {
    "COPAC",
    "ABI (Abstracted Business Information)",
    "Inform",
    "HMIC",
    "SIGLE",
    "Helmis",
    "IDOX",
}
COUNTS = {
    "ASSIA": 25,
    "CareData": 173,
    "CINAHL": 79,
    "Embase": 80,
    "International Bibliography of the Social Sciences": 21,
    "Kings Fund": 300,
    "Medline": 286,
    "Social Services Abstracts": 49,
    "Sociological Abstracts": 29,
    "Social Sciences Citation Index": 157,
}


@pytest.fixture(scope="module")
def files() -> list[DemoFile]:
    return demo_files()


@pytest.fixture(scope="module")
def papers():
    return demo_papers()


@pytest.fixture(scope="module")
def entries(files: list[DemoFile]) -> list[list[dict]]:
    return [rispy.loads(f.text) for f in files]


def _title(entry: dict) -> str:
    return entry.get("title") or entry.get("primary_title") or ""


def _year(entry: dict) -> str:
    return (entry.get("year") or entry.get("publication_year") or "")[:4]


def _fingerprint(entry: dict) -> tuple[object, ...]:
    pages = (entry.get("start_page"), entry.get("end_page"))
    return (_title(entry), entry.get("authors"), entry.get("doi"), pages)


def _occurrences(files, entries):
    """(paper id, file, entry) in file order."""
    for f, parsed in zip(files, entries, strict=True):
        for pid, entry in zip(f.paper_ids, parsed, strict=True):
            yield pid, f, entry


# --- review_spec -------------------------------------------------------------------------


def test_spec_counts_add_up_to_the_reported_1288():
    spec = review_spec()
    counts = [s.records_reported for src in spec.sources for s in src.searches]
    assert sum(c for c in counts if c is not None) == 1288
    assert spec.records_reported == 1288


def test_spec_has_17_distinct_databases_with_the_reported_counts():
    databases = [s for s in review_spec().sources if s.source_type == "database"]
    assert len({s.name for s in databases}) == len(databases) == 17
    by_name = {s.name: s.records_reported for s in databases}
    assert {n for n, c in by_name.items() if c is None} == UNCOUNTED
    assert {n: c for n, c in by_name.items() if c is not None} == COUNTS
    cinahl = next(s for s in databases if s.name == "CINAHL")
    assert "twice" in cinahl.notes


def test_spec_hsmc_is_a_website_pooled_with_the_databases_in_two_searches():
    hsmc = next(s for s in review_spec().sources if s.name == HSMC)
    assert (hsmc.source_type, hsmc.arm, hsmc.pooled_into_screening) == ("website", "dbr", True)
    assert [(s.label, s.records_reported) for s in hsmc.searches] == [
        ("Partnership programme publications (web page)", 88),
        ("Current publications (web page)", 1),
    ]


def test_spec_other_methods_have_no_reported_counts():
    others = [s for s in review_spec().sources if s.arm == "other"]
    assert {(s.name, s.source_type) for s in others} == {
        ("Hand-searching bibliographies of included studies", "citation_searching"),
        ("Contact with authors", "contact"),
    }
    assert all(search.records_reported is None for s in others for search in s.searches)


def test_spec_sources_are_well_formed():
    spec = review_spec()
    assert (spec.slug, spec.date_limits_from, spec.date_limits_to) == (
        "demo",
        date(1997, 1, 1),
        date(2008, 6, 30),
    )
    for source in spec.sources:
        assert source.source_type in SOURCE_TYPES and source.arm in ARMS
        assert source.platform == ""  # not reported for any source
        assert source.searches
        for search in source.searches:
            assert search.date_run is None
            if search.records_reported:
                assert search.strategy and "reconstructed" in source.notes


def test_spec_strategies_use_the_syntax_the_report_describes():
    strategy = {s.name: s.searches[0].strategy for s in review_spec().sources}
    for name in (
        "CINAHL",
        "Embase",
        "Medline",
        "International Bibliography of the Social Sciences",
    ):
        assert re.match(r"1\. ", strategy[name]), name
    assert "TI=" in strategy["Social Sciences Citation Index"]
    assert "ADJ" in strategy["Kings Fund"] and "#.DE." in strategy["Kings Fund"]
    assert " AND " in strategy["ASSIA"] and " OR " in strategy["ASSIA"]


def test_spec_criteria_are_i1_to_i3_and_e1_to_e6():
    criteria = review_spec().criteria
    assert [(c.code, c.kind) for c in criteria] == [
        ("I1", "include"),
        ("I2", "include"),
        ("I3", "include"),
    ] + [(f"E{i}", "exclude") for i in range(1, 7)]
    assert all(c.text.endswith(".") for c in criteria)


# --- demo_files --------------------------------------------------------------------------


def test_one_file_per_counted_search_with_exactly_its_count(files, entries):
    expected = {(n, n): c for n, c in COUNTS.items()}
    expected[(HSMC, "Partnership programme publications (web page)")] = 88
    expected[(HSMC, "Current publications (web page)")] = 1
    assert {
        (f.source_name, f.search_label): len(e) for f, e in zip(files, entries, strict=True)
    } == expected
    assert all(len(f.paper_ids) == len(e) for f, e in zip(files, entries, strict=True))
    assert len({f.filename for f in files}) == 12
    assert all(
        e["name_of_database"] == f.source_name
        for f, es in zip(files, entries, strict=True)
        for e in es
    )


def test_1288_records_from_1058_papers_with_230_duplicates(files):
    ids = [pid for f in files for pid in f.paper_ids]
    assert len(ids) == 1288
    assert len(set(ids)) == 1058
    assert len(ids) - len(set(ids)) == 230


def test_no_paper_twice_within_a_file(files):
    for f in files:
        assert len(f.paper_ids) == len(set(f.paper_ids)), f.filename


def test_hsmc_papers_are_found_nowhere_else(files):
    hsmc = {pid for f in files if f.source_name == HSMC for pid in f.paper_ids}
    others = {pid for f in files if f.source_name != HSMC for pid in f.paper_ids}
    assert len(hsmc) == 89
    assert not hsmc & others


def test_same_seed_gives_identical_files_and_another_seed_does_not(files):
    assert demo_files() == files
    assert demo_files(seed=7) != files


def test_paper_titles_are_distinct_after_normalising(files, entries, papers):
    first: dict[int, str] = {}
    for pid, _, entry in _occurrences(files, entries):
        first.setdefault(pid, normalise_title(_title(entry)))
    assert len(set(first.values())) == len(first) == 1058
    assert len({normalise_title(p.title) for p in papers}) == len(papers) == 1058


def test_duplicates_differ_from_the_first_copy_but_stay_recognisable(files, entries):
    first: dict[int, dict] = {}
    for pid, f, entry in _occurrences(files, entries):
        if pid not in first:
            first[pid] = entry
            continue
        original = first[pid]
        assert _fingerprint(entry) != _fingerprint(original), (pid, f.filename)
        assert normalise_title(_title(entry)) == normalise_title(_title(original))
        assert _year(entry) == _year(original)
        if entry.get("accession_number"):
            assert entry["accession_number"] != original.get("accession_number")
        if entry.get("doi") and original.get("doi"):
            assert entry["doi"].lower().removeprefix("https://doi.org/") == original["doi"].lower()


def test_records_have_realistic_fields(files, entries):
    first: dict[int, dict] = {}
    for pid, _, entry in _occurrences(files, entries):
        first.setdefault(pid, entry)
    for entry in first.values():
        abstract = entry.get("abstract") or entry.get("notes_abstract") or ""
        assert 120 <= len(abstract.split()) <= 250
        assert 1 <= len(entry["authors"]) <= 6
        assert 3 <= len(entry["keywords"]) <= 6
        assert 1997 <= int(_year(entry)) <= 2008
        assert "id" not in entry  # ground-truth ids stay out of the files
    share_doi = sum(bool(e.get("doi")) for e in first.values()) / len(first)
    assert 0.6 <= share_doi <= 0.8
    types = Counter(e["type_of_reference"] for e in first.values())
    assert set(types) == {"JOUR", "RPRT", "BOOK", "CHAP"}


def test_intended_screening_outcomes_reproduce_the_reported_flow(papers):
    intended = Counter(p.intended for p in papers)
    assert intended == {
        "exclude_title_abstract": 895,
        "exclude_full_text": 132,
        "include_outcomes": 15,
        "include_process": 16,
    }


def test_command_line_writes_the_files(files, tmp_path, capsys):
    assert main([str(tmp_path)]) == 0
    for f in files:
        assert (tmp_path / f.filename).read_text(encoding="utf-8") == f.text
    assert len(list(tmp_path.iterdir())) == len(files)
    assert "1288 records" in capsys.readouterr().out
