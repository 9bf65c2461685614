"""Match keys: each record's fields reduced to what duplicate detection compares.

Exports of one paper differ in case, punctuation, HTML entities and diacritics, in author
names written in full or as initials (with or without "et al."), in page ranges written
"210-21" or "210-221", in journal names abbreviated or not, and in translated titles put
in brackets with a language tag. Everything here is pure and never raises on odd input.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from lib.imports.normalise import normalise_doi

_TAGS = re.compile(r"<[^>]{0,40}>")
# Inline markup inside a word: 'Ca<sup>2+</sup>' is 'Ca2+' as other databases print it.
_INLINE_TAGS = re.compile(r"</?(?:sup|sub|i|b|em|strong)>", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# "[French]", "(author's transl)", "[Article in German]": labels databases add to a
# translated title, not part of it.
_LANGUAGE_LABEL = re.compile(
    r"[\[(]\s*(?:article in \w+|author'?s transl\.?|\w+ ?(?:language|text)|english|french|"
    r"german|spanish|chinese|japanese|russian|italian|portuguese|polish|dutch|korean|"
    r"turkish|czech|hungarian|danish|swedish|norwegian|finnish|hebrew|persian|croatian|"
    r"with english abstract)\s*[\])]\.?",
    re.IGNORECASE,
)
_ET_AL = re.compile(r"\bet\.? al\.?", re.IGNORECASE)
# A title that is about another paper rather than a report of its own: 'Erratum: ...',
# Nature's 'Author Correction: ...', Springer's 'Retraction Note to: ...', IEEE's 'Notice of
# Retraction', 'Comment on ...', 'Re: ...', a bare 'Erratum'. The word must be followed by
# a connector, so papers that merely start with it ('Correction of scoliosis', 'Response of
# tumours to ...', 'Re-evaluation of ...') stay papers.
_NOTICE = re.compile(
    r"^\W*(?:(?:author|publisher|editorial|editor'?s|notice of)\s+)?"
    r"(?:(?:erratum|errata|corrigend(?:um|a)|corrections?|retraction|retracted(?: article)?|"
    r"expression of concern|withdrawn|withdrawal|comment|commentary|reply|response|"
    r"author reply|letter)\b\s*(?:notes?|notices?)?\s*(?:(?:on|to|for|in)\b|(?:of\s*)?"
    r"[:\-\u2013\u2014\])]|$)|re\s*:)",
    re.IGNORECASE,
)
# Labels are typed by hand and now and then mistyped ('Eratum to:', 'Correctio to:'). A
# mistyped label read as a title would let the notice merge with its paper (worse than a
# missed duplicate), so a long label word one letter off, followed by a connector, counts.
_LABEL_WORD = re.compile(
    r"^\W*([a-z]{6,})\s*(?:(?:on|to|for|in)\b|(?:of\s*)?[:\-\u2013\u2014\])]|$)", re.I
)
_LONG_LABELS = ("erratum", "errata", "corrigendum", "correction", "retraction")
# Web of Science prints a correction as the corrected paper's title followed by where that
# paper appeared: 'Title of the paper (vol 72, pg 210, 2019)'.
_WOS_CORRECTION = re.compile(
    r"\(\s*vol\.?\s*\w+\s*,\s*(?:pg\.?\s*)?[a-z]?\d+\s*,\s*(?:19|20)\d\d\s*\)\W*$", re.I
)
# Medline appends "[Erratum appears in ...]" or "[Retraction in ...]" to the article itself:
# an annotation to drop, not a sign that the record is the notice.
_ANNOTATION = re.compile(
    r"[\[(]\s*(?:erratum|errata|retraction|retracted|corrected|comment|update|summary for "
    r"patients)\b[^\])]*[\])]?\W*$",
    re.IGNORECASE,
)
_MONTHS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
_PREPRINT_DOI = re.compile(
    r"^10\.(?:1101|21203|2139/ssrn|48550|31234|31219|20944/preprints|22541/au|36227/techrxiv|"
    r"26434/chemrxiv|31235|31222|1002/essoar|14293/s2199|12688/f1000research|21996)",
)
_PREPRINT_VENUE = re.compile(
    r"\b(?:medrxiv|biorxiv|arxiv|ssrn|research ?square|preprints?|psyarxiv|socarxiv|"
    r"osf preprints|chemrxiv|techrxiv|authorea|qeios|sneak peek)\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "in",
        "on",
        "for",
        "to",
        "with",
        "by",
        "at",
        "from",
        "into",
        "via",
        "de",
        "la",
        "le",
        "les",
        "des",
        "der",
        "die",
        "das",
        "und",
        "et",
        "el",
        "y",
        "du",
    ]
)
_PAGE_DIGITS = re.compile(r"\d+")
_PAGE_LETTER = re.compile(r"[a-z]\s*-?\s*\d|\d[a-z]", re.IGNORECASE)
_ROMAN_OR_DIGITS = re.compile(r"\d+")
_CONF_TYPES = frozenset(
    {
        "conf",
        "cpaper",
        "inproceedings",
        "conference",
        "conference paper",
        "abst",
        "conference abstract",
        "proceedings",
        "meeting abstract",
    }
)
_JOURNAL_TYPES = frozenset({"jour", "article", "journal article", "ejour", "jfull", "inpr"})
_BOOK_TYPES = frozenset({"book", "ebook", "chap", "inbook", "incollection", "echap", "edbook"})


# Letters that NFKD does not decompose into an ASCII letter plus accents, in both cases:
# without this table 'Łukasz Øster' folds to 'ukasz ster'. Greek letters are spelt out
# because databases print 'β-blockers', '&beta;-blockers' and 'beta-blockers' for one title
# (NFKD has already turned the micro sign into mu).
_SPELLED = {
    "ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe",
    "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "ng",
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
_LETTERS = str.maketrans(
    {
        **{k.upper(): v for k, v in _SPELLED.items() if len(k.upper()) == 1 and k != "ı"},
        **_SPELLED,
        "ẞ": "ss",
    }
)


def fold(value: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces."""
    if not value:
        return ""
    if "&" in value:
        value = html.unescape(value)
    if "<" in value:
        value = _TAGS.sub(" ", _INLINE_TAGS.sub("", value))
    if not value.isascii():
        value = unicodedata.normalize("NFKD", value).translate(_LETTERS)
        value = value.encode("ascii", "ignore").decode()
    return " ".join(_NON_ALNUM.sub(" ", value.lower()).split())


