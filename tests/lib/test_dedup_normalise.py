"""lib.dedup.normalise: the match keys two printings of one paper must share."""

import pytest

from lib.dedup import Citation, key_of
from lib.dedup.normalise import (
    fold,
    is_notice,
    is_preprint,
    journal_key,
    journals_compatible,
    kind_of,
    pages_key,
    surname,
    surnames,
    title_key,
    volume_key,
)

TITLE = "Inhaled corticosteroids for asthma in children: a randomised controlled trial"
FOLDED = "inhaled corticosteroids for asthma in children a randomised controlled trial"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Inhaled Corticosteroids, for ASTHMA!", "inhaled corticosteroids for asthma"),
        ("  spaced\tout \n words ", "spaced out words"),
        ("Mother &amp; child: caf&eacute; &#946;-blockers", "mother child cafe beta blockers"),
        ("<i>Staphylococcus aureus</i> in H<sub>2</sub>O", "staphylococcus aureus in h2o"),
        ("&lt;i&gt;Escherichia coli&lt;/i&gt;", "escherichia coli"),
        ("García Müller Ærø Øster Straße", "garcia muller aero oster strasse"),
        # Letters NFKD does not take apart, capitals included.
        ("Łukasz Đorđević Işık ŒUVRE", "lukasz dordevic isik oeuvre"),
        ("β-blockers and TNF-α", "beta blockers and tnf alpha"),
        ("", ""),
        ("—…—", ""),
    ],
)
def test_fold(value: str, expected: str) -> None:
    assert fold(value) == expected


def test_fold_spells_greek_letters_as_databases_do() -> None:
    assert fold("β-blockers in TNF-α") == fold("beta-Blockers in TNF-alpha")
    assert fold("&beta;-blockers") == fold("β-blockers")


@pytest.mark.parametrize(
    "title",
    [
        TITLE,
        TITLE.upper(),
        f"[{TITLE}].",
        f"{TITLE} [Article in German]",
        f"{TITLE} (author's transl)",
        f"{TITLE} [Erratum appears in J Clin Epidemiol. 2019;73:100]",
        f"{TITLE} [Retraction in: J Clin Epidemiol. 2020;80:1]",
        TITLE.replace(":", " &#8211;"),
    ],
)
def test_title_key_drops_brackets_labels_and_annotations(title: str) -> None:
    assert title_key(title) == FOLDED


def test_title_printed_with_its_translation_keeps_each_part() -> None:
    key = key_of(Citation(id=1, title=f"Kortikosteroide bei Asthma im Kindesalter; {TITLE}"))
    assert FOLDED in key.title_parts
    assert key_of(Citation(id=2, title=TITLE)).title_parts == ()


@pytest.mark.parametrize(
    "title",
    [
        f"Erratum: {TITLE}",
        f"ERRATUM to: {TITLE}",
        "Erratum",
        "Errata",
        f"Corrigendum to “{TITLE}” [J Clin Epidemiol 72 (2019) 210-221]",
        f"Correction: {TITLE}",
        f"Correction to {TITLE}",
        f"Correction for Smith et al., {TITLE}",
        f"Author Correction: {TITLE}",
        f"Publisher Correction: {TITLE}",
        f"Retraction Note: {TITLE}",
        f"Retraction note to: {TITLE}",
        f"Retraction of: {TITLE}",
        f"Notice of Retraction: {TITLE}",
        f"Retracted: {TITLE}",
        f"RETRACTED ARTICLE: {TITLE}",
        f"Expression of concern: {TITLE}",
        f"Editorial Expression of Concern: {TITLE}",
        f"Withdrawn: {TITLE}",
        f'Comment on "{TITLE}"',
        f"Commentary on: {TITLE}",
        f"Reply to comment on {TITLE}",
        f"Response to letter regarding {TITLE}",
        "Letter to the editor",
        f"Re: {TITLE}",
        # Web of Science titles a correction with where the corrected paper appeared.
        f"{TITLE} (vol 72, pg 210, 2019)",
        f"{TITLE} (vol 9, e104589, 2014)",
        # A hand-typed label one letter off.
        f"Eratum to: {TITLE}",
        f"Correctio to: {TITLE}",
        f"Coorrection: {TITLE}",
    ],
)
def test_notices_are_recognised(title: str) -> None:
    assert is_notice(title)


@pytest.mark.parametrize(
    "title",
    [
        TITLE,
        "Correction of adolescent idiopathic scoliosis with pedicle screws",
        "Response of childhood asthma to inhaled corticosteroids",
        "Retraction of the gingiva before impression taking",
        "Re-evaluation of inhaled corticosteroid doses in children",
        "Withdrawal of inhaled corticosteroids in COPD",
        "Comments from parents on asthma care",
        "Letters written by children with asthma",
        f"{TITLE} [Erratum appears in J Clin Epidemiol. 2019;73:100]",
        "Outcomes of the vol 3 cohort (2019)",
        "Connection to care after discharge",
        "Reaction to inhaled corticosteroids in children",
        "Retractor: a device for thoracic surgery",
        "",
    ],
)
def test_papers_starting_with_a_notice_word_are_not_notices(title: str) -> None:
    assert not is_notice(title)


