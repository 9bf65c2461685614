"""lib.dedup.score: each way two printings of one paper differ, as a concrete pair.

`relate(a, b)` compares both ways round and insists on the same answer, so every case here
also checks that the order of two records never changes whether they are merged.
"""

from dataclasses import replace

import pytest

from lib.dedup import Citation, Kind, Match, Rule, compare, key_of
from lib.dedup.score import author_similarity, title_similarity

TITLE = "Inhaled corticosteroids for asthma in children: a randomised controlled trial"
ABSTRACT = (
    "Background: Inhaled corticosteroids are the mainstay of asthma treatment in children, "
    "yet the best dose is uncertain. Methods: We randomly assigned 412 children aged 5 to 11 "
    "years to low or medium doses of budesonide for 48 weeks. Results: Exacerbations were "
    "fewer with the medium dose. Conclusions: A medium dose reduced exacerbations."
)
PAPER = Citation(
    id="paper",
    title=TITLE,
    authors=("Smith, John K.", "Lee, Ann", "García, María"),
    year=2019,
    journal="Journal of Clinical Epidemiology",
    volume="72",
    issue="3",
    pages="210-221",
    doi="10.1016/j.jclinepi.2019.01.002",
    pmid="30612345",
    abstract=ABSTRACT,
    type="JOUR",
)
# A second printing without identifiers, so that the rule under test has to do the work.
BARE = replace(PAPER, id="copy", doi="", pmid="")


def relate(a: Citation, b: Citation) -> Match | None:
    forward = compare(key_of(a), key_of(b))
    backward = compare(key_of(b), key_of(a))
    assert forward == backward
    return forward


def copy(**fields: object) -> Citation:
    return replace(BARE, **fields)


@pytest.mark.parametrize(
    ("other", "rule"),
    [
        (copy(doi=PAPER.doi, title=TITLE.replace("randomised", "randomized"), pages=""), Rule.DOI),
        (copy(doi="https://doi.org/10.1016/J.JCLINEPI.2019.01.002", volume=""), Rule.DOI),
        (copy(pmid=PAPER.pmid, year=2018, pages="", volume=""), Rule.PMID),
        # Identical normalised title, year, first author and pages or volume.
        (BARE, Rule.EXACT),
        (copy(title=TITLE.upper() + "."), Rule.EXACT),
        (copy(title=TITLE.replace(":", " -")), Rule.EXACT),
        (copy(title=TITLE.replace(":", "&#58;")), Rule.EXACT),
        (copy(title=f"<i>{TITLE}</i>"), Rule.EXACT),
        (copy(authors=("Smith, John K.", "Lee, Ann", "Garcia, Maria")), Rule.EXACT),
        (copy(authors=("Smith JK", "Lee A", "Garcia M")), Rule.EXACT),
        (copy(authors=("John K. Smith", "Ann Lee", "María García")), Rule.EXACT),
        (copy(authors=("Smith JK", "et al.")), Rule.EXACT),
        (copy(authors=("Smith, J. K., et al.",)), Rule.EXACT),
        (copy(abstract=""), Rule.EXACT),
        (copy(pages="210-21"), Rule.EXACT),
        (copy(journal="J Clin Epidemiol", pages=""), Rule.EXACT),
        (copy(title=f"[{TITLE}]."), Rule.EXACT),
        (copy(title=f"{TITLE} [Article in German]"), Rule.EXACT),
        (copy(title=f"Inhalative Kortikosteroide bei Asthma im Kindesalter; {TITLE}"), Rule.EXACT),
        (copy(title=f"{TITLE} [Erratum appears in J Clin Epidemiol 2019;73:100]"), Rule.EXACT),
        # A typo in the title, the rest agreeing.
        (copy(title=TITLE.replace("corticosteroids", "corticosteriods")), Rule.CLOSE),
        # Online first in 2018, in print in 2019: volume and page settle it.
        (copy(year=2018), Rule.CITATION),
        # One database left the subtitle out.
        (copy(title="Inhaled corticosteroids for asthma in children"), Rule.CITATION),
        # No pages or volume on either side, one abstract missing: authors and journal agree.
        (copy(volume="", pages="", abstract="", journal="J Clin Epidemiol"), Rule.IDENTICAL),
    ],
    ids=lambda value: value.title[:20] if isinstance(value, Citation) else str(value),
)
def test_certain_matches(other: Citation, rule: Rule) -> None:
    match = relate(PAPER if rule in (Rule.DOI, Rule.PMID) else BARE, other)
    assert match is not None
    assert (match.kind, match.rule) == (Kind.CERTAIN, rule)