# A short label a database appends in brackets: 'The all-seeing employer - [careers]'.
_SECTION_LABEL = re.compile(r"(?<=\w)[\s\-\u2013:]*\[[^\[\]]{1,30}\]\W*$")


def title_key(title: str) -> str:
    """The comparable form of a title: brackets of a translated title, language labels,
    a short section label in brackets at the end and a trailing full stop do not matter;
    words and their order do."""
    if not title:
        return ""
    title = _LANGUAGE_LABEL.sub(" ", title)
    title = _ANNOTATION.sub(" ", title)
    title = _SECTION_LABEL.sub(" ", title)
    return fold(title)


_TITLE_SPLIT = re.compile(r"\s*(?:;|\s=)\s+")


def _title_parts(title: str) -> tuple[str, ...]:
    """A title printed with its translation, 'Utilidad de ...; Are antimicrobials ...'."""
    if not title or (";" not in title and " = " not in title):
        return ()
    parts = tuple(title_key(p) for p in _TITLE_SPLIT.split(title))
    return tuple(p for p in parts if len(p) >= 20) if len(parts) > 1 else ()


def is_notice(title: str) -> bool:
    """Erratum, correction, retraction, comment or reply: a paper about another paper."""
    if not title:
        return False
    if _NOTICE.match(title) or _WOS_CORRECTION.search(title):
        return True
    label = _LABEL_WORD.match(title)
    if label is None:
        return False
    word = label.group(1).lower()
    return any(Levenshtein.distance(word, w, score_cutoff=1) <= 1 for w in _LONG_LABELS)


