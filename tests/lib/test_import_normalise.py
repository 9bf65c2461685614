"""The pure normalisation functions: DOI, year, pages, authors, keywords, abstracts, PMID."""

import pytest

from lib.imports.normalise import (
    clean,
    doi_in_url,
    join_abstracts,
    join_pages,
    normalise_doi,
    parse_year,
    pmid_digits,
    pmid_in_url,
    split_authors_cell,
    split_keywords,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1000/XYZ.123", "10.1000/xyz.123"),
        ("https://doi.org/10.1000/abc", "10.1000/abc"),
        ("http://dx.doi.org/10.4236/ojf.2020.101008", "10.4236/ojf.2020.101008"),
        ("https://dx.doi.org/10.1186/s11689-021-09396-9", "10.1186/s11689-021-09396-9"),
        ("doi:10.1000/abc", "10.1000/abc"),
        ("DOI: 10.1000/abc.", "10.1000/abc"),
        ("  10.1000/abc  ", "10.1000/abc"),
        ("10.1038%2Fs41467-024-46843-2", "10.1038/s41467-024-46843-2"),
        ("10.1038/s41467-024-48400-3     LK  - https://x.org", "10.1038/s41467-024-48400-3"),
        ("10.2165/11586800-000000000-00000", "10.2165/11586800-000000000-00000"),
        ("", ""),
        ("not a doi", ""),
        ("Article", ""),
    ],
)
def test_normalise_doi(value: str, expected: str) -> None:
    assert normalise_doi(value) == expected


def test_doi_in_url_only_trusts_doi_org_links() -> None:
    assert doi_in_url("http://dx.doi.org/10.1002/ar.25520") == "10.1002/ar.25520"
    assert doi_in_url("https://publisher.example/article/10.1002/ar.25520") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020", 2020),
        ("2024/04/03/", 2024),
        ("2024///", 2024),
        ("1989//", 1989),
        ("Spring 1999", 1999),
        ("03/2015", 2015),
        ('="4/3/2024"', 2024),
        ("20220518//", None),  # eight digits are a date without separators, not a year
        ("n.d.", None),
        ("in press", None),
        ("0999", None),
        ("2101", None),
        ("", None),
    ],
)
def test_parse_year(value: str, expected: int | None) -> None:
    assert parse_year(value) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("12", "19", "12-19"),
        ("349-69", "", "349-69"),
        ("349-69", "369", "349-69"),
        ("e1234", "", "e1234"),
        ("15", "15", "15"),
        ("", "20", "20"),
        ("", "", ""),
        (" 1735 ", " 1780 ", "1735-1780"),
    ],
)
def test_join_pages(start: str, end: str, expected: str) -> None:
    assert join_pages(start, end) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Bywater, T; Hutchings, J; Whitaker, C", ["Bywater, T", "Hutchings, J", "Whitaker, C"]),
        ("Wilson L.N.; Gardner J.D.", ["Wilson L.N.", "Gardner J.D."]),
        ("Alby,Francesca;Zucchermaglio,Cristina", ["Alby,Francesca", "Zucchermaglio,Cristina"]),
        ("Yang, Z. and Jiang, B. and Xu, J.", ["Yang, Z.", "Jiang, B.", "Xu, J."]),
        ("Griffin DK, Larkin DM, O'Connor RE.", ["Griffin DK", "Larkin DM", "O'Connor RE"]),
        ("Liu R., Adler D.G.", ["Liu R.", "Adler D.G."]),
        ("Smith J, Jones K, et al.", ["Smith J", "Jones K"]),
        ("Smith, John", ["Smith, John"]),
        ("Curry Rogers, Kristina", ["Curry Rogers, Kristina"]),
        ("Sheng-Hsin Su", ["Sheng-Hsin Su"]),
        ("", []),
        ("  ;  ", []),
    ],
)
def test_split_authors_cell(cell: str, expected: list[str]) -> None:
    assert split_authors_cell(cell) == expected


def test_split_keywords_splits_on_semicolons_and_drops_repeats() -> None:
    assert split_keywords(["a; b", "c", "b", " ", "d;"]) == ["a", "b", "c", "d"]


def test_join_abstracts_drops_duplicates_and_keeps_paragraphs() -> None:
    assert join_abstracts(["Background.\nMethods."]) == "Background.\nMethods."
    assert join_abstracts(["First part.", "Second part."]) == "First part. Second part."
    assert join_abstracts(["Same text.", "Same  text."]) == "Same text."
    assert join_abstracts(["Short.", "Short. And longer."]) == "Short. And longer."
    assert join_abstracts(["", "  "]) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("21314913", "21314913"),
        ("PUBMED 21314913", "21314913"),
        ("PMID: 21314913", "21314913"),
        ("Eur J Med Genet. 2020 Feb;63(2):103640", ""),
        ("", ""),
    ],
)
def test_pmid_digits(value: str, expected: str) -> None:
    assert pmid_digits(value) == expected


def test_pmid_in_url() -> None:
    assert pmid_in_url("https://www.ncbi.nlm.nih.gov/pubmed/31124079") == "31124079"
    assert pmid_in_url("https://pubmed.ncbi.nlm.nih.gov/38580657/") == "38580657"
    assert pmid_in_url("https://example.org/31124079") == ""


def test_clean_collapses_whitespace_of_continuation_lines() -> None:
    assert clean("  A title\ncontinued  here ") == "A title continued here"
