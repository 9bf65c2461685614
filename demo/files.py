"""The demo search-result files: one RIS text per search with a reported count.

1288 records over 12 files, drawn from 1058 distinct papers. The 230 extra records are
copies of database papers found again by other databases; the Health Services Management
Centre pages only hold papers of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from .papers import DemoPaper, make_papers, with_companions
from .ris import Rendered, SourceStyle, canonical, duplicate, record_text
from .spec import HSMC, review_spec

DEFAULT_SEED = 2009
HSMC_PROGRAMME = "Partnership programme publications (web page)"
HSMC_CURRENT = "Current publications (web page)"

# Keyed by search label (a database's single search is labelled with its name).
STYLES: dict[str, SourceStyle] = {
    "ASSIA": SourceStyle("assia.ris", "proquest", "full", "full", "shuffle"),
    "Social Sciences Citation Index": SourceStyle(
        "ssci.ris", "wos", "initials", "full", "year_desc"
    ),
    "International Bibliography of the Social Sciences": SourceStyle(
        "ibss.ris", "ovid", "initials", "full", "year_desc"
    ),
    "CareData": SourceStyle("caredata.ris", "library", "full", "full", "shuffle"),
    "CINAHL": SourceStyle("cinahl.ris", "ebsco", "full", "abbrev", "shuffle"),
    "Embase": SourceStyle("embase.ris", "ovid", "initials", "full", "year_desc"),
    "Medline": SourceStyle("medline.ris", "ovid", "full", "full", "year_desc"),
    "Sociological Abstracts": SourceStyle(
        "sociological-abstracts.ris", "proquest", "full", "full", "shuffle"
    ),
    "Social Services Abstracts": SourceStyle(
        "social-services-abstracts.ris", "proquest", "full", "full", "shuffle"
    ),
    "Kings Fund": SourceStyle("kings-fund.ris", "library", "initials", "full", "shuffle"),
    HSMC_PROGRAMME: SourceStyle(
        "hsmc-partnership-programme.ris", "library", "full", "full", "shuffle"
    ),
    HSMC_CURRENT: SourceStyle(
        "hsmc-current-publications.ris", "library", "full", "full", "shuffle"
    ),
}

# Records in each database file that are papers already found by another database (230 in
# all), and the databases those papers come from. Journal-only databases take only JOUR.
EXTRAS: dict[str, tuple[int, tuple[str, ...]]] = {
    "ASSIA": (6, ("Social Sciences Citation Index", "Social Services Abstracts", "Medline")),
    "Social Sciences Citation Index": (
        30,
        (
            "Medline",
            "ASSIA",
            "International Bibliography of the Social Sciences",
            "Sociological Abstracts",
            "Social Services Abstracts",
            "CINAHL",
        ),
    ),
    "International Bibliography of the Social Sciences": (
        6,
        ("Social Sciences Citation Index", "ASSIA", "Sociological Abstracts"),
    ),
    "CareData": (20, ("Kings Fund", "Social Services Abstracts", "ASSIA")),
    "CINAHL": (25, ("Medline", "Embase")),
    "Embase": (35, ("Medline", "CINAHL")),
    "Medline": (30, ("Embase", "CINAHL", "Social Sciences Citation Index")),
    "Sociological Abstracts": (
        10,
        (
            "Social Sciences Citation Index",
            "Social Services Abstracts",
            "International Bibliography of the Social Sciences",
            "ASSIA",
        ),
    ),
    "Social Services Abstracts": (
        15,
        ("Sociological Abstracts", "ASSIA", "CareData", "Social Sciences Citation Index"),
    ),
    "Kings Fund": (
        53,
        ("Medline", "CareData", "Social Sciences Citation Index", "CINAHL"),
    ),
}
MIXED_DATABASES = ("CareData", "Kings Fund")  # catalogues holding reports and books too

# Home papers are written most selective source first (see papers.make_papers).
WRITING_ORDER = [
    HSMC,
    "Kings Fund",
    "CareData",
    "International Bibliography of the Social Sciences",
    "Sociological Abstracts",
    "Social Services Abstracts",
    "ASSIA",
    "Social Sciences Citation Index",
    "CINAHL",
    "Embase",
    "Medline",
]


@dataclass(frozen=True, slots=True)
class DemoFile:
    source_name: str
    search_label: str
    filename: str
    text: str
    paper_ids: list[int]  # ground truth, in record order; not written into the text


def _searches() -> list[tuple[str, str, int]]:
    """(source name, search label, records) for every search with a reported count > 0."""
    return [
        (source.name, search.label, search.records_reported)
        for source in review_spec().sources
        for search in source.searches
        if search.records_reported
    ]


def _allocate(
    rng: random.Random, searches: list[tuple[str, str, int]]
) -> tuple[list[DemoPaper], dict[str, list[int]]]:
    counts = {label: n for _, label, n in searches}
    homes = []
    for name in WRITING_ORDER:
        if name == HSMC:
            homes.append((HSMC, counts[HSMC_PROGRAMME] + counts[HSMC_CURRENT]))
        else:
            homes.append((name, counts[name] - EXTRAS[name][0]))
    papers = with_companions(make_papers(rng, homes))
    by_home: dict[str, list[DemoPaper]] = {}
    for p in papers:
        by_home.setdefault(p.home, []).append(p)

    members: dict[str, list[int]] = {}
    hsmc = by_home[HSMC]
    current = max(hsmc, key=lambda p: (p.year, -p.id))
    members[HSMC_CURRENT] = [current.id]
    members[HSMC_PROGRAMME] = [p.id for p in hsmc if p is not current]
    for name in WRITING_ORDER[1:]:
        members[name] = [p.id for p in by_home[name]]

    for name, (n_extra, donors) in EXTRAS.items():
        taken = set(members[name])
        pool = [
            p
            for donor in donors
            for p in by_home[donor]
            if name in MIXED_DATABASES or p.type == "JOUR"
        ]
        # Relevant papers are indexed by more databases than off-topic ones.
        weights = [3.0 if p.topic in ("outcomes", "process") else 1.0 for p in pool]
        for _ in range(n_extra):
            while True:
                i = rng.choices(range(len(pool)), weights=weights)[0]
                if pool[i].id not in taken:
                    break
            taken.add(pool[i].id)
            weights[i] = 0.0
            members[name].append(pool[i].id)
    return papers, members


def _order(rng: random.Random, ids: list[int], papers: dict[int, DemoPaper], how: str) -> list[int]:
    ids = list(ids)
    rng.shuffle(ids)
    if how == "year_desc":
        ids.sort(key=lambda i: -papers[i].year)
    return ids


def demo_files(seed: int = DEFAULT_SEED) -> list[DemoFile]:
    """One RIS file per search with a reported count, in the order of review_spec()."""
    return list(_demo_files(seed))


@cache  # deterministic and asked for several times by one demo load: built once
def _demo_files(seed: int) -> tuple[DemoFile, ...]:
    rng = random.Random(seed)
    searches = _searches()
    papers, members = _allocate(rng, searches)
    by_id = {p.id: p for p in papers}
    first: dict[int, Rendered] = {}
    files = []
    for source, label, _ in searches:
        style = STYLES[label]
        ids = _order(rng, members[label], by_id, style.order)
        chunks = []
        for pid in ids:
            paper = by_id[pid]
            if pid in first:
                rendered = duplicate(rng, paper, style, first[pid])
            else:
                rendered = first[pid] = canonical(paper, style)
            chunks.append(record_text(paper, rendered, source, style))
        files.append(DemoFile(source, label, style.filename, "".join(chunks), ids))
    return tuple(files)


def demo_papers(seed: int = DEFAULT_SEED) -> list[DemoPaper]:
    """The distinct papers behind demo_files(seed), with their intended screening outcome."""
    return list(_demo_papers(seed))


@cache
def _demo_papers(seed: int) -> tuple[DemoPaper, ...]:
    return tuple(_allocate(random.Random(seed), _searches())[0])
