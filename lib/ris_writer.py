"""RIS as Sift writes it (the record exports), with rispy's writer.

- No `1.`, `2.` counter lines before each `TY` (rispy's default header): EndNote and Zotero
  read them as junk between records.
- Every value is folded onto one line (`lib.singleline`), so no value, however it was
  imported or typed, can start a line of its own: no forged tag, no forged record.
- Every field Sift read is kept. A record imported from RIS is written with its own tags
  and values in file order (`from_ris`); a non-standard tag (APA PsycNET's `PMID`) becomes
  an `N1` line "PMID: ...". A record from another format gets Sift's normalised fields
  plus the bibliographic fields that format names, mapped to their RIS tags (`EXTRA`:
  publisher, place, editors, ISBN/ISSN, edition, series, book title, affiliations ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

import rispy

from lib.singleline import fold

Entry = dict[str, list[str]]  # RIS tag -> values, in writing order
_TAG = re.compile(r"^[A-Z][A-Z0-9]$")


class SiftRisWriter(rispy.RisWriter):
    """rispy's writer over entries keyed by RIS tag, every value on one line, no counters."""

    DEFAULT_IGNORE: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__(mapping={}, list_tags=[], enforce_list_tags=False)

    def set_header(self, count: int) -> str:
        return ""  # rispy writes "1.", "2." ...: not RIS

    def _format_line(self, tag, value=""):
        return super()._format_line(tag, fold(str(value)).strip())

    def _format_reference(self, ref, count, n):
        # Entries are keyed by tag already: write them in order, lists as repeated lines.
        yield self._format_line("TY", (ref.get("TY") or ["GEN"])[0])
        for tag, values in ref.items():
            if tag == "TY":
                continue
            for value in values:
                if str(value).strip():
                    yield self._format_line(tag, value)
        yield self._format_line("ER")
        if count < n:
            yield ""


def dumps(entries: Iterable[Entry]) -> str:
    return SiftRisWriter().formats(list(entries))


def add(entry: Entry, tag: str, *values: object) -> None:
    """Append non-empty values under a tag."""
    for value in values:
        if isinstance(value, (list, tuple)):
            add(entry, tag, *value)
        elif value not in (None, "") and str(value).strip():
            entry.setdefault(tag, []).append(str(value))


def from_ris(raw: Mapping[str, object]) -> Entry:
    """A record imported from RIS, tag for tag (values as read; TY first)."""
    entry: Entry = {"TY": [str(_values(raw.get("TY"))[0] if raw.get("TY") else "GEN")]}
    for tag, value in raw.items():
        if tag in ("TY", "ER"):
            continue
        if _TAG.match(tag):
            add(entry, tag, *_values(value))
        else:
            add(entry, "N1", *[f"{tag}: {v}" for v in _values(value)])
    return entry


