"""RIS text for the demo files, in the dialect of each source, and duplicate variants.

A paper found by several databases is printed differently by each, the way real exports
differ: case and punctuation of the title, full given names or initials, a missing or
upper-case DOI, abbreviated page ranges, journal abbreviations.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from .papers import Author, DemoPaper


@dataclass(frozen=True, slots=True)
class SourceStyle:
    filename: str
    dialect: str  # ovid, ebsco, proquest, wos, library
    authors: str  # "full" (Smith, Katherine E.) or "initials" (Smith, K. E.)
    journal: str  # "full" or "abbrev"
    order: str  # "year_desc" or "shuffle"


@dataclass(frozen=True, slots=True)
class Rendered:
    """The fields of one printed record that duplicates are told apart by."""

    title: str
    authors: tuple[str, ...]
    doi: str
    start_page: str
    end_page: str
    journal: str

    def key(self) -> tuple[object, ...]:
        return (self.title, self.authors, self.doi, self.start_page, self.end_page)


_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "versus",
        "via",
        "into",
    ]
)


def format_author(author: Author, style: str) -> str:
    if not author.given:
        return author.surname
    middle = f" {author.middle}." if author.middle else ""
    given = author.given if style == "full" else f"{author.given[0]}."
    return f"{author.surname}, {given}{middle}"


def title_case(title: str) -> str:
    words = title.split(" ")
    out = []
    for i, word in enumerate(words):
        bare = word.strip("[(")
        if i > 0 and bare.lower() in _SMALL_WORDS:
            out.append(word)
        else:
            lead = len(word) - len(bare)
            out.append(word[:lead] + bare[:1].upper() + bare[1:])
    return " ".join(out)


def sentence_case(title: str) -> str:
    low = title.lower()
    m = re.search(r"[a-z]", low)
    return low if m is None else low[: m.start()] + low[m.start()].upper() + low[m.start() + 1 :]


def abbreviate_pages(start: str, end: str) -> str:
    """Medline style: 210-221 -> 210-21, 1123-1126 -> 1123-6."""
    if len(start) != len(end) or not (start.isdigit() and end.isdigit()):
        return end
    i = 0
    while i < len(end) - 1 and start[i] == end[i]:
        i += 1
    return end[i:]


def canonical(paper: DemoPaper, style: SourceStyle) -> Rendered:
    journal = paper.journal
    if paper.type == "JOUR" and style.journal == "abbrev":
        journal = paper.journal_abbrev
    return Rendered(
        title=paper.title,
        authors=tuple(format_author(a, style.authors) for a in paper.authors),
        doi=paper.doi,
        start_page=paper.start_page,
        end_page=paper.end_page,
        journal=journal,
    )


def duplicate(
    rng: random.Random, paper: DemoPaper, style: SourceStyle, first: Rendered
) -> Rendered:
    """A copy of `paper` as another database prints it; never identical to `first`."""
    r = canonical(paper, style)
    title = r.title
    if rng.random() < 0.4:
        title = rng.choice([str.upper, title_case, sentence_case])(title)
    if rng.random() < 0.4:
        if ": " in title:
            title = title.replace(": ", rng.choice([" - ", ". ", " -- "]), 1)
        elif title.endswith("."):
            title = title[:-1]
        elif not title.endswith(("?", "]")):
            title += "."
    authors = r.authors
    if rng.random() < 0.25:
        other = "initials" if style.authors == "full" else "full"
        authors = tuple(format_author(a, other) for a in paper.authors)
    doi = r.doi
    if doi and rng.random() < 0.3:
        doi = ""
    elif doi and rng.random() < 0.15:
        doi = rng.choice([doi.upper(), f"https://doi.org/{doi}"])
    end_page = r.end_page
    if paper.type == "JOUR" and end_page and rng.random() < 0.35:
        end_page = abbreviate_pages(r.start_page, end_page)
    journal = r.journal
    if paper.type == "JOUR" and rng.random() < 0.3:
        journal = paper.journal_abbrev if journal == paper.journal else paper.journal
    out = replace(r, title=title, authors=authors, doi=doi, end_page=end_page, journal=journal)
    if out.key() == first.key():
        forced = title.upper() if title.upper() != first.title else sentence_case(title)
        out = replace(out, title=forced)
    return out


def accession_number(paper: DemoPaper, source: str) -> str:
    match source:
        case "Medline":
            return str(9_400_000 + (paper.year - 1997) * 900_000 + paper.id * 311)
        case "Embase":
            return f"{paper.year}{paper.id * 7919 % 1_000_000:06d}"
        case "CINAHL":
            return str(106_000_000 + paper.id * 97)
        case "Social Sciences Citation Index":
            return f"WOS:000{220_000_000 + (paper.year - 1997) * 3_000_000 + paper.id * 2713}"
        case "ASSIA":
            return str(57_000_000 + paper.id * 613)
        case "Social Services Abstracts":
            return str(61_000_000 + paper.id * 587)
        case "Sociological Abstracts":
            return str(63_500_000 + paper.id * 599)
    return ""


def _pages(r: Rendered) -> list[tuple[str, str]]:
    out = []
    if r.start_page:
        out.append(("SP", r.start_page))
    if r.end_page:
        out.append(("EP", r.end_page))
    return out


def _container(paper: DemoPaper, r: Rendered, dialect: str) -> list[tuple[str, str]]:
    """Journal (or book) name, volume, issue and pages."""
    if paper.type == "JOUR":
        if dialect == "ovid":
            head = [("JF", r.journal), ("JA", paper.journal_abbrev)]
        elif dialect == "ebsco":
            head = [("JO", r.journal)]
        elif dialect == "wos":
            head = [("T2", r.journal.upper())]
        else:
            head = [("T2", r.journal)]
        return head + [("VL", paper.volume), ("IS", paper.issue)] + _pages(r)
    out: list[tuple[str, str]] = []
    if paper.type == "CHAP":
        out.append(("T2", r.journal))
        out += [("A2", format_author(a, "initials")) for a in paper.editors]
        out += _pages(r)
    out += [("PB", paper.publisher), ("CY", paper.place_published)]
    return out


def record_text(paper: DemoPaper, r: Rendered, source: str, style: SourceStyle) -> str:
    d = style.dialect
    authors = [("AU", a) for a in r.authors]
    keywords = [("KW", k) for k in paper.keywords]
    an = accession_number(paper, source)
    accession = [("AN", an)] if an else []
    doi = [("DO", r.doi)] if r.doi else []
    language = [("LA", paper.language)]
    container = _container(paper, r, d)
    lines: list[tuple[str, str]] = [("TY", paper.type)]
    if d == "ovid":
        lines += accession + authors + [("T1", r.title)] + container
        lines += [("Y1", f"{paper.year}//"), ("N2", paper.abstract)] + keywords + doi + language
    elif d == "ebsco":
        lines += authors + [("T1", r.title)] + container + [("Y1", str(paper.year))]
        lines += [("AB", paper.abstract)] + keywords + doi + accession
    elif d == "proquest":
        lines += authors + [("AB", paper.abstract), ("TI", r.title)] + container
        lines += [("PY", str(paper.year))] + keywords + language + doi + accession
    elif d == "wos":
        lines += authors + [("TI", r.title)] + container + [("PY", str(paper.year))]
        lines += doi + [("AB", paper.abstract)] + keywords + accession
    else:
        lines += authors + [("PY", str(paper.year)), ("TI", r.title)] + container
        lines += [("AB", paper.abstract)] + keywords + doi
        if paper.language != "English":
            lines += language
    lines.append(("DB", source))
    body = "".join(f"{tag}  - {value}\n" for tag, value in lines if value)
    return body + "ER  - \n\n"
