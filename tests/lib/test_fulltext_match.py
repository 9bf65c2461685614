"""Matching a PDF to its report: DOI, then PMID, then title; reference lists do not mislead."""

from __future__ import annotations

import io

import pytest

from lib.fulltext.match import Candidate, Match, find_identifiers, match_pdf
from lib.fulltext.pdf import make_pdf, read_pdf

TRIAL = "School-based physical activity and fitness in children: a cluster randomised trial"
SIMILAR = "Home-based physical activity and fatness in adolescents: a cluster randomised trial"
SALT = "Dietary salt reduction and blood pressure in older adults"

CANDIDATES = [
    Candidate(1, TRIAL, doi="10.1093/pubmed/fdh150", pmid="15313601"),
    Candidate(2, SALT, doi="https://doi.org/10.1136/BMJ.B1234", pmid="19321234"),
    Candidate(3, "Sleep and screen time in toddlers: a cohort study"),
]

FRONT = (
    "Journal of Public Health | Vol. 26, No. 3 | pp. 250-258\n"
    "School-based physical activity and fitness in\nchildren: a cluster randomised trial\n"
    "J. Smith, A. Jones\nAbstract Background Children move too little.\n"
)
# What a first page's text looks like after the abstract: long enough that the reference
# list of page 3 starts well past the head.
BODY = "Methods and results of the trial are described here in some detail. " * 40


def references(*dois: str) -> str:
    return "References\n" + "\n".join(
        f"{n}. Author A. Another paper. J Ex. 2001;1:1-9. doi:{doi}"
        for n, doi in enumerate(dois, 1)
    )


# --- find_identifiers ---------------------------------------------------------------------


def test_dois_in_text_are_normalised():
    text = "https://doi.org/10.1093/PUBMED/FDH150. See also (doi:10.1136/bmj.b1234)."
    assert find_identifiers(text, "report.pdf") == (
        {"10.1093/pubmed/fdh150", "10.1136/bmj.b1234"},
        set(),
    )


@pytest.mark.parametrize(
    ("text", "pmid"),
    [
        ("PMID: 15313601", "15313601"),
        ("pmid 123456", "123456"),
        ("PubMed ID: 19321234", "19321234"),
        ("PMID:1234567.", "1234567"),
    ],
)
def test_pmids_in_text(text, pmid):
    assert find_identifiers(f"Some text. {text} More text.", "report.pdf") == (set(), {pmid})


def test_other_numbers_are_not_pmids():
    text = "PMCID: PMC1234567. NCT01234567. Received 12345678. ISSN 12345678."
    assert find_identifiers(text, "report.pdf") == (set(), set())


@pytest.mark.parametrize(
    ("filename", "dois"),
    [
        ("10.1093_pubmed_fdh150.pdf", {"10.1093/pubmed_fdh150", "10.1093/pubmed/fdh150"}),
        ("10.1136_bmj.b1234.PDF", {"10.1136/bmj.b1234"}),
        ("10.1136%2Fbmj.b1234.pdf", {"10.1136/bmj.b1234"}),
        ("smith 2004 - doi 10.1136_BMJ.B1234 (1).pdf", {"10.1136/bmj.b1234"}),
        ("pdfs/10.1136_bmj.b1234.pdf", {"10.1136/bmj.b1234"}),
        ("pdfs\\10.1136_bmj.b1234.pdf", {"10.1136/bmj.b1234"}),
    ],
)
def test_dois_in_file_names(filename, dois):
    assert find_identifiers("", filename) == (dois, set())


@pytest.mark.parametrize(
    ("filename", "pmids"),
    [
        ("31234567.pdf", {"31234567"}),
        ("1234567.pdf", {"1234567"}),
        ("PMID_15313601.pdf", {"15313601"}),
        ("123456.pdf", set()),  # too short to be taken for a PMID on its own
        ("2020 smith.pdf", set()),
        ("smith2020.pdf", set()),
    ],
)
def test_pmids_in_file_names(filename, pmids):
    assert find_identifiers("", filename) == (set(), pmids)


# --- match_pdf: identifiers ---------------------------------------------------------------


def test_a_doi_in_the_text_is_certain():
    text = (
        "Journal of Something\ndoi: 10.1136/bmj.b1234\nA paper whose title differs from the record"
    )
    assert match_pdf(text, "scan.pdf", "", CANDIDATES) == Match(2, "doi", 1.0, True)


def test_a_doi_in_the_file_name_is_certain():
    assert match_pdf("", "10.1093_pubmed_fdh150.pdf", "", CANDIDATES) == Match(1, "doi", 1.0, True)
    assert match_pdf("", "10.1136%2Fbmj.b1234.pdf", "", CANDIDATES) == Match(2, "doi", 1.0, True)


def test_a_pmid_is_certain_when_no_doi_matches():
    assert match_pdf("PMID: 19321234", "a.pdf", "", CANDIDATES) == Match(2, "pmid", 1.0, True)
    assert match_pdf("", "15313601.pdf", "", CANDIDATES) == Match(1, "pmid", 1.0, True)


def test_a_doi_wins_over_a_pmid():
    text = "PMID: 19321234\ndoi: 10.1093/pubmed/fdh150"
    assert match_pdf(text, "a.pdf", "", CANDIDATES) == Match(1, "doi", 1.0, True)


def test_the_earliest_candidate_doi_wins():
    text = "doi: 10.1136/bmj.b1234 comments on doi: 10.1093/pubmed/fdh150"
    assert match_pdf(text, "a.pdf", "", CANDIDATES).candidate_id == 2
    # ... but the file name comes first.
    assert match_pdf(text, "10.1093_pubmed_fdh150.pdf", "", CANDIDATES).candidate_id == 1