def is_preprint(doi: str, journal: str, type_: str) -> bool:
    if doi and _PREPRINT_DOI.match(doi):
        return True
    if type_ and fold(type_) in {"preprint", "unpb", "unpublished"}:
        return True
    return bool(journal and _PREPRINT_VENUE.search(journal))


def surname(author: str) -> str:
    """The family name of 'Smith, K. E.', 'Smith KE', 'Katherine E. Smith' or 'SMITH K'."""
    author = _ET_AL.sub("", author).strip(" ,;.")
    if not author:
        return ""
    if "," in author:
        return fold(author.split(",", 1)[0])
    parts = author.split()
    if len(parts) == 1:
        return fold(parts[0])
    last = parts[-1].replace(".", "").replace("-", "")
    # "Smith KE", "van der Berg A-M": trailing initials, the name comes first.
    if len(last) <= 3 and last.isupper():
        return fold(" ".join(parts[:-1]))
    if all(len(p.rstrip(".")) <= 1 or (p.isupper() and len(p) <= 3) for p in parts[1:]):
        return fold(parts[0])
    return fold(parts[-1])


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2nd", "3rd"})


_NOT_NAMES = frozenset({"anonymous", "anon", "etal"})
# Placeholders some exports write for a missing given name ('Kang, null').
_NAME_FILLERS = frozenset({"null", "none", "nan", "na", "et", "al"})


def surnames(authors: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name, _ in author_names(authors))


def author_names(
    authors: list[str] | tuple[str, ...],
) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each author's family name and every word of the whole name (two letters or more,
    the compound joined too). One database writes 'Wu, Ching-yi', another 'Ching-yi, Wu';
    'Rubio, M. L.' becomes 'Lopez, Rubio M.': the family name read from one record is then
    among the other record's words, though not in its family-name place."""
    out = []
    for author in authors:
        words = [w for w in surname(author).split() if w not in _SUFFIXES]
        name = "".join(words)
        if name and name not in _NOT_NAMES:
            # Compound names are written with or without spaces and hyphens.
            cleaned = _ET_AL.sub("", author)
            parts = [w for w in fold(cleaned).split() if w not in _SUFFIXES]
            tokens = {w for w in parts if len(w) >= 2 and w not in _NAME_FILLERS}
            for chunk in re.split(r"[,;]", cleaned):
                joined = "".join(fold(chunk).split())
                if len(joined) >= 2 and joined not in _NAME_FILLERS:
                    tokens.add(joined)
            tokens.add(name)
            out.append((name, frozenset(tokens)))
    return tuple(out)


@lru_cache(maxsize=65536)
def journal_key(journal: str) -> tuple[str, ...]:
    """Significant words of a journal name ('J Parenter Enteral Nutr' -> j parenter ...)."""
    words = fold(journal.split("=")[0]).split()
    return tuple(w for w in words if w not in _STOP and not w.isdigit())


def journals_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool | None:
    """True when one name can be an abbreviation of the other (each word of the shorter one
    a prefix of a word of the longer one, in order); None when either is missing."""
    if not a or not b:
        return None
    if a == b:
        return True
    short, long_ = sorted((a, b), key=lambda words: (len(words), sum(map(len, words))))
    i = 0
    for word in short:
        while i < len(long_) and not long_[i].startswith(word):
            i += 1
        if i == len(long_):
            # An acronym of the full name: 'jama' against 'journal american medical ...'.
            return len(short) == 1 and _acronym_of(short[0], long_)
        i += 1
    return True


def _acronym_of(word: str, words: tuple[str, ...]) -> bool:
    return len(word) >= 3 and "".join(w[0] for w in words).startswith(word)


def pages_key(pages: str) -> tuple[str, str]:
    """'210-21' -> ('210', '221'); 'S12-S15' -> ('12', '15'); 'P63 [tp 104]' -> ('63', '').

    Letters are dropped ('e1234', 'S12', 'viii108' are printed with and without them), and
    so is anything after the first range ('119-27; quiz 128') or in brackets (a database's
    note on another printing). A spreadsheet's date ('01-Jun' for pages 1-6) is no page
    number at all."""
    if not pages or _MONTHS.search(pages):
        return ("", "")
    parts = _PAGE_DIGITS.findall(pages.split(";")[0].split("[")[0])
    if not parts:
        return ("", "")
    start = parts[0].lstrip("0") or "0"
    if len(parts) == 1:
        return (start, "")
    end = parts[1].lstrip("0") or "0"
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return (start, end)