def test_certain_matches_across_every_variation_at_once() -> None:
    messy = copy(
        title=f"[{TITLE.upper()}]. [Article in German]",
        authors=("SMITH JK", "et al."),
        journal="J Clin Epidemiol",
        pages="210-21",
        abstract="",
    )
    match = relate(BARE, messy)
    assert match is not None and match.kind is Kind.CERTAIN


def test_greek_letters_spelt_out_or_not_are_one_title() -> None:
    a = copy(title="β-Blockers after myocardial infarction in patients with COPD")
    b = copy(title="beta-Blockers after myocardial infarction in patients with COPD")
    c = copy(title="&beta;-blockers after myocardial infarction in patients with COPD")
    assert relate(a, b) == relate(a, c) == Match(Kind.CERTAIN, Rule.EXACT, 1.0)


def test_authors_without_any_names_match_on_the_citation() -> None:
    match = relate(copy(authors=()), copy(authors=("Anonymous",)))
    assert match is not None and (match.kind, match.rule) == (Kind.CERTAIN, Rule.ANONYMOUS)


# --- notices: an erratum, a correction or a comment is never the paper ------------------


@pytest.mark.parametrize(
    "title",
    [
        f"Erratum: {TITLE}",
        f"Correction to: {TITLE}",
        f"Author Correction: {TITLE}",
        f"Retraction Note: {TITLE}",
        f"Comment on: {TITLE}",
        f"{TITLE} (vol 72, pg 210, 2019)",
        f"Eratum to: {TITLE}",
    ],
)
def test_a_notice_is_never_merged_with_its_paper(title: str) -> None:
    # Not even with the paper's own DOI and PubMed ID, volume and pages, as some databases
    # attach them to the notice.
    assert relate(PAPER, replace(PAPER, id="notice", title=title)) is None
    # Nor when the notice has no page numbers and no abstract, so the title alone is left.
    assert relate(BARE, copy(title=title, pages="", volume="", abstract="")) is None


def test_two_printings_of_one_erratum_are_duplicates() -> None:
    erratum = copy(title=f"Erratum: {TITLE}", volume="73", pages="100", abstract="")
    match = relate(erratum, replace(erratum, id="again", title=f"ERRATUM: {TITLE.lower()}"))
    assert match is not None and match.kind is Kind.CERTAIN


# --- conference abstract, then the journal article: similar, not the same ----------------

ABSTRACT_2018 = copy(
    year=2018,
    journal="American Thoracic Society International Conference",
    volume="",
    issue="",
    pages="",
    abstract="",
    type="CONF",
)


@pytest.mark.parametrize(
    "conference",
    [
        ABSTRACT_2018,
        # In the journal's supplement, so typed as a journal record by the database.
        replace(
            ABSTRACT_2018,
            journal="Am J Respir Crit Care Med",
            volume="197",
            pages="A1234",
            type="JOUR",
        ),
        replace(ABSTRACT_2018, type="Conference Abstract", abstract=ABSTRACT),
        replace(ABSTRACT_2018, year=2019),
        replace(ABSTRACT_2018, year=2017),
    ],
)
def test_a_conference_abstract_is_not_merged_with_the_later_article(conference: Citation) -> None:
    match = relate(BARE, conference)
    assert match is None or match.kind is Kind.PROBABLE


def test_a_conference_abstract_two_years_earlier_is_unrelated() -> None:
    assert relate(BARE, replace(ABSTRACT_2018, year=2017)) is None


# --- preprint and published version: related, not duplicate -----------------------------


@pytest.mark.parametrize(
    "preprint",
    [
        copy(journal="medRxiv", doi="10.1101/2018.06.01.18012345", volume="", pages="", year=2018),
        copy(journal="Research Square", doi="10.21203/rs.3.rs-1234/v1", volume="", pages=""),
        copy(journal="", doi="10.1101/2018.06.01.18012345", volume="", pages="", issue=""),
        copy(title=TITLE.lower(), journal="SSRN", volume="", pages="", authors=("Smith J",)),
    ],
)
def test_a_preprint_and_its_published_version_are_related(preprint: Citation) -> None:
    for published in (PAPER, BARE):
        assert relate(published, preprint) == Match(Kind.RELATED, Rule.PREPRINT, 1.0)


def test_a_preprint_of_another_paper_is_unrelated() -> None:
    other = copy(
        title="Montelukast for wheeze in preschool children",
        journal="medRxiv",
        doi="10.1101/2018.06.01.18012399",
        volume="",
        pages="",
    )
    assert relate(BARE, other) is None


