"""The demo review: question, criteria and sources of the seed review (Smith et al. 2009).

Counts, criteria and the list of databases come from the published report. The search
strategies are not reproduced from the report: they are plausible reconstructions in the
syntax the report describes for each database, and each source's notes say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SOURCE_TYPES = (
    "database",
    "register",
    "website",
    "organisation",
    "citation_searching",
    "contact",
    "other",
)
ARMS = ("dbr", "other")

LIMIT_FROM = date(1997, 1, 1)
LIMIT_TO = date(2008, 6, 30)

RECONSTRUCTED = "Strategy reconstructed for the demo, in the syntax the report describes."
NO_COUNT = "Listed among the databases searched; the report gives no count and no strategy."


@dataclass(frozen=True, slots=True)
class DemoCriterion:
    code: str  # "I1".."I3", "E1".."E6"
    kind: str  # "include" or "exclude"
    text: str
    label: str = ""  # short name for the PRISMA diagram's reasons


@dataclass(frozen=True, slots=True)
class DemoSearch:
    label: str
    date_run: date | None  # None: not reported
    date_limits_from: date | None
    date_limits_to: date | None
    strategy: str  # as run; "" when not reported
    records_reported: int | None  # None: not reported (never conflated with 0)


@dataclass(frozen=True, slots=True)
class DemoSource:
    name: str
    platform: str  # "": not reported
    source_type: str  # one of SOURCE_TYPES
    arm: str  # one of ARMS
    pooled_into_screening: bool
    notes: str
    searches: list[DemoSearch] = field(default_factory=list)

    @property
    def records_reported(self) -> int | None:
        """Sum over the searches, or None when no search has a reported count."""
        known = [s.records_reported for s in self.searches if s.records_reported is not None]
        return sum(known) if known else None


@dataclass(frozen=True, slots=True)
class DemoReview:
    title: str
    slug: str
    question: str
    date_limits_from: date
    date_limits_to: date
    criteria: list[DemoCriterion]
    sources: list[DemoSource]

    # The seed review's PRISMA figure: 1288 records, 1058 after duplicates were removed.
    records_after_duplicates: int = 1058

    @property
    def records_reported(self) -> int:
        return sum(s.records_reported or 0 for s in self.sources)


QUESTION = (
    "What is the impact of organisational partnerships on public health outcomes (health "
    "improvement and/or reduction of health inequalities) in England between 1997 and 2008? "
    "Quantitative (longitudinal before-and-after) and qualitative empirical studies are "
    "eligible, including 'views' studies."
)

CRITERIA = [
    DemoCriterion(
        "I1",
        "include",
        "Public health partnership: an organisational partnership of two or more "
        "organisational bodies aiming to improve public health outcomes (population health "
        "improvement and/or reduction in health inequalities).",
    ),
    DemoCriterion(
        "I2",
        "include",
        "The study explicitly describes the partnership evaluated, or assesses a key known "
        "public health partnership (Local Strategic Partnerships, Health Action Zones, "
        "Neighbourhood Renewal Partnerships, Health Improvement Programmes, ...).",
    ),
    DemoCriterion(
        "I3",
        "include",
        "The study contains data on the impact of the partnership on health outcomes, "
        "directly (e.g. effect on self-reported health) or indirectly (e.g. raising the "
        "policy profile of health inequalities).",
    ),
    DemoCriterion("E1", "exclude", "Partnerships only based outside England.", "Outside England"),
    DemoCriterion("E2", "exclude", "Partnerships terminated by or during 1997.", "Ended by 1997"),
    DemoCriterion(
        "E3",
        "exclude",
        "Partnerships designed to improve clinical health outcomes, control infectious "
        "disease or treat illness.",
        "Clinical or infection control aims",
    ),
    DemoCriterion(
        "E4",
        "exclude",
        "Opinion or theoretical papers not drawing on empirical data.",
        "No empirical data",
    ),
    DemoCriterion(
        "E5",
        "exclude",
        "Studies only examining processes of partnership working (not public health outcomes).",
        "Process only (no public health outcomes)",
    ),
    DemoCriterion("E6", "exclude", "Non-English language papers.", "Not in English"),
]

# Ovid syntax: $ truncation, adj<n> proximity, .tw. text word, / subject heading.
_OVID_PARTNERSHIP = """\
(partnership$ or collaborat$ or "joint working" or inter-agency or interagency or multi-agency).tw.
(health action zone$ or local strategic partnership$ or neighbo?rhood renewal or health improvement programme$ or sure start or healthy living centre$ or healthy cit$).tw."""

_OVID_AREA = "(England or English or UK or United Kingdom or Britain or British).tw,in."

STRATEGIES: dict[str, str] = {
    "Medline": f"""\
