"""Comparing two records: certain duplicate, probable duplicate, related, or unrelated.

The rules lean towards keeping papers apart: a false merge hides a paper from screening,
while a missed duplicate is screened twice and costs a minute. So a merge needs agreeing
evidence from several fields and no field that disagrees; anything weaker goes to a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import Indel

from . import evidence
from .normalise import Key, journals_compatible


class Kind(StrEnum):
    CERTAIN = "certain"  # merged without asking
    PROBABLE = "probable"  # shown to a lead, side by side
    RELATED = "related"  # preprint and its published version: a lead decides


class Rule(StrEnum):
    """Why two records matched; stored with each duplicate and shown to people."""

    DOI = "same DOI"
    PMID = "same PubMed ID"
    EXACT = "same title, year, first author and pages or volume"
    CLOSE = "near-identical title, same authors and pages or volume"
    CITATION = "similar title, same authors, volume and pages"
    CONTENT = "near-identical title, same authors, year and abstract or journal"
    IDENTICAL = "identical title, same authors and year"
    ANONYMOUS = "identical title, year, volume and pages or issue (no authors)"
    SAME_CONTENT = "identical title, authors, journal, year, first page and abstract"
    EVIDENCE = "title, authors, year, journal and citation weighed together"
    MANUAL = "marked the same paper by a lead"
    # Probable and related
    PROBABLE_TITLE = "similar title and authors"
    PROBABLE_IDS_DIFFER = "same title and authors but different DOIs or PubMed IDs"
    PROBABLE_ID_TITLE = "same DOI or PubMed ID but different titles"
    PROBABLE_ID_CITATION = "same DOI or PubMed ID but printed on other pages"
    PROBABLE_CITATION = "same authors, year, journal, volume and pages but different titles"
    PROBABLE_EVIDENCE = "most fields agree, but the title or where it is printed differ"
    PREPRINT = "preprint and published version"


@dataclass(frozen=True, slots=True)
class Match:
    kind: Kind
    rule: Rule
    score: float  # 0..1, for ordering and display


def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return Indel.normalized_similarity(a, b)


def title_similarity(a: Key, b: Key) -> float:
    sim = _ratio(a.title, b.title)
    if sim < 0.95 and a.title and b.title:
        # A subtitle left out by one database: the shorter title is the start of the longer.
        short, long_ = sorted((a.title, b.title), key=len)
        if len(short) >= 40 and long_.startswith(short + " "):
            sim = max(sim, 0.95)
        for x, parts in ((b.title, a.title_parts), (a.title, b.title_parts)):
            for part in parts:
                sim = max(sim, _ratio(x, part))
    return sim


def _subtitle_dropped(a: Key, b: Key) -> bool:
    short, long_ = sorted((a.title, b.title), key=len)
    return len(short) >= 25 and long_.startswith(short + " ")


def same_name(x: str, y: str) -> bool:
    """'vanschil' / 'schil', 'stpeter' / 'peter', 'muller' / 'mueller', 'talalaj' / 'taaaj'
    (a mangled 'Ta?a?aj'): one family name printed two ways."""
    if x == y:
        return True
    if min(len(x), len(y)) >= 4 and (x.endswith(y) or y.endswith(x)):
        return True
    return _ratio(x, y) >= 0.8


def author_similarity(
    a: tuple[str, ...],
    b: tuple[str, ...],
    words_a: tuple[frozenset[str], ...] = (),
    words_b: tuple[frozenset[str], ...] = (),
) -> float | None:
    """Share of the shorter author list found in the longer one ('et al.' cuts lists);
    None when either side has no authors. With each name's words (`Key.name_words`), a
    family name found among the other name's words counts too: names written given name
    first in one database ('Ching-yi, Wu' for 'Wu, Ching-yi')."""
    if not a or not b:
        return None
    if a == b:
        return 1.0
    if len(a) > len(b):
        a, b, words_a, words_b = b, a, words_b, words_a
    pool = list(range(len(b)))
    hits = 0.0
    for i, name in enumerate(a):
        if name in (b[o] for o in pool):
            pool.remove(next(o for o in pool if b[o] == name))
            hits += 1
            continue
        # Transliterations, particles and typos: 'Muller' / 'Mueller', 'Van Schil' / 'Schil'.
        other = next((o for o in pool if same_name(name, b[o])), None)
        if other is None and words_a and words_b:
            other = next(
                (o for o in pool if _names_swapped(name, words_a[i], b[o], words_b[o])), None
            )
        if other is not None:
            pool.remove(other)
            hits += 0.9
    return hits / len(a)


def _names_swapped(x: str, x_words: frozenset[str], y: str, y_words: frozenset[str]) -> bool:
    """One author whose family name one record took from another place in the name."""
    return (len(x) >= 2 and x in y_words) or (len(y) >= 2 and y in x_words)


def _first_author_same(a: Key, b: Key) -> bool:
    if not (a.surnames and b.surnames):
        return False
    if same_name(a.surnames[0], b.surnames[0]):
        return True
    return bool(a.name_words and b.name_words) and _names_swapped(
        a.surnames[0], a.name_words[0], b.surnames[0], b.name_words[0]
    )


def _identical_content(a: Key, b: Key, t: float, au: float | None) -> bool:
    return (
        t == 1.0
        and au == 1.0
        and min(len(a.surnames), len(b.surnames)) >= 2
        and a.year is not None
        and a.year == b.year
        and bool(a.start_page)
        and a.start_page == b.start_page
        and journals_compatible(a.journal, b.journal) is True
        and len(a.abstract) >= 200
        and _ratio(a.abstract, b.abstract) >= 0.95
    )


_ROMAN = frozenset(["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"])


def _numbers(k: Key) -> tuple[str, ...]:
    """The numbers in a title (digits and roman numerals), in order of appearance."""
    return tuple(w.lstrip("0") or "0" if w.isdigit() else w for w in k.title_words
                 if w.isdigit() or w in _ROMAN)  # fmt: skip


def _numbers_conflict(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Numbers that replace one another. Extra numbers on one side are no conflict: an
    appended '[Erratum appears in N Engl J Med 2005;352:2146]' or a formula split apart."""
    if not x or not y or x == y:
        return False
    bigger, smaller = (list(x), y) if len(x) >= len(y) else (list(y), x)
    for n in smaller:
        if n not in bigger:
            return True
        bigger.remove(n)
    return False


