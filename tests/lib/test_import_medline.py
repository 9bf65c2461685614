"""PubMed/MEDLINE tagged exports (.nbib, .txt, and when named .ris)."""

from collections.abc import Callable
from pathlib import Path

from .conftest import FIXTURES, read_all

Write = Callable[..., Path]


def test_pubmed_example_with_multi_line_title_and_abstract() -> None:
    reader, records = read_all(FIXTURES / "synthesisr__PubMed_example.txt")
    assert (reader.format, len(records), reader.warnings) == ("medline", 3, [])
    first = records[0]
    assert first.title == (
        "Differences in nitrate and phosphorus export between wooded and grassed riparian "
        "zones from farmland to receiving waterways under varying rainfall conditions."
    )
    assert first.abstract.startswith(
        "Agricultural activities in catchments can cause excessive nutrient loads in "
        "waterways. Catchment nitrogen (N) and phosphorus (P) flows may be intercepted"
    )
    assert "\n" not in first.abstract
    assert first.raw_fields["AB"].count("\n") == 24  # the file's 25 lines, as they were
    assert first.authors[:2] == ["Neilen, Amanda D", "Chen, Chengrong R"]  # FAU, not AU
    assert (first.pmid, first.doi, first.year) == (
        "28441597",
        "10.1016/j.scitotenv.2017.04.075",
        2017,
    )
    assert (first.journal, first.volume, first.pages, first.language, first.type) == (
        "The Science of the total environment",
        "598",
        "188-197",
        "eng",
        "Journal Article",
    )
    assert first.raw_fields["LID"] == [
        "S0048-9697(17)30912-9 [pii]",
        "10.1016/j.scitotenv.2017.04.075 [doi]",
    ]
    assert [r.line for r in records] == [1, 92, 190]


def test_nbib_with_crlf_keeps_mesh_and_other_terms_as_keywords() -> None:
    reader, records = read_all(FIXTURES / "buhos__pubmed-depression-set.nbib")
    assert (reader.format, len(records)) == ("medline", 3)
    first = records[0]
    assert first.title == (
        "The association between cardiovascular health and depression: Results from the "
        "2007-2020 NHANES."
    )
    assert first.abstract.startswith(
        "BACKGROUND: Limited research has been conducted on the correlation between Life's "
        "Essential 8 (LE8)"
    )
    assert (first.pmid, first.doi) == ("38064908", "10.1016/j.psychres.2023.115663")
    assert "Cardiovascular Diseases/epidemiology" in first.keywords  # "*" of a major topic dropped
    assert not first.raw_text.endswith("\n\n")
    assert "\r" not in first.raw_text


def test_records_split_at_blank_lines_and_at_a_new_pmid(export_file: Write) -> None:
    data = (
        "\nPMID- 1\nTI  - One\nAB  - First line\n      second line\nFAU - Smith, John\n\n\n"
        "PMID- 2\nTI  - Two\nDP  - in press\nPMID- 3\nTI  - Three\nAU  - Jones K\n"
    )
    reader, records = read_all(export_file(data, "pubmed.ris"))
    assert reader.format == "medline"
    assert [(r.pmid, r.title, r.line) for r in records] == [
        ("1", "One", 2),
        ("2", "Two", 9),
        ("3", "Three", 12),
    ]
    assert records[0].abstract == "First line second line"
    assert records[0].raw_text == (
        "PMID- 1\nTI  - One\nAB  - First line\n      second line\nFAU - Smith, John\n"
    )
    assert records[1].year is None and records[1].warnings == ["year not understood: DP 'in press'"]
    assert records[2].authors == ["Jones K"]