def test_two_copies_of_one_preprint_are_duplicates() -> None:
    preprint = copy(journal="medRxiv", doi="10.1101/2018.06.01.18012345", volume="", pages="")
    match = relate(preprint, replace(preprint, id="v2", abstract="", title=TITLE.upper()))
    assert match is not None and (match.kind, match.rule) == (Kind.CERTAIN, Rule.DOI)


# --- identifiers -------------------------------------------------------------------------


def test_same_title_with_different_dois_goes_to_a_person() -> None:
    other = replace(PAPER, id="other", doi="10.1016/j.jclinepi.2019.01.099", abstract="")
    match = relate(PAPER, other)
    assert match is not None
    assert (match.kind, match.rule) == (Kind.PROBABLE, Rule.PROBABLE_IDS_DIFFER)


def test_different_dois_are_overruled_only_by_every_other_field_abstract_included() -> None:
    other = replace(PAPER, id="other", doi="10.1183/13993003.congress-2019.PA123", pmid="")
    match = relate(PAPER, other)
    assert match is not None and (match.kind, match.rule) == (Kind.CERTAIN, Rule.SAME_CONTENT)
    shorter = replace(other, abstract=ABSTRACT[:150])
    assert relate(PAPER, shorter) == relate(PAPER, replace(other, abstract=""))
    assert relate(PAPER, shorter).kind is Kind.PROBABLE  # type: ignore[union-attr]


def test_a_supplement_doi_shared_by_different_abstracts_is_no_match() -> None:
    supplement = "10.1183/13993003.congress-2019"
    one = copy(doi=supplement, pages="PA101", volume="54")
    two = copy(
        doi=supplement,
        pages="PA102",
        volume="54",
        title="Mepolizumab in severe eosinophilic asthma: real-world outcomes",
        authors=("Brown P", "Kaur R"),
    )
    assert relate(one, two) is None


def test_one_doi_printed_in_two_places_goes_to_a_person() -> None:
    # The paper's DOI on a record of another volume and page: a republication, or a notice
    # whose label was lost, carrying the DOI it is about.
    elsewhere = replace(PAPER, id="elsewhere", volume="73", pages="1053", abstract="")
    match = relate(PAPER, elsewhere)
    assert match is not None
    assert (match.kind, match.rule) == (Kind.PROBABLE, Rule.PROBABLE_ID_CITATION)
    assert relate(PAPER, replace(elsewhere, title="Budesonide dosing in adults")) is None
    # Another page and no authors to agree: the same.
    anonymous = replace(elsewhere, volume="72", authors=())
    assert relate(PAPER, anonymous).rule is Rule.PROBABLE_ID_CITATION  # type: ignore[union-attr]
    # Volume or page alone may be misprinted when the authors agree: the DOI decides.
    for fields in ({"volume": "72"}, {"pages": "210-221"}, {"volume": "", "pages": ""}):
        match = relate(PAPER, replace(elsewhere, **fields))
        assert match is not None and (match.kind, match.rule) == (Kind.CERTAIN, Rule.DOI)


def test_same_doi_with_a_different_title_goes_to_a_person() -> None:
    other = copy(doi=PAPER.doi, title="Budesonide dosing in school-age asthma", pages="")
    match = relate(PAPER, other)
    assert match is not None
    assert (match.kind, match.rule) == (Kind.PROBABLE, Rule.PROBABLE_ID_TITLE)


# --- fields that disagree ----------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        copy(pages="310-321"),
        copy(volume="73"),
        copy(year=2021),
        copy(
            title="Montelukast for wheeze in preschool children: a randomised controlled trial",
            authors=("Brown P", "Kaur R"),
        ),
    ],
    ids=["pages", "volume", "year", "title"],
)
def test_a_disagreeing_field_keeps_papers_apart(other: Citation) -> None:
    """Never merged; a person may be asked (everything else agreeing, pages apart)."""
    match = relate(BARE, other)
    assert match is None or match.kind is Kind.PROBABLE


def test_a_journal_club_commentary_sharing_title_author_and_volume_is_not_merged() -> None:
    commentary = copy(journal="ACP Journal Club", pages="", abstract="", authors=("Smith JK",))
    match = relate(BARE, commentary)
    assert match is None or match.kind is not Kind.CERTAIN


def test_a_translated_title_with_the_same_citation_goes_to_a_person() -> None:
    german = copy(title="Inhalative Kortikosteroide bei Asthma im Kindesalter: eine Studie")
    match = relate(copy(title=f"[{TITLE}]"), german)
    assert match is not None
    assert (match.kind, match.rule) == (Kind.PROBABLE, Rule.PROBABLE_CITATION)


