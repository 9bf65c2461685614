"""Which report does an uploaded PDF belong to? By DOI, else PMID, else by title.

An identifier is trusted where a paper prints its own: in the file name or near the start
of the text (the first HEAD_CHARS characters). Further down, the first pages may already be
the reference list, full of other papers' DOIs, some of them other reports in the same
review; an identifier found there only counts when the title agrees, or, with nothing
better, as an uncertain suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from rapidfuzz import fuzz

from lib.dedup.normalise import fold
from lib.imports.normalise import _DOI, normalise_doi

HEAD_CHARS = 2000  # where a paper's own DOI or PMID is printed (title page, header)
TITLE_CHARS = 600  # where its title starts
CERTAIN = 0.92
POSSIBLE = 0.75
MARGIN = 0.05  # a certain title match beats every other candidate by this much
# Below this length a folded title ("editorial", "obesity") turns up inside any text.
MIN_PARTIAL_TITLE = 20

_FILE_DOI = re.compile(r"10\.\d{4,9}[/_]\S+", re.IGNORECASE)
_PMID = re.compile(r"\b(?:PMID|PubMed\s*ID)\s*[:#]?\s*(\d{1,8})\b", re.IGNORECASE)
_FILE_PMID = re.compile(r"^(?:pmid[\s_-]*(\d{1,8})|(\d{7,8}))$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A report the PDF may belong to."""

    id: int
    title: str
    doi: str = ""
    pmid: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    candidate_id: int | None
    method: str  # "doi" | "pmid" | "title" | "" (no match)
    score: float  # 1.0 for an identifier, the title similarity (0-1) otherwise
    certain: bool


NO_MATCH = Match(candidate_id=None, method="", score=0.0, certain=False)


@dataclass(frozen=True, slots=True)
class _Found:
    position: int  # -1 for the file name
    kind: str  # "doi" | "pmid"
    value: str


def find_identifiers(text: str, filename: str) -> tuple[set[str], set[str]]:
    """(DOIs, PMIDs) in the text and the file name; DOIs normalised to lower case.

    A file name stands '/' as '_' or '%2F' ('10.1093_pubmed_fdh150.pdf'); as '_' may also
    belong to the DOI, both readings of such a name are returned.
    """
    dois: set[str] = set()
    pmids: set[str] = set()
    for found in _identifiers(text, filename):
        if found.kind == "pmid":
            pmids.add(found.value)
        elif found.position < 0:
            dois.update(_file_doi_readings(found.value))
        else:
            dois.add(found.value)
    return dois, pmids


def match_pdf(text: str, filename: str, pdf_title: str, candidates: list[Candidate]) -> Match:
    """The candidate this PDF is, by DOI (certain), else PMID (certain), else title."""
    by_doi: dict[str, int] = {}
    by_pmid: dict[str, int] = {}
    for candidate in candidates:
        doi = normalise_doi(candidate.doi)
        if doi:
            by_doi.setdefault(_doi_key(doi), candidate.id)
        pmid = candidate.pmid.strip()
        if pmid.isdigit():
            by_pmid.setdefault(pmid.lstrip("0"), candidate.id)

    # (position, candidate) of each identifier belonging to a candidate, earliest first.
    hits: dict[str, list[tuple[int, int]]] = {"doi": [], "pmid": []}
    for found in _identifiers(text, filename):
        if found.kind == "doi":
            candidate_id = by_doi.get(_doi_key(found.value))
        else:
            candidate_id = by_pmid.get(found.value.lstrip("0"))
        if candidate_id is not None:
            hits[found.kind].append((found.position, candidate_id))
    late: tuple[str, int] | None = None
    for kind in ("doi", "pmid"):
        if not hits[kind]:
            continue
        position, candidate_id = min(hits[kind])
        if position < HEAD_CHARS:
            return Match(candidate_id, kind, 1.0, True)
        late = late or (kind, candidate_id)

    by_title = _match_title(text, pdf_title, candidates)
    if late is None:
        return by_title
    kind, candidate_id = late
    if by_title.candidate_id == candidate_id:
        return Match(candidate_id, kind, 1.0, True)  # the title agrees with the identifier
    if by_title.candidate_id is not None:
        return by_title
    return Match(candidate_id, kind, 1.0, False)


def _identifiers(text: str, filename: str) -> list[_Found]:
    found: list[_Found] = []
    stem = _stem(filename)
    name = unquote(stem)
    for hit in _FILE_DOI.finditer(name):
        doi = normalise_doi(hit.group(0).replace("_", "/", 1))
        if doi:
            found.append(_Found(-1, "doi", doi))
    file_pmid = _FILE_PMID.match(stem.strip())
    if file_pmid:
        found.append(_Found(-1, "pmid", file_pmid.group(1) or file_pmid.group(2)))
    for hit in _DOI.finditer(text):
        doi = normalise_doi(hit.group(0))
        if doi:
            found.append(_Found(hit.start(), "doi", doi))
    for hit in _PMID.finditer(text):
        found.append(_Found(hit.start(), "pmid", hit.group(1)))
    return found


def _stem(filename: str) -> str:
    """'pdfs\\10.1093_x.PDF' -> '10.1093_x'."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return name[:-4] if name.lower().endswith(".pdf") else name


def _file_doi_readings(doi: str) -> set[str]:
    """'10.1093/pubmed_fdh150' -> it, and '10.1093/pubmed/fdh150'."""
    return {doi, doi.replace("_", "/")}


def _doi_key(doi: str) -> str:
    # A file name's '_' may stand for any '/', so DOIs are compared with both as one.
    return doi.replace("_", "/")


def _match_title(text: str, pdf_title: str, candidates: list[Candidate]) -> Match:
    info_title = fold(pdf_title)
    head = fold(text[: TITLE_CHARS * 2])
    scores: list[tuple[float, int]] = []
    for candidate in candidates:
        title = fold(candidate.title)
        if not title:
            continue
        score = fuzz.ratio(title, info_title) if info_title else 0.0
        if len(title) >= MIN_PARTIAL_TITLE and head:
            # The title must start within the first TITLE_CHARS characters.
            window = head[: TITLE_CHARS + len(title)]
            score = max(score, fuzz.partial_ratio(title, window))
        scores.append((score / 100, candidate.id))
    if not scores:
        return NO_MATCH
    scores.sort(key=lambda pair: pair[0], reverse=True)
    best, candidate_id = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best >= CERTAIN and best - runner_up >= MARGIN:
        return Match(candidate_id, "title", round(best, 4), True)
    if best >= POSSIBLE:
        return Match(candidate_id, "title", round(best, 4), False)
    return NO_MATCH