def _state(x: str, y: str) -> str:
    if not x or not y:
        return "missing"
    return "same" if x == y else "conflict"


# --- compare: tables of small rules ---------------------------------------------------------
#
# A rule looks at a pair and returns a Match (decided: this), APART (decided: different
# papers) or None (no opinion: the next rule is asked). The tables are read top to bottom;
# the first rule with an opinion decides.


class _Apart:
    __slots__ = ()

    def __repr__(self) -> str:
        return "APART"


APART = _Apart()
Verdict = Match | _Apart | None


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, per pair
class Pair:
    """Two records and what every rule asks of them, computed once."""

    a: Key
    b: Key
    t: float  # title similarity
    au: float | None  # author similarity, None when either has no authors
    first_same: bool
    doi: str  # "same", "conflict" or "missing"
    pmid: str
    ids_same: bool
    ids_conflict: bool
    authors_ok: bool

    @classmethod
    def of(cls, a: Key, b: Key) -> Pair:
        t = title_similarity(a, b)
        au = author_similarity(a.surnames, b.surnames, a.name_words, b.name_words)
        first_same = _first_author_same(a, b)
        doi, pmid = _state(a.doi, b.doi), _state(a.pmid, b.pmid)
        return cls(
            a, b, t, au, first_same, doi, pmid,
            ids_same=doi == "same" or pmid == "same",
            ids_conflict=doi == "conflict" or pmid == "conflict",
            authors_ok=au is None or au >= 0.5 or first_same,
        )  # fmt: skip

    @property
    def id_rule(self) -> Rule:
        return Rule.DOI if self.doi == "same" else Rule.PMID


def _first_opinion[T](rules: list[Callable[[T], Verdict]], subject: T) -> Verdict:
    for rule in rules:
        verdict = rule(subject)
        if verdict is not None:
            return verdict
    return None


def compare(a: Key, b: Key) -> Match | None:
    """How `a` and `b` relate; None when they are different papers."""
    if a.notice != b.notice:
        # An erratum or a comment is never the paper it is about.
        return None
    verdict = _first_opinion(PAIR_RULES, Pair.of(a, b))
    return verdict if isinstance(verdict, Match) else None