def volume_key(volume: str) -> str:
    """The number in 'Vol. 12', '12 (Suppl 1)' -> '12'; '' when there is no number or the
    value is the broken tail of one ('1)' left of '(Suppl 1)')."""
    if ")" in volume and "(" not in volume:
        return ""
    match = _ROMAN_OR_DIGITS.search(volume or "")
    return match.group(0).lstrip("0") if match else ""


# What exports write for an empty field.
_MISSING = frozenset({"na", "n a", "nan", "null", "none", "nil", "unknown"})


def issue_key(issue: str) -> str:
    """The issue number: '3', 'No. 3', '3-B' -> '3'; a label without a number as it is
    ('supplement h'); '' for none ('NA'), for a month ('May': a number elsewhere), or for a number
    too big to be an issue of one volume (a record number some exports put there, or a
    weekly's running count: the volume and page locate those)."""
    match = _ROMAN_OR_DIGITS.search(issue or "")
    if not match:
        label = fold(issue)
        return "" if label in _MISSING or _MONTHS.search(label) else label
    number = match.group(0).lstrip("0") or "0"
    return number if len(number) <= 2 else ""


def kind_of(type_: str) -> str:
    t = fold(type_)
    if not t:
        return ""
    if t in _JOURNAL_TYPES:
        return "journal"
    if t in _CONF_TYPES:
        return "conference"
    if t in _BOOK_TYPES:
        return "book"
    return "other"


@dataclass(frozen=True, slots=True)
class Citation:
    """One record as the matcher receives it (from the database or a benchmark file)."""

    id: int | str
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    abstract: str = ""
    type: str = ""


@dataclass(slots=True)
class Key:
    """A Citation's comparable form, computed once per record."""

    id: int | str
    title: str
    title_words: tuple[str, ...]
    title_parts: tuple[str, ...]  # 'Original; Translated' titles: each part alone
    surnames: tuple[str, ...]
    name_words: tuple[frozenset[str], ...]  # per surname: every word of that author's name
    year: int | None
    journal: tuple[str, ...]
    volume: str
    issue: str
    start_page: str
    end_page: str
    pages_marked: bool  # printed with letters: supplement 'S417', electronic 'e1234'
    doi: str
    pmid: str
    abstract: str
    kind: str
    notice: bool
    preprint: bool
    completeness: int
    blocks: list[tuple[str, str]] = field(default_factory=list)


def key_of(c: Citation) -> Key:
    title = title_key(c.title)
    doi = normalise_doi(c.doi) if c.doi else ""
    start, end = pages_key(c.pages)
    names = author_names(c.authors)
    abstract = fold(c.abstract[:600]) if c.abstract else ""
    return Key(
        id=c.id,
        title=title,
        title_words=tuple(title.split()),
        title_parts=_title_parts(c.title),
        surnames=tuple(n for n, _ in names),
        name_words=tuple(w for _, w in names),
        year=c.year,
        journal=journal_key(c.journal) if c.journal else (),
        volume=volume_key(c.volume),
        issue=issue_key(c.issue),
        start_page=start,
        end_page=end,
        pages_marked=bool(_PAGE_LETTER.search(c.pages or "")),
        doi=doi,
        pmid=c.pmid.strip() if c.pmid else "",
        abstract=abstract,
        kind=kind_of(c.type),
        notice=is_notice(c.title),
        preprint=is_preprint(doi, c.journal, c.type),
        completeness=completeness(c),
    )


def completeness(c: Citation) -> int:
    """How much a record tells: the richest record of a cluster becomes its primary."""
    return (
        3 * bool(c.abstract)
        + 2 * bool(c.doi)
        + bool(c.title)
        + bool(c.authors)
        + bool(c.year)
        + bool(c.journal)
        + bool(c.volume)
        + bool(c.issue)
        + bool(c.pages)
        + bool(c.pmid)
    )