def test_similar_title_and_authors_without_a_citation_go_to_a_person() -> None:
    reworded = copy(
        title="Inhaled corticosteroids in asthmatic children: a randomised controlled trial",
        volume="",
        pages="",
        journal="",
    )
    match = relate(BARE, reworded)
    assert match is not None
    assert (match.kind, match.rule) == (Kind.PROBABLE, Rule.PROBABLE_TITLE)


# --- the similarity measures -------------------------------------------------------------


def test_title_similarity_forgives_a_dropped_subtitle_but_not_a_different_title() -> None:
    long_ = key_of(copy())
    short = key_of(copy(title="Inhaled corticosteroids for asthma in children"))
    assert title_similarity(long_, short) >= 0.95
    other = key_of(copy(title="Inhaled corticosteroids for asthma in adults"))
    assert title_similarity(short, other) < 0.95


def test_author_similarity_reads_a_list_cut_by_et_al_and_names_printed_two_ways() -> None:
    assert author_similarity(("smith", "lee", "garcia"), ("smith",)) == 1.0
    assert author_similarity(("muller", "lee"), ("mueller", "lee")) == pytest.approx(0.95)
    assert author_similarity(("smith", "lee"), ("brown", "kaur")) == 0.0
    assert author_similarity((), ("smith",)) is None


def test_a_number_apart_is_another_paper() -> None:
    """'Part 1' and 'Part 2' of a series by the same authors in the same journal and year,
    both without pages: similar enough to ask about, never merged."""
    part = replace(BARE, title=TITLE + ": part 1", volume="", pages="", abstract="")
    match = relate(part, replace(part, id="part2", title=TITLE + ": part 2"))
    assert match is not None and match.kind is Kind.PROBABLE
    phase = replace(part, title="A phase II trial of budesonide in children")
    assert (
        relate(
            phase, replace(phase, id="p3", title="A phase III trial of budesonide in children")
        ).kind
        is Kind.PROBABLE
    )
    assert (
        relate(part, replace(part, id="again", title=TITLE.upper() + ": PART 1.")).kind
        is Kind.CERTAIN
    )


def test_numbers_only_on_one_side_are_no_conflict() -> None:
    """An erratum note with its citation appended, or a formula printed with markup."""
    noted = copy(title=TITLE + " [Erratum appears in J Clin Epidemiol 2020;73(2):99]")
    assert relate(PAPER, noted).kind is Kind.CERTAIN
    formula = replace(BARE, title="Ca<sup>2+</sup> handling in smooth muscle cells")
    assert (
        relate(
            formula, replace(formula, id="plain", title="Ca2+ handling in smooth muscle cells")
        ).kind
        is Kind.CERTAIN
    )


# --- issue #18: the classes behind the misses on unseen sets ------------------------------

EDITORIAL = Citation(
    id="ed1",
    title="Editor's Comments",
    authors=("Weber, Ron",),
    year=2002,
    journal="MIS Quarterly",
    volume="26",
    issue="1",
    type="article",
)


@pytest.mark.parametrize(
    "title", ["Editor's Comments", "Remarks from the Editor - Editor's Comments"]
)
def test_an_editorial_series_one_per_issue_is_never_merged(title: str) -> None:
    """One editor's column in every issue of a volume, same title, no pages: the issue
    that differs outweighs everything that agrees."""
    first = replace(EDITORIAL, title=title)
    for issue in ("2", "3", "4"):
        match = relate(first, replace(first, id=f"ed{issue}", issue=issue))
        assert match is None or match.kind is Kind.PROBABLE
    assert relate(first, replace(first, id="again")).kind is Kind.CERTAIN


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (("Wu, Ching-yi", "Yang, Chieh-ling", "Chuang, Li-ling"),
         ("Ching-yi, Wu", "Chieh-ling, Yang", "Li-ling, Chuang")),
        (("Rubio, M. L.", "Perez, J."), ("Lopez, Rubio M.", "Perez, J.")),
        (("Kang, S. H.", "Kim, D. K.", "Seo, K. M."),
         ("Si Hyun Kang, null", "Kim, D. K.", "Kyung Mook Seo, null")),
        (("Lee, Jooa Julia", "Gino, Francesca"), ("Jooa Julia, Lee", "Gino, Francesca")),
        (("van der Berg, A.", "de la Cruz, M."), ("Berg, A. van der", "Cruz, M. de la")),
    ],
    ids=["given-first", "compound", "null-given-name", "first-author-swapped", "particles"],
)  # fmt: skip
def test_author_names_written_family_first_or_given_first_are_one_list(
    ours: tuple[str, ...], theirs: tuple[str, ...]
) -> None:
    a = copy(authors=ours, abstract="", issue="")
    b = replace(a, id="other", authors=theirs)
    match = relate(a, b)
    assert match is not None and match.kind is Kind.CERTAIN