def _preprint_and_published(p: Pair) -> Verdict:
    if p.a.preprint == p.b.preprint:
        return None
    if p.t >= 0.9 and p.authors_ok and (p.au is not None or p.t >= 0.98):
        return Match(Kind.RELATED, Rule.PREPRINT, round(p.t, 3))
    return APART


def _identifiers_conflict(p: Pair) -> Verdict:
    if not p.ids_conflict:
        return None
    if _identical_content(p.a, p.b, p.t, p.au):
        # One of the two DOIs is wrong (a society's abstract book given the DOI of
        # another journal's issue): every other field, abstract included, agrees.
        return Match(Kind.CERTAIN, Rule.SAME_CONTENT, 0.99)
    # The same PubMed ID with different DOIs (or the reverse): one record's identifiers
    # are wrong and nothing tells which, so a person decides, on a looser title than
    # when no identifier agrees. (Merging would also be refused: a group never holds
    # two DOIs.)
    if p.t >= (0.8 if p.ids_same else 0.97) and (p.au is None or p.au >= 0.8):
        return Match(Kind.PROBABLE, Rule.PROBABLE_IDS_DIFFER, round(0.5 * p.t, 3))
    return APART


def _identifier_shared(p: Pair) -> Verdict:
    if not p.ids_same:
        return None
    return _first_opinion(SHARED_ID_RULES, p)


def _id_printed_elsewhere(p: Pair) -> Verdict:
    pages_differ = _state(p.a.start_page, p.b.start_page) == "conflict"
    if not (pages_differ and (_state(p.a.volume, p.b.volume) == "conflict" or p.au is None)):
        return None
    # A DOI names one article, printed in one place. Records carrying it on other
    # pages (of another volume, or with no authors to agree) may be another record
    # the DOI was copied onto: an erratum whose label lost a letter, a comment, one
    # of a supplement's abstracts. A person decides.
    if p.t >= 0.8 and p.authors_ok:
        return Match(Kind.PROBABLE, Rule.PROBABLE_ID_CITATION, round(0.5 + 0.4 * p.t, 3))
    return APART


def _id_and_title(p: Pair) -> Verdict:
    # Author fields are the messiest (given names taken for family names): a shared
    # identifier and a near-identical title are enough.
    if (p.t >= 0.8 or (p.t >= 0.6 and p.first_same)) and p.authors_ok or p.t >= 0.95:
        return Match(Kind.CERTAIN, p.id_rule, 1.0)
    return None


def _id_on_other_pages(p: Pair) -> Verdict:
    # A journal supplement's DOI is often given to each abstract in it: different
    # titles by different authors on different pages are different papers.
    if p.a.start_page and p.b.start_page and p.a.start_page != p.b.start_page:
        return APART
    return None


def _id_titles_differ(p: Pair) -> Verdict:
    if not (p.a.title and p.b.title):
        return None
    if not p.authors_ok or (p.au is None and p.t < 0.6):
        return APART
    return Match(Kind.PROBABLE, Rule.PROBABLE_ID_TITLE, round(0.5 + 0.4 * p.t, 3))


def _id_alone(p: Pair) -> Verdict:
    return Match(Kind.CERTAIN, p.id_rule, 1.0)


def _years_apart(p: Pair) -> Verdict:
    if p.a.year is not None and p.b.year is not None and abs(p.a.year - p.b.year) > 1:
        return APART
    return None


def _weighed_on_fields(p: Pair) -> Verdict:
    """The field rules, then the evidence of every field weighed together."""
    a, b, t = p.a, p.b, p.t
    numbers_conflict = _numbers_conflict(_numbers(a), _numbers(b))
    match = _by_fields(p, numbers_conflict)
    certain = match is not None and match.kind is Kind.CERTAIN
    if not certain and t < 0.8 and not evidence.title_part(a.title, b.title):
        # Nothing the evidence could change: it merges no pair whose titles differ.
        return match or APART
    on = evidence.features(a, b, t, p.au, p.first_same, numbers_conflict)
    z = evidence.log_odds(on)
    if match is not None and certain:
        if z < evidence.MODEL["veto"] or evidence.printed_apart(on):
            # A rule's fields agree, but the others weigh against, or the two are printed
            # in different issues: a generic title ('Editor's Comments', one per issue).
            return Match(Kind.PROBABLE, match.rule, round(0.5 * match.score, 3))
        return match
    if z >= evidence.MODEL["certain"] and not numbers_conflict:
        score = round(evidence.probability(z), 3)
        if (t < 0.8 and "title_part" not in on) or not evidence.may_merge(on):
            # Titles that differ (a translation?), another kind of publication, or printed
            # in another volume, issue or on other pages: the labelled sets hold too few
            # such pairs of two papers for a weight to be trusted alone; a person decides.
            return match or Match(Kind.PROBABLE, Rule.PROBABLE_EVIDENCE, round(0.5 * score, 3))
        return Match(Kind.CERTAIN, Rule.EVIDENCE, score)
    return match or APART