def test_a_doi_of_no_candidate_does_not_block_the_title():
    text = "doi: 10.9999/unrelated.2004\n" + FRONT
    assert match_pdf(text, "a.pdf", "", CANDIDATES) == Match(1, "title", 1.0, True)


def test_a_reference_list_doi_does_not_beat_the_title():
    # Report 3's PDF cites report 2 (both in the review); report 3 has no DOI on record.
    own = Candidate(3, TRIAL)
    cited = Candidate(2, SALT, doi="10.1136/bmj.b1234")
    text = FRONT + BODY + references("10.1000/xyz123", "10.1136/bmj.b1234")
    assert text.index("10.1136/bmj.b1234") > 2000
    assert match_pdf(text, "a.pdf", "", [cited, own]) == Match(3, "title", 1.0, True)


def test_a_late_doi_the_title_agrees_with_is_certain():
    text = FRONT + BODY + "Copyright 2004. doi:10.1093/pubmed/fdh150"
    assert match_pdf(text, "a.pdf", "", CANDIDATES) == Match(1, "doi", 1.0, True)


def test_a_late_doi_alone_is_only_a_suggestion():
    text = "Scanned cover page\n" + BODY + references("10.1136/bmj.b1234")
    assert match_pdf(text, "a.pdf", "", CANDIDATES) == Match(2, "doi", 1.0, False)


def test_a_late_pmid_alone_is_only_a_suggestion():
    text = "Scanned cover page\n" + BODY + "1. Salt paper. PMID: 19321234"
    assert match_pdf(text, "a.pdf", "", CANDIDATES) == Match(2, "pmid", 1.0, False)


def test_candidate_identifiers_in_any_case_or_form_match():
    candidates = [
        Candidate(7, "X", doi="DOI: 10.1093/PubMed/FDH150"),
        Candidate(8, "Y", pmid=" 0012345 "),
    ]
    assert match_pdf("doi 10.1093/pubmed/fdh150", "a.pdf", "", candidates).candidate_id == 7
    assert match_pdf("PMID: 12345", "a.pdf", "", candidates).candidate_id == 8


# --- match_pdf: titles --------------------------------------------------------------------


def test_a_title_at_the_top_of_the_text_is_certain():
    assert match_pdf(FRONT, "scan.pdf", "", CANDIDATES) == Match(1, "title", 1.0, True)


def test_the_document_title_is_compared_too():
    text = "Unreadable cover " * 80
    match = match_pdf(
        text,
        "a.pdf",
        "School-based physical activity and fitness in children: a cluster-randomised trial.",
        CANDIDATES,
    )
    assert match == Match(1, "title", 1.0, True)


def test_a_junk_document_title_does_no_harm():
    assert match_pdf(FRONT, "a.pdf", "Microsoft Word - draft3.docx", CANDIDATES).candidate_id == 1


def test_a_similar_title_is_uncertain():
    candidates = [Candidate(5, SIMILAR), Candidate(6, SALT)]
    match = match_pdf(FRONT, "a.pdf", "", candidates)
    assert (match.candidate_id, match.method, match.certain) == (5, "title", False)
    assert 0.75 <= match.score < 0.92


def test_two_candidates_with_the_same_title_are_uncertain():
    candidates = [Candidate(1, TRIAL), Candidate(9, TRIAL.upper() + ".")]
    assert match_pdf(FRONT, "a.pdf", "", candidates) == Match(1, "title", 1.0, False)


def test_an_unrelated_pdf_matches_nothing():
    text = "Vitamin D supplementation and fractures in postmenopausal women\nAbstract ..."
    assert match_pdf(text, "a.pdf", "Vitamin D", CANDIDATES) == Match(None, "", 0.0, False)


def test_a_title_far_down_the_text_does_not_count():
    text = "Cover page text. " * 60 + FRONT
    assert match_pdf(text, "a.pdf", "", CANDIDATES).candidate_id is None


def test_a_short_title_is_not_found_inside_any_text():
    candidates = [Candidate(4, "Obesity"), Candidate(5, "Editorial")]
    text = "Editorial\nObesity in children is rising, says this editorial."
    assert match_pdf(text, "a.pdf", "", candidates).candidate_id is None
    assert match_pdf(text, "a.pdf", "Editorial", candidates) == Match(5, "title", 1.0, True)


def test_no_candidates_or_no_text():
    assert match_pdf(FRONT, "10.1093_pubmed_fdh150.pdf", TRIAL, []) == Match(None, "", 0.0, False)
    assert match_pdf("", "a.pdf", "", CANDIDATES) == Match(None, "", 0.0, False)


# --- round trip ---------------------------------------------------------------------------


def test_made_pdfs_match_their_reports():
    for candidate in CANDIDATES:
        data = make_pdf(candidate.title, ["Abstract. Background and methods."], doi="")
        info = read_pdf(io.BytesIO(data), filename="upload.pdf")
        assert match_pdf(info.text, "upload.pdf", info.title, CANDIDATES) == Match(
            candidate.id, "title", 1.0, True
        )
    data = make_pdf("A title the record spells differently", doi="10.1136/bmj.b1234")
    info = read_pdf(io.BytesIO(data), filename="upload.pdf")
    assert match_pdf(info.text, "upload.pdf", info.title, CANDIDATES) == Match(2, "doi", 1.0, True)