# Fields of the other formats that have a RIS tag and no normalised home in Sift, by the
# name the importer keeps them under (raw_fields; compared without case).
_PUBLISHER, _PLACE, _EDITORS, _SN = "PB", "CY", "A2", "SN"
EXTRA: dict[str, dict[str, str]] = {
    "medline": {"pb": _PUBLISHER, "pl": _PLACE, "fed": _EDITORS, "ed": _EDITORS, "is": _SN,
                "isbn": _SN, "ad": "AD", "ta": "J2", "bti": "T2", "cti": "T3", "en": "ET",
                "pt": "M3", "pmc": "C2"},
    "wos": {"pu": _PUBLISHER, "pi": _PLACE, "pa": "AD", "ed": _EDITORS, "be": _EDITORS,
            "sn": _SN, "ei": _SN, "bn": _SN, "ji": "J2", "c1": "AD", "se": "T3", "dt": "M3",
            "ut": "M1"},
    "bibtex": {"publisher": _PUBLISHER, "address": _PLACE, "editor": _EDITORS, "isbn": _SN,
               "issn": _SN, "eissn": _SN, "edition": "ET", "series": "T3", "booktitle": "T2",
               "school": _PUBLISHER, "institution": _PUBLISHER, "organization": _PUBLISHER,
               "affiliation": "AD", "note": "N1", "type": "M3", "journal-iso": "J2"},
    "endnote-tagged": {"%i": _PUBLISHER, "%c": _PLACE, "%e": _EDITORS, "%@": _SN, "%7": "ET",
                       "%b": "T2", "%s": "T3", "%+": "AD", "%z": "N1", "%9": "M3", "%y": "A3",
                       "%m": "AN"},
    "endnote-xml": {"publisher": _PUBLISHER, "pub-location": _PLACE,
                    "contributors/secondary-authors/author": _EDITORS,
                    "contributors/tertiary-authors/author": "A3", "isbn": _SN, "edition": "ET",
                    "titles/secondary-title": "T2", "titles/tertiary-title": "T3",
                    "auth-address": "AD", "notes": "N1", "work-type": "M3",
                    "accession-num": "AN"},
    "ovid": {"pb": _PUBLISHER, "pl": _PLACE, "ed": _EDITORS, "is": _SN, "ib": _SN, "ad": "AD",
             "in": "AD", "pt": "M3", "ui": "AN"},
    "table": {"publisher": _PUBLISHER, "book publisher": _PUBLISHER, "place": _PLACE,
              "place of publication": _PLACE, "editor": _EDITORS, "editors": _EDITORS,
              "isbn": _SN, "issn": _SN, "edition": "ET", "series": "T3",
              "author addresses": "AD", "affiliations": "AD"},
}  # fmt: skip
for _fmt in ("csv", "tsv", "xlsx"):
    EXTRA[_fmt] = EXTRA["table"]


def extra_fields(fmt: str, raw: Mapping[str, object], entry: Entry) -> None:
    """Add to `entry` the fields of a non-RIS record that `EXTRA` maps, skipping values the
    entry already holds under that tag (an ISSN listed twice) and secondary titles that are
    the journal it already names."""
    mapping = EXTRA.get(fmt, {})
    held = {(tag, _same(v)) for tag, values in entry.items() for v in values}
    for name, value in raw.items():
        tag = mapping.get(name.lower())
        if not tag:
            continue
        for item in _values(value):
            if (tag, _same(item)) in held or (tag in ("T2", "J2") and ("JO", _same(item)) in held):
                continue
            add(entry, tag, item)
            held.add((tag, _same(item)))