def test_name_words_match_a_family_name_read_from_the_wrong_place() -> None:
    a, b = key_of(copy(authors=("Wu, Ching-yi",))), key_of(copy(authors=("Ching-yi, Wu",)))
    assert author_similarity(a.surnames, b.surnames) == 0.0
    assert author_similarity(a.surnames, b.surnames, a.name_words, b.name_words) == 0.9
    other = key_of(copy(authors=("Brown, Ching-yi",)))
    assert author_similarity(a.surnames, other.surnames, a.name_words, other.name_words) == 0.0


@pytest.mark.parametrize(
    "pages",
    ["210", "210-21", "210-221; discussion 222", "e210-e221", ""],
    ids=["first-page-only", "abbreviated", "extras", "e-pages", "missing"],
)
def test_pages_in_other_shapes_are_the_same_pages(pages: str) -> None:
    match = relate(copy(abstract=""), copy(id="other", pages=pages, abstract=""))
    assert match is not None and match.kind is Kind.CERTAIN


def test_supplement_pages_numbered_two_ways_merge_on_everything_else() -> None:
    """An abstract printed 'S417-S429' in one database and by its running number in
    another: pages with letters are a looser numbering, the rest of the record decides."""
    a = copy(pages="S417-S429", issue="Suppl 1", abstract="")
    match = relate(a, replace(a, id="other", pages="Suppl-29"))
    assert match is not None and match.kind is Kind.CERTAIN


def test_plain_pages_apart_with_a_generic_title_are_not_merged() -> None:
    a = replace(EDITORIAL, pages="iii-iv")
    match = relate(replace(a, pages="1-2"), replace(a, id="b", pages="7-8"))
    assert match is None or match.kind is Kind.PROBABLE


@pytest.mark.parametrize(
    "title",
    [
        f"MEDICAL PROGRESS: {TITLE}",
        f"{TITLE} - [careers]",
        f"[{TITLE}]",
        TITLE.split(":")[0],  # the subtitle left out
    ],
    ids=["section-heading", "section-label", "translated-brackets", "subtitle-dropped"],
)
def test_titles_with_section_headings_or_labels_are_one_title(title: str) -> None:
    match = relate(copy(abstract=""), copy(id="other", title=title, abstract=""))
    assert match is not None and match.kind is Kind.CERTAIN


def test_a_year_apart_between_online_and_print_merges_on_the_citation() -> None:
    online = copy(year=2018, abstract="", doi="")
    match = relate(online, copy(id="print", year=2019, abstract=""))
    assert match is not None and match.kind is Kind.CERTAIN


@pytest.mark.parametrize(
    "fields",
    [
        {"volume": "", "issue": ""},
        {"volume": "", "issue": "", "abstract": ""},
        {"authors": ("Smith, J.",), "volume": "", "issue": "", "abstract": ""},
        {"journal": "", "volume": "", "issue": "", "abstract": ""},
    ],
    ids=["no-volume", "no-abstract", "one-author", "no-journal"],
)
def test_two_identical_records_are_merged(fields: dict) -> None:
    a = copy(**fields)
    match = relate(a, replace(a, id="twin"))
    assert match is not None and match.kind is Kind.CERTAIN


def test_the_same_authors_in_another_order_merge_on_the_rest_of_the_record() -> None:
    """A different first author in one record (the list printed in another order): every
    other field agrees, and the weighed evidence merges what no rule names."""
    a = copy(abstract="", issue="")
    b = replace(a, id="other", authors=("Lee, Ann", "Smith, John K.", "García, María"))
    match = relate(a, b)
    assert match is not None and (match.kind, match.rule) == (Kind.CERTAIN, Rule.EVIDENCE)
    # Other authors altogether, with nothing printed to place the two: no such case.
    bare = replace(a, volume="", pages="")
    match = relate(bare, replace(bare, id="third", authors=("Brown, Peter", "Kaur, Rani")))
    assert match is None or match.kind is Kind.PROBABLE


def test_a_subtitle_added_without_a_citation_to_place_it_is_not_merged() -> None:
    """'...: interim findings' by the same authors in the same journal and year, printed
    nowhere the other is: perhaps an earlier report, so a person decides."""
    interim = copy(
        title=TITLE + ": interim findings", volume="", issue="", pages="", abstract="Early."
    )
    match = relate(BARE, interim)
    assert match is not None and match.kind is Kind.PROBABLE