# The rules on any pair that is not a notice of another, in order.
PAIR_RULES: list[Callable[[Pair], Verdict]] = [
    _preprint_and_published,
    _identifiers_conflict,
    _identifier_shared,
    _years_apart,
    _weighed_on_fields,  # always decides
]
# The rules on a pair that shares a DOI or PubMed ID (and has no conflicting one).
SHARED_ID_RULES: list[Callable[[Pair], Verdict]] = [
    _id_printed_elsewhere,
    _id_and_title,
    _id_on_other_pages,
    _id_titles_differ,
    _id_alone,  # always decides
]


def field_evidence(a: Key, b: Key) -> list[str] | None:
    """The evidence indicators of a pair that `compare` weighs on its fields, None for a
    pair settled before that (notices, preprints, identifiers, years apart). For fitting."""
    if a.notice != b.notice or a.preprint != b.preprint:
        return None
    if _state(a.doi, b.doi) != "missing" or _state(a.pmid, b.pmid) != "missing":
        return None
    if a.year is not None and b.year is not None and abs(a.year - b.year) > 1:
        return None
    t = title_similarity(a, b)
    au = author_similarity(a.surnames, b.surnames, a.name_words, b.name_words)
    numbers_conflict = _numbers_conflict(_numbers(a), _numbers(b))
    return evidence.features(a, b, t, au, _first_author_same(a, b), numbers_conflict)


@dataclass(slots=True)
class Fields:
    """A pair without a shared or conflicting identifier, with what its field rules ask."""

    p: Pair
    pages: str  # "same", "missing" (never "conflict": such a pair is apart)
    volume: str
    year: str  # "same", "close" (a year apart) or "missing"
    kinds_differ: bool
    journal: bool | None  # journals_compatible
    where: bool  # pages or volume the same
    cited_alike: bool  # pages and volume the same
    numbers_conflict: bool
    score: float
    # Same year, same kind, near-identical title, authors on both sides, same first author.
    agreeing: bool

    @property
    def au(self) -> float:
        """The author similarity, for the rules gated on `agreeing` (authors on both sides)."""
        return self.p.au if self.p.au is not None else 0.0


def _by_fields(p: Pair, numbers_conflict: bool) -> Match | None:
    """The rules on a pair without a shared or conflicting identifier."""
    a, b = p.a, p.b
    # Only the first page: end pages are often misprinted ('726-733' / '726-734') and
    # ranges carry extras ('742-8; discussion 748-9').
    pages = _state(a.start_page, b.start_page)
    volume = _state(a.volume, b.volume)
    if pages == "conflict" or volume == "conflict":
        return None
    if a.year is not None and b.year is not None:
        year = "same" if a.year == b.year else "close"
    else:
        year = "missing"
    kinds_differ = bool(a.kind and b.kind and a.kind != b.kind)
    where = pages == "same" or volume == "same"
    au = p.au
    score = 0.6 * p.t + 0.25 * (au if au is not None else 0.5) + 0.15 * (1.0 if where else 0.5)
    f = Fields(
        p, pages, volume, year, kinds_differ,
        journal=journals_compatible(a.journal, b.journal),
        where=where,
        cited_alike=pages == "same" and volume == "same",
        numbers_conflict=numbers_conflict,
        score=round(score, 3),
        agreeing=year == "same" and not kinds_differ and p.t >= 0.9 and au is not None
        and p.first_same,
    )  # fmt: skip
    verdict = _first_opinion(FIELD_RULES, f)
    return verdict if isinstance(verdict, Match) else None