1. exp Public Health/
2. ("public health" or "health improvement" or "health promotion").tw.
3. (health adj3 (inequalit$ or inequit$ or disparit$)).tw.
4. or/1-3
5. {_OVID_PARTNERSHIP.splitlines()[0]}
6. Interinstitutional Relations/ or Cooperative Behavior/ or Community Networks/
7. {_OVID_PARTNERSHIP.splitlines()[1]}
8. or/5-7
9. {_OVID_AREA}
10. exp Great Britain/
11. 9 or 10
12. 4 and 8 and 11
13. limit 12 to (english language and yr="1997 - 2008")""",
    "Embase": f"""\
1. exp public health/
2. exp health promotion/
3. ("public health" or "health improvement").tw.
4. (health adj3 (inequalit$ or inequit$)).tw.
5. or/1-4
6. {_OVID_PARTNERSHIP.splitlines()[0]}
7. cooperation/ or interdisciplinary communication/
8. {_OVID_PARTNERSHIP.splitlines()[1]}
9. or/6-8
10. {_OVID_AREA}
11. United Kingdom/
12. 10 or 11
13. 5 and 9 and 12
14. limit 13 to (english language and yr="1997 - 2008")""",
    "CINAHL": f"""\
1. exp Public Health/
2. Health Promotion/
3. ("public health" or "health inequalit$").tw.
4. or/1-3
5. Collaboration/ or Interinstitutional Relations/ or Partnerships/
6. {_OVID_PARTNERSHIP.splitlines()[0]}
7. {_OVID_PARTNERSHIP.splitlines()[1]}
8. or/5-7
9. {_OVID_AREA}
10. 4 and 8 and 9
11. limit 10 to yr="1997 - 2008\"""",
    "International Bibliography of the Social Sciences": """\
1. partnership$.tw.
2. (joint working or inter-agency or collaborat$).tw.
3. 1 or 2
4. (public health or health inequalit$ or health improvement).tw.
5. (England or English or UK or Britain).tw.
6. 3 and 4 and 5
7. limit 6 to yr="1997 - 2008\"""",
    "ASSIA": (
        '(partnership* OR "joint working" OR "inter-agency" OR collaborat*) AND '
        '("public health" OR "health inequalit*" OR "health improvement" OR '
        '"health action zone*" OR "local strategic partnership*") AND '
        "(England OR UK OR Britain) AND PY=(1997-2008)"
    ),
    "Social Services Abstracts": (
        '(partnership* OR "joint working" OR "inter-agency") AND ("public health" OR '
        '"health inequalit*" OR "health improvement") AND (England OR UK OR Britain) '
        "AND PY=(1997-2008)"
    ),
    "Sociological Abstracts": (
        '(partnership* OR collaborat* OR "joint working") AND ("public health" OR '
        '"health inequalit*") AND (England OR UK OR Britain) AND PY=(1997-2008)'
    ),
    "Social Sciences Citation Index": (
        'TI=(partnership* OR "joint working" OR collaborat* OR "health action zone*" OR '
        '"local strategic partnership*") AND TI=(health OR "public health" OR inequalit* OR '
        "well-being)\nTimespan=1997-2008. Databases=SSCI."
    ),
    "Kings Fund": """\
1. partnership$ ADJ working
2. joint ADJ working
3. PARTNERSHIPS#.DE.
4. JOINT-WORKING#.DE.
5. 1 OR 2 OR 3 OR 4
6. public ADJ health
7. health ADJ inequalit$
8. PUBLIC-HEALTH#.DE.
9. HEALTH-INEQUALITIES#.DE.
10. 6 OR 7 OR 8 OR 9
11. 5 AND 10
12. 11 AND PY=1997-2008""",
    "CareData": """\
Searched term by term (free text, 1997-2008); results combined:
partnership working
public health partnership
health action zone
local strategic partnership
health improvement programme
neighbourhood renewal
sure start
healthy living centre
health inequalities AND partnership""",
}