@pytest.mark.parametrize(
    ("doi", "journal", "type_", "expected"),
    [
        ("10.1101/2020.03.01.20029983", "", "", True),  # medRxiv and bioRxiv
        ("10.21203/rs.3.rs-12345/v1", "", "", True),  # Research Square
        ("10.48550/arXiv.2101.00001", "", "", True),
        ("", "medRxiv", "", True),
        ("", "SSRN Electronic Journal", "", True),
        ("", "", "Preprint", True),
        ("", "", "UNPB", True),
        ("10.1016/j.jclinepi.2019.01.002", "Journal of Clinical Epidemiology", "JOUR", False),
        ("", "Preventive Medicine", "", False),
        ("", "", "", False),
    ],
)
def test_is_preprint(doi: str, journal: str, type_: str, expected: bool) -> None:
    assert is_preprint(doi, journal, type_) is expected


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Smith, J. K.", "smith"),
        ("Smith, John Kenneth", "smith"),
        ("Smith JK", "smith"),
        ("SMITH K", "smith"),
        ("J.K. Smith", "smith"),
        ("John K. Smith", "smith"),
        ("Smith J, et al.", "smith"),
        ("Smith J et al", "smith"),
        ("García-Márquez, J", "garcia marquez"),
        ("van der Berg A-M", "van der berg"),
        ("O'Brien, P", "o brien"),
        ("et al.", ""),
        ("", ""),
    ],
)
def test_surname(author: str, expected: str) -> None:
    assert surname(author) == expected


def test_surnames_drop_et_al_anonymous_and_suffixes_and_join_compound_names() -> None:
    assert surnames(("Smith J", "et al.", "Anonymous", "Lee Jr, Ann", "van der Berg, A")) == (
        "smith",
        "lee",
        "vanderberg",
    )
    assert surnames(("Smith-Jones, A",)) == surnames(("Smith Jones A",)) == ("smithjones",)


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("210-221", ("210", "221")),
        ("210-21", ("210", "221")),
        ("210–21", ("210", "221")),
        ("1099-102", ("1099", "1102")),
        ("S12-S15", ("12", "15")),
        ("e1234", ("1234", "")),
        ("0012-0015", ("12", "15")),
        ("119-27; quiz 128", ("119", "127")),
        ("P63 [tp 104]", ("63", "")),
        ("01-Jun", ("", "")),  # a spreadsheet's date for pages 1-6
        ("n/a", ("", "")),
        ("", ("", "")),
    ],
)
def test_pages_key(pages: str, expected: tuple[str, str]) -> None:
    assert pages_key(pages) == expected


@pytest.mark.parametrize(
    ("volume", "expected"),
    [("Vol. 12", "12"), ("12 (Suppl 1)", "12"), ("007", "7"), ("1)", ""), ("Suppl", ""), ("", "")],
)
def test_volume_key(volume: str, expected: str) -> None:
    assert volume_key(volume) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("J Clin Epidemiol", "Journal of Clinical Epidemiology"),
        ("JOURNAL OF CLINICAL EPIDEMIOLOGY", "Journal of clinical epidemiology."),
        ("N Engl J Med", "The New England Journal of Medicine"),
        ("Am J Respir Crit Care Med", "American Journal of Respiratory and Critical Care Medicine"),
        ("JAMA", "Journal of the American Medical Association"),
        ("BMJ", "British Medical Journal"),
        ("Lancet", "The Lancet"),
        ("Lancet (London, England)", "Lancet"),
    ],
)
def test_journal_abbreviations_are_compatible(a: str, b: str) -> None:
    assert journals_compatible(journal_key(a), journal_key(b)) is True
    assert journals_compatible(journal_key(b), journal_key(a)) is True


def test_different_journals_are_not_compatible_and_a_missing_one_is_unknown() -> None:
    assert journals_compatible(journal_key("Thorax"), journal_key("Chest")) is False
    assert (
        journals_compatible(journal_key("J Clin Epidemiol"), journal_key("J Clin Endocrinol"))
        is False
    )
    assert journals_compatible(journal_key(""), journal_key("Thorax")) is None


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        ("JOUR", "journal"),
        ("Journal Article", "journal"),
        ("CONF", "conference"),
        ("Conference Abstract", "conference"),
        ("inproceedings", "conference"),
        ("CHAP", "book"),
        ("Dataset", "other"),
        ("", ""),
    ],
)
def test_kind_of(type_: str, expected: str) -> None:
    assert kind_of(type_) == expected


def test_key_of_never_raises_on_odd_input() -> None:
    odd = Citation(
        id="x",
        title="<<<&&&;;; = ;",
        authors=("", ",", "et al.", "   "),
        journal="=",
        volume=")",
        issue="\x00",
        pages="--;[",
        doi="doi:",
        pmid="  ",
        abstract="\u200b" * 1000,
        type="???",
    )
    key = key_of(odd)
    assert key.surnames == ()
    assert (key.doi, key.pmid, key.volume, key.start_page) == ("", "", "", "")
    assert key.kind == ""
    assert key_of(Citation(id=0)).title_words == ()


def test_key_of_normalises_identifiers_and_rates_completeness() -> None:
    full = Citation(
        id=1,
        title=TITLE,
        authors=("Smith J",),
        year=2019,
        journal="J Clin Epidemiol",
        volume="72",
        issue="3",
        pages="210-21",
        doi="https://doi.org/10.1016/J.JCLINEPI.2019.01.002",
        pmid=" 30612345 ",
        abstract="Background: ...",
        type="JOUR",
    )
    key = key_of(full)
    assert key.doi == "10.1016/j.jclinepi.2019.01.002"
    assert key.pmid == "30612345"
    assert (key.start_page, key.end_page) == ("210", "221")
    assert key.completeness > key_of(Citation(id=2, title=TITLE, doi=full.doi)).completeness