def _numbered_parts(f: Fields) -> Verdict:
    if not f.numbers_conflict:
        return None
    # "Part 1" and "Part 2", "phase II" and "phase III": a number apart is another paper.
    if f.p.t >= 0.85 and f.p.authors_ok:
        return Match(Kind.PROBABLE, Rule.PROBABLE_TITLE, f.score)
    return APART


def _online_first(f: Fields) -> Verdict:
    p = f.p
    if (
        f.year == "close"
        and not f.kinds_differ
        and f.cited_alike
        and p.t >= 0.95
        and p.au is not None
        and p.first_same
        and p.au >= 0.9
        and f.journal is not False
    ):
        # Online first one year, in print the next: the same volume and page settle it.
        return Match(Kind.CERTAIN, Rule.CITATION, f.score)
    return None


def _subtitle_left_out(f: Fields) -> Verdict:
    p = f.p
    if (
        f.year == "same"
        and not f.kinds_differ
        and p.au is not None
        and p.first_same
        and p.au >= 0.8
        and f.cited_alike
        and _subtitle_dropped(p.a, p.b)
    ):
        # One database left the subtitle out; authors, year, volume and page agree.
        return Match(Kind.CERTAIN, Rule.CITATION, f.score)
    return None


def _exact(f: Fields) -> Verdict:
    # Not the volume alone: a journal-club commentary shares title, author and volume
    # with the paper it discusses.
    if not (f.agreeing and f.p.t == 1.0):
        return None
    if f.pages == "same" or (f.volume == "same" and f.journal is not False):
        return Match(Kind.CERTAIN, Rule.EXACT, 1.0)
    return None


def _close(f: Fields) -> Verdict:
    p = f.p
    if not (f.agreeing and p.t >= 0.95 and f.au >= 0.8 and f.where):
        return None
    if f.journal is not False or f.cited_alike:
        return Match(Kind.CERTAIN, Rule.CLOSE, f.score)
    return None


def _citation(f: Fields) -> Verdict:
    if f.agreeing and f.au >= 0.8 and f.cited_alike and f.journal is not False:
        return Match(Kind.CERTAIN, Rule.CITATION, f.score)
    return None


def _identical(f: Fields) -> Verdict:
    p = f.p
    if not (f.agreeing and p.t == 1.0 and f.au >= 0.9):
        return None
    both_conference = p.a.kind == p.b.kind == "conference"
    if min(len(p.a.surnames), len(p.b.surnames)) >= 2 and (
        f.journal is not False or both_conference
    ):
        return Match(Kind.CERTAIN, Rule.IDENTICAL, f.score)
    return None


def _content(f: Fields) -> Verdict:
    p = f.p
    if not (f.agreeing and p.t >= 0.95 and f.au >= 0.9 and not f.where):
        return None
    a, b = p.a, p.b
    abstract = _ratio(a.abstract, b.abstract) if a.abstract and b.abstract else None
    if (abstract is not None and abstract >= 0.9) or (f.journal is True and abstract is None):
        return Match(Kind.CERTAIN, Rule.CONTENT, f.score)
    return None


def _anonymous(f: Fields) -> Verdict:
    p = f.p
    if not (
        f.year == "same" and not f.kinds_differ and p.au is None and p.t >= 0.98
        and f.volume == "same"
    ):  # fmt: skip
        return None
    if f.pages == "same" or (p.a.issue and p.a.issue == p.b.issue and f.journal is not False):
        return Match(Kind.CERTAIN, Rule.ANONYMOUS, f.score)
    return None


def _similar_title(f: Fields) -> Verdict:
    if f.p.t >= 0.85 and f.p.authors_ok:
        return Match(Kind.PROBABLE, Rule.PROBABLE_TITLE, f.score)
    return None


def _translated_title(f: Fields) -> Verdict:
    if (
        f.year == "same"
        and f.p.first_same
        and f.cited_alike
        and f.journal is True
        and not f.kinds_differ
    ):
        # A translated title: the citation agrees, the words do not.
        return Match(Kind.PROBABLE, Rule.PROBABLE_CITATION, f.score)
    return None


# The rules on a pair without a shared or conflicting identifier, in order.
FIELD_RULES: list[Callable[[Fields], Verdict]] = [
    _numbered_parts,
    _online_first,
    _subtitle_left_out,
    _exact,
    _close,
    _citation,
    _identical,
    _content,
    _anonymous,
    _similar_title,
    _translated_title,
]