def _values(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _same(text: str) -> str:
    return " ".join(str(text).split())


# --- the record's type as a RIS TY ---------------------------------------------------------

# RIS's own type codes: a value that is one already is kept.
RIS_TYPES = frozenset(
    [
        "ABST",
        "ADVS",
        "AGGR",
        "ANCIENT",
        "ART",
        "BILL",
        "BLOG",
        "BOOK",
        "CASE",
        "CHAP",
        "CHART",
        "CLSWK",
        "COMP",
        "CONF",
        "CPAPER",
        "CTLG",
        "DATA",
        "DBASE",
        "DICT",
        "EBOOK",
        "ECHAP",
        "EDBOOK",
        "EJOUR",
        "ELEC",
        "ENCYC",
        "EQUA",
        "FIGURE",
        "GEN",
        "GOVDOC",
        "GRANT",
        "HEAR",
        "ICOMM",
        "INPR",
        "JFULL",
        "JOUR",
        "LEGAL",
        "MANSCPT",
        "MAP",
        "MGZN",
        "MPCT",
        "MULTI",
        "MUSIC",
        "NEWS",
        "PAMP",
        "PAT",
        "PCOMM",
        "RPRT",
        "SER",
        "SLIDE",
        "SOUND",
        "STAND",
        "STAT",
        "THES",
        "UNPB",
        "VIDEO",
    ]
)

# Publication types, as each format words them (compared without case), by RIS type.
# PubMed/MEDLINE's PT list (NLM's publication types): everything published in a journal is
# JOUR, whatever kind of article it is (a review, a trial, a letter, a comment, an erratum).
_BY_TYPE: dict[str, tuple[str, ...]] = {
    "JOUR": (
        # MEDLINE / PubMed
        "journal article", "review", "systematic review", "meta-analysis", "scoping review",
        "randomized controlled trial", "randomized controlled trial, veterinary",
        "controlled clinical trial", "clinical trial", "clinical trial, phase i",
        "clinical trial, phase ii", "clinical trial, phase iii", "clinical trial, phase iv",
        "clinical trial protocol", "clinical trial, veterinary", "pragmatic clinical trial",
        "equivalence trial", "adaptive clinical trial", "clinical study", "comparative study",
        "observational study", "observational study, veterinary", "multicenter study",
        "evaluation study", "validation study", "twin study", "case reports", "comment",
        "letter", "editorial", "news", "published erratum", "retraction of publication",
        "retracted publication", "expression of concern", "introductory journal article",
        "practice guideline", "guideline", "consensus development conference",
        "consensus development conference, nih", "historical article", "biography",
        "autobiography", "portrait", "interview", "lecture", "address", "personal narrative",
        "english abstract", "corrected and republished article", "duplicate publication",
        "classical article", "festschrift", "bibliography",
        "directory", "research support, n.i.h., extramural",
        "research support, n.i.h., intramural", "research support, non-u.s. gov't",
        "research support, u.s. gov't, non-p.h.s.", "research support, u.s. gov't, p.h.s.",
        "research support, american recovery and reinvestment act",
        "research support, u.s. gov't", "periodical",
        # Web of Science, EndNote, BibTeX, CSL-JSON, spreadsheets
        "article", "jour", "journal", "review article", "editorial material", "book review",
        "correction", "early access", "data paper", "article-journal", "journal-article",
        "retracted article", "electronic article", "magazine",
    ),
    "UNPB": ("preprint", "unpublished", "unpublished work", "posted-content", "manuscript"),
    "BOOK": ("book", "books and documents", "edited book", "monograph", "whole book"),
    "CHAP": ("chapter", "book section", "book chapter", "incollection", "inbook",
             "part of book", "book part"),
    "CPAPER": ("conference paper", "proceedings paper", "inproceedings", "paper-conference",
               "conference proceedings", "proceedings-article"),
    "CONF": ("conference", "proceedings", "congress", "congresses"),
    "ABST": ("meeting abstract", "abstract", "conference abstract"),
    "RPRT": ("report", "techreport", "technical report", "government publication",
             "government document",
             "grey literature", "gray literature", "working paper"),
    "THES": ("thesis", "phdthesis", "mastersthesis", "dissertation", "dissertation/thesis",
             "academic dissertation", "academic dissertations"),
    "ELEC": ("web page", "webpage", "web site", "website", "online", "electronic resource",
             "blog post"),
    "DATA": ("dataset", "data set", "data study"),
    "VIDEO": ("video-audio media", "webcast", "video", "video recording"),
    "NEWS": ("newspaper article", "newspaper", "article-newspaper"),
    "MGZN": ("magazine article", "article-magazine"),
    "PAT": ("patent",),
    "STAND": ("standard",),
    "COMP": ("computer program", "software"),
    "GEN": ("misc", "generic", "other"),
}  # fmt: skip
_TYPES = {name: ty for ty, names in _BY_TYPE.items() for name in names}


def ris_type(*values: str | None) -> str:
    """The RIS TY for a record's publication type(s), best first: the first value (or part of
    one, "Article; Proceedings Paper") that names a type. No type at all reads as a journal
    article (most search results are); a type nothing maps to is GEN."""
    named = False
    for value in values:
        for part in str(value or "").split(";"):
            part = " ".join(part.split())
            if not part:
                continue
            named = True
            if part.upper() in RIS_TYPES:
                return part.upper()
            found = _TYPES.get(part.lower())
            if found:
                return found
    return "GEN" if named else "JOUR"