# Report order of Appendix 1; None = no count in the report.
DATABASES: list[tuple[str, int | None]] = [
    ("COPAC", None),
    ("ASSIA", 25),
    ("Social Sciences Citation Index", 157),
    ("International Bibliography of the Social Sciences", 21),
    ("ABI (Abstracted Business Information)", None),
    ("Inform", None),
    ("CareData", 173),
    ("CINAHL", 79),
    ("Embase", 80),
    ("Medline", 286),
    ("HMIC", None),
    ("Sociological Abstracts", 29),
    ("Social Services Abstracts", 49),
    ("SIGLE", None),
    ("Helmis", None),
    ("Kings Fund", 300),
    ("IDOX", None),
]

HSMC = "Health Services Management Centre"
HAND_SEARCHING = "Hand-searching bibliographies of included studies"
CONTACT = "Contact with authors"


def _database(name: str, count: int | None) -> DemoSource:
    if count is None:
        notes, strategy = NO_COUNT, ""
    else:
        notes, strategy = RECONSTRUCTED, STRATEGIES[name]
    if name == "CINAHL":
        notes += (
            " The report lists CINAHL twice to make its 'eighteen databases'; the demo "
            "holds it once (17 distinct databases)."
        )
    search = DemoSearch(
        label=name,
        date_run=None,
        date_limits_from=LIMIT_FROM,
        date_limits_to=LIMIT_TO,
        strategy=strategy,
        records_reported=count,
    )
    return DemoSource(
        name=name,
        platform="",
        source_type="database",
        arm="dbr",
        pooled_into_screening=True,
        notes=notes,
        searches=[search],
    )


def _hsmc() -> DemoSource:
    def page(label: str, strategy: str, count: int) -> DemoSearch:
        return DemoSearch(label, None, LIMIT_FROM, LIMIT_TO, strategy, count)

    return DemoSource(
        name=HSMC,
        platform="",
        source_type="website",
        arm="dbr",
        pooled_into_screening=True,
        notes=(
            "Two web pages of the University of Birmingham's Health Services Management "
            "Centre. The review reports them with the databases and screened these records "
            "together with the database records, so the source sits in the databases arm "
            "(PRISMA 2020 would normally put web pages under other methods). " + RECONSTRUCTED
        ),
        searches=[
            page(
                "Partnership programme publications (web page)",
                "Browsed every item listed on the Partnership programme publications page; "
                "items published 1997-2008 taken.",
                88,
            ),
            page(
                "Current publications (web page)",
                "Browsed the Current publications page for items on partnership working "
                "and public health, 1997-2008.",
                1,
            ),
        ],
    )


def _other(name: str, source_type: str, label: str, strategy: str) -> DemoSource:
    return DemoSource(
        name=name,
        platform="",
        source_type=source_type,
        arm="other",
        pooled_into_screening=False,
        notes="Reported as a search method; the report gives no number of records.",
        searches=[DemoSearch(label, None, None, None, strategy, None)],
    )


def review_spec() -> DemoReview:
    sources = [_database(name, count) for name, count in DATABASES]
    sources.append(_hsmc())
    sources.append(
        _other(
            HAND_SEARCHING,
            "citation_searching",
            "Reference lists of included studies",
            "Reference lists of the included studies checked by hand.",
        )
    )
    sources.append(
        _other(
            CONTACT,
            "contact",
            "Authors of included studies",
            "Authors contacted for further or unpublished studies.",
        )
    )
    return DemoReview(
        title="Partnerships and public health outcomes in England, 1997-2008",
        slug="demo",
        question=QUESTION,
        date_limits_from=LIMIT_FROM,
        date_limits_to=LIMIT_TO,
        criteria=list(CRITERIA),
        sources=sources,
    )
