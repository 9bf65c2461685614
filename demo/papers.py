"""The demo papers: one DemoPaper per distinct study report found by the searches.

Each paper is written to a topic and to an intended screening outcome, so the demo can
reproduce the seed review's flow (1058 screened, 895 excluded on title/abstract, 163 full
texts, 31 included: 15 with health outcomes, 16 process only).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from . import slots as w
from . import texts as t
from . import vocab as v
from .spec import HSMC

INCLUDE_OUTCOMES = "include_outcomes"
INCLUDE_PROCESS = "include_process"
EXCLUDE_FULL_TEXT = "exclude_full_text"
EXCLUDE_TITLE_ABSTRACT = "exclude_title_abstract"

# (topic, intended, reason, count). reason: the criterion the paper was written to fail
# ("I1" = not a public health partnership), "" for included papers.
PLAN: list[tuple[str, str, str, int]] = [
    ("outcomes", INCLUDE_OUTCOMES, "", 15),
    ("process", INCLUDE_PROCESS, "", 16),
    ("outcomes", EXCLUDE_FULL_TEXT, "I3", 62),
    ("process", EXCLUDE_FULL_TEXT, "E5", 70),
    ("process", EXCLUDE_TITLE_ABSTRACT, "E5", 110),
    ("clinical", EXCLUDE_TITLE_ABSTRACT, "E3", 185),
    ("infection", EXCLUDE_TITLE_ABSTRACT, "E3", 90),
    ("abroad", EXCLUDE_TITLE_ABSTRACT, "E1", 170),
    ("opinion", EXCLUDE_TITLE_ABSTRACT, "E4", 110),
    ("foreign", EXCLUDE_TITLE_ABSTRACT, "E6", 40),
    ("pre1997", EXCLUDE_TITLE_ABSTRACT, "E2", 25),
    ("unrelated", EXCLUDE_TITLE_ABSTRACT, "I1", 165),
]

JOURNAL_ONLY_TOPICS = ("clinical", "infection", "foreign")
GREY_TYPES = ("RPRT", "BOOK", "CHAP")


@dataclass(frozen=True, slots=True)
class Author:
    surname: str  # a corporate author has its whole name here and no given name
    given: str = ""
    middle: str = ""  # one initial letter or ""


@dataclass(frozen=True, slots=True)
class DemoPaper:
    id: int
    home: str  # the source it was written for; duplicates come from other sources
    type: str  # RIS type: JOUR, RPRT, BOOK, CHAP
    title: str
    abstract: str
    authors: tuple[Author, ...]
    editors: tuple[Author, ...]  # CHAP only
    year: int
    journal: str  # JOUR: journal; CHAP: book title; otherwise ""
    journal_abbrev: str
    volume: str
    issue: str
    start_page: str
    end_page: str
    doi: str
    keywords: tuple[str, ...]
    publisher: str
    place_published: str
    language: str
    topic: str
    intended: str
    reason: str


def normalise_title(title: str) -> str:
    """Lower case, punctuation removed, spaces collapsed: the uniqueness key for titles."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.lower()).split())


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Slots(dict):
    """Template slots; "<name>_cap" is <name> with a capital first letter."""

    def __missing__(self, key: str) -> str:
        if key.endswith("_cap"):
            return cap(str(self[key[:-4]]))
        raise KeyError(key)


def _weights(source_topics: dict[str, float], remaining: list[int]) -> list[float]:
    return [source_topics.get(PLAN[i][0], 0.0) * remaining[i] for i in range(len(PLAN))]


def _context(rng: random.Random, topic: str) -> tuple[dict[str, object], int, list[str]]:
    """Slot values for one paper, its year, and specific keywords."""
    place = rng.choice(v.PLACES)
    year = rng.randint(1997, 2008)
    p = rng.choice(v.PARTNERSHIPS)
    outcome = rng.choice([o for o in v.OUTCOMES if not p.outcomes or o.keyword in p.outcomes])
    aspect, aspect2 = rng.sample(v.ASPECTS, 2)
    ctx: dict[str, object] = {
        "place": place,
        "region": rng.choice(v.REGIONS),
        "outcome": outcome.phrase,
        "indicator": outcome.indicator,
        "target": outcome.phrase if outcome.harmful else f"inequalities in {outcome.phrase}",
        "change": "fell" if outcome.harmful else "rose",
        "aspect": aspect,
        "aspect2": aspect2,
        "design_t": rng.choice(w.DESIGNS_T),
        "design_p": rng.choice(w.DESIGNS_P),
        "n_areas": rng.randint(4, 40),
        "n_comp": rng.randint(4, 40),
        "n_res": rng.randint(120, 3200),
        "n_int": rng.randint(12, 85),
        "n_meet": rng.randint(6, 40),
        "n_sites": rng.randint(2, 12),
        "n_groups": rng.randint(3, 14),
        "n_months": rng.choice([6, 9, 12, 18, 24, 30, 36]),
        "k_years": rng.randint(2, 6),
        "rr": rng.randint(38, 89),
        "pct_a": rng.randint(3, 38),
        "pct_b": rng.randint(1, 25),
        "y1": 1998,
        "y2": 2002,
    }
    keywords: list[str] = [outcome.keyword]
    if topic in ("outcomes", "process", "opinion"):
        year = rng.randint(p.start, p.end)
        y1 = max(1997, p.start - 1 - rng.randint(0, 1))
        ctx.update(
            pl=p.plural,
            single=p.single.format(place=place),
            y1=y1,
            y2=max(y1 + 1, year - rng.randint(0, 1)),
            rhetoric=rng.choice(w.RHETORIC),
            label=rng.choice(w.LABELS),
            need=rng.choice(w.NEEDS),
            concept=rng.choice(w.CONCEPTS),
            n_years_exp=rng.randint(8, 25),
        )
        keywords = [p.keyword] + ([outcome.keyword] if topic == "outcomes" else [aspect])
    elif topic == "clinical":
        cond = rng.choice(w.CONDITIONS)
        lo = round(rng.uniform(0.1, 0.9), 2)
        ctx.update(
            cond=cond,
            interv=rng.choice(w.INTERVENTIONS),
            design=rng.choice(w.DESIGNS_CLINICAL),
            clin_outcome=rng.choice(w.CLINICAL_OUTCOMES),
            diff=f"{lo + 0.2:.2f}",
            ci_lo=f"{lo:.2f}",
            ci_hi=f"{lo + 0.4:.2f}",
            cost=rng.randint(40, 900),
            fu=rng.randint(70, 96),
        )
        keywords = [cond]
    elif topic == "infection":
        infection = rng.choice(w.INFECTIONS)
        ctx.update(
            infection=infection,
            setting=rng.choice(w.INFECTION_SETTINGS),
            vaccine=rng.choice(w.VACCINES),
            vaccine_setting=rng.choice(w.VACCINE_SETTINGS),
            partner=rng.choice(w.INFECTION_PARTNERS),
            n_cases=rng.randint(6, 140),
            y1=year,
            year=year,
        )
        keywords = [infection]
    elif topic == "abroad":
        country, program, aplaces = rng.choice(w.ABROAD)
        ctx.update(country=country, program=program, aplace=rng.choice(aplaces))
        keywords = [country.removeprefix("the "), outcome.keyword]
    elif topic == "foreign":
        country, language, places, journal = rng.choice(w.FOREIGN)
        y1 = rng.randint(1997, 2004)
        year = rng.randint(y1 + 2, 2008)
        ctx.update(
            ne_country=country,
            ne_place=rng.choice(places),
            ne_topic=rng.choice(w.FOREIGN_TOPICS),
            language=language,
            journal=journal,
            y1=y1,
            y2=year - 1,
        )
        keywords = [country.removeprefix("the ")]
    elif topic == "pre1997":
        year = rng.randint(1997, 2001)
        yend = rng.randint(1995, 1997)
        ctx.update(old_program=rng.choice(w.OLD_PROGRAMS), y0=rng.randint(1986, 1991), yend=yend)
        keywords = ["Healthy Cities"] if "Healthy Cities" in str(ctx["old_program"]) else []
    elif topic == "unrelated":
        subject, group, benefit, kws = rng.choice(w.UNRELATED)
        ctx.update(un_subject=subject, un_group=group, un_benefit=benefit)
        keywords = list(kws)
    return _Slots(ctx), year, keywords


def _abstract(rng: random.Random, text: t.TopicText, ctx: dict[str, object]) -> str:
    """120-250 words, sentences in pool order, structured with labels about half the time.

    A pool item may be a tuple of alternatives (e.g. an effect and no effect); one of them
    is used.
    """
    pools = [text.background, text.aim, text.methods, text.results, text.conclusions]
    lows = [1, 1, 1, 2, 1]
    highs = [len(text.background), 1, len(text.methods), len(text.results), 2]
    picked = [
        sorted(rng.sample(range(len(pool)), rng.randint(low, min(high, low + 1))))
        for pool, low, high in zip(pools, lows, highs, strict=True)
    ]
    sentences = [
        [(rng.choice(item) if isinstance(item, tuple) else item).format_map(ctx) for item in pool]
        for pool in pools
    ]
    lengths = [[len(x.split()) for x in pool] for pool in sentences]

    def words() -> int:
        return sum(lengths[k][i] for k in range(5) for i in picked[k])

    target = rng.randint(125, 235)
    while words() < target:
        grow = [k for k in (3, 0, 2, 4) if len(picked[k]) < highs[k]]
        if not grow:
            break
        k = rng.choice(grow[:2])
        unused = [i for i in range(len(pools[k])) if i not in picked[k]]
        picked[k] = sorted(picked[k] + [rng.choice(unused)])
    while words() > 245:
        k = max(range(5), key=lambda j: len(picked[j]) - lows[j])
        if len(picked[k]) <= lows[k]:
            break
        picked[k].pop(rng.randrange(len(picked[k])))
    groups = [" ".join(sentences[k][i] for i in picked[k]) for k in range(5)]
    if text.structured and rng.random() < 0.45:
        labels = rng.choice(
            [
                ("Background", "Methods", "Results", "Conclusions"),
                ("BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"),
                ("Objectives", "Design", "Findings", "Conclusion"),
            ]
        )
        parts = [
            f"{labels[0]}: {groups[0]} {groups[1]}",
            f"{labels[1]}: {groups[2]}",
            f"{labels[2]}: {groups[3]}",
            f"{labels[3]}: {groups[4]}",
        ]
        return " ".join(parts)
    return " ".join(groups)


def _author(rng: random.Random, language: str = "") -> Author:
    if language in w.FOREIGN_SURNAMES:
        surname = rng.choice(w.FOREIGN_SURNAMES[language])
        given = rng.choice(w.FOREIGN_GIVEN[language])
    else:
        surname, given = rng.choice(v.SURNAMES), rng.choice(v.GIVEN_NAMES)
    middle = rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.4 else ""
    return Author(surname, given, middle)


def _authors(rng: random.Random, n: int, language: str = "") -> tuple[Author, ...]:
    out: list[Author] = []
    while len(out) < n:
        a = _author(rng, language)
        if all(a.surname != b.surname for b in out):
            out.append(a)
    return tuple(out)


def _volume(journal: v.Journal, year: int, rng: random.Random) -> int:
    twice_yearly = {"BMJ": 314, "Lancet": 349, "Social Science & Medicine": 44}
    if journal.name in twice_yearly:
        return twice_yearly[journal.name] + 2 * (year - 1997) + rng.randint(0, 1)
    return max(1, year - journal.first_year + 1)


def _doi(rng: random.Random, j: v.Journal, year: int, volume: int, issue: int, page: int) -> str:
    n = rng.randrange(10**8)
    yl = "ghijklmnopqr"[year - 1997]
    match j.doi:
        case "oup":
            letters = {"pubmed": "fd", "heapro": "da", "her": "cy", "fampra": "cm", "ageing": "af"}
            return f"10.1093/{j.code}/{letters[j.code]}{yl}{n % 1000:03d}"
        case "elsevier":
            return f"10.1016/j.{j.code}.{year}.{rng.randint(1, 12):02d}.{n % 1000:03d}"
        case "wiley":
            return f"10.1111/j.{j.code}.{year}.{n % 100000:05d}.x"
        case "bmj":
            return f"10.1136/{j.code}.{year}.{n % 1000000:06d}"
        case "tandf" | "emerald":
            prefix = "10.1080" if j.doi == "tandf" else "10.1108"
            return f"{prefix}/{j.code}{year % 10}{n:08d}"
        case "sage" | "policy":
            prefix = "10.1177" if j.doi == "sage" else "10.1332"
            return f"{prefix}/{j.code}{year % 100:02d}{n % 10**7:07d}"
        case "cup":
            return f"10.1017/{j.code}{year % 100:02d}{n % 1000000:06d}"
        case "rsm":
            return f"10.1258/{j.code}.{year}.{n % 1000000:06d}"
        case "rcpsych":
            return f"10.1192/bjp.{volume}.{issue}.{page}"
        case "aph":
            return f"10.2105/AJPH.{year}.{n % 1000000:06d}"
        case "springer":
            return f"10.1007/{j.code}-{year % 100:03d}-{n % 10000:04d}-{n % 10}"
        case "healthaff":
            return f"10.1377/{j.code}.{volume}.{issue}.{page}"
        case "ubiquity":
            return f"10.5334/{j.code}.{n % 1000}"
        case "cjph":
            return f"10.1007/BF0{3400000 + n % 10000}"
        case "gaceta":
            return f"10.1157/13{n % 1000000:06d}"
        case "cairn":
            return f"10.3917/{j.code}.{year % 100:02d}{issue}.{page:04d}"
        case "thieme":
            return f"10.1055/s-{year}-{n % 1000000:06d}"
    return ""


# Per home source: paper-type mix (share of grey literature) and topic affinity.
GREY_SHARE = {
    "Health Services Management Centre": 0.9,
    "Kings Fund": 0.42,
    "CareData": 0.4,
    "International Bibliography of the Social Sciences": 0.2,
}
_SOCIAL = {
    "outcomes": 1,
    "process": 2,
    "abroad": 3,
    "opinion": 1.5,
    "unrelated": 1.2,
    "foreign": 0.4,
    "pre1997": 0.4,
    "clinical": 0.2,
    "infection": 0.1,
}
AFFINITY: dict[str, dict[str, float]] = {
    "Health Services Management Centre": {
        "outcomes": 3,
        "process": 6,
        "opinion": 2,
        "pre1997": 0.5,
        "unrelated": 0.5,
        "abroad": 0.3,
    },
    "Kings Fund": {
        "outcomes": 3,
        "process": 4,
        "clinical": 0.5,
        "infection": 0.3,
        "abroad": 1,
        "opinion": 3,
        "pre1997": 1,
        "unrelated": 2,
    },
    "CareData": {
        "outcomes": 2,
        "process": 4,
        "clinical": 0.5,
        "infection": 0.3,
        "abroad": 0.5,
        "opinion": 2,
        "pre1997": 1,
        "unrelated": 3,
    },
    "International Bibliography of the Social Sciences": _SOCIAL,
    "Sociological Abstracts": _SOCIAL,
    "Social Services Abstracts": _SOCIAL,
    "ASSIA": _SOCIAL,
    "Social Sciences Citation Index": {**_SOCIAL, "clinical": 0.6, "infection": 0.3},
    "CINAHL": {
        "outcomes": 1,
        "process": 1,
        "clinical": 4,
        "infection": 2,
        "abroad": 2,
        "opinion": 1.5,
        "unrelated": 2,
        "foreign": 0.3,
    },
    "Embase": {
        "outcomes": 0.5,
        "process": 0.5,
        "clinical": 5,
        "infection": 3,
        "abroad": 1.5,
        "foreign": 2,
        "unrelated": 0.5,
    },
    "Medline": {
        "outcomes": 1,
        "process": 1,
        "clinical": 4,
        "infection": 3,
        "abroad": 1,
        "opinion": 1,
        "foreign": 2,
        "pre1997": 1,
        "unrelated": 1,
    },
}


class _Writer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.titles: set[str] = set()
        self.dois: set[str] = set()

    def paper(self, pid: int, home: str, plan_row: tuple[str, str, str, int]) -> DemoPaper:
        rng = self.rng
        topic, intended, reason, _ = plan_row
        text = t.TEXTS[topic]
        grey = topic not in JOURNAL_ONLY_TOPICS and rng.random() < GREY_SHARE.get(home, 0.0)
        kind = rng.choices(GREY_TYPES, weights=(7, 1, 2))[0] if grey else "JOUR"
        if topic == "opinion" and kind == "BOOK":
            kind = "RPRT"
        # Editorials and commentaries are journal items.
        templates = [x for x in text.titles if kind == "JOUR" or "{label}" not in x]
        for _ in range(200):
            ctx, year, specific = _context(rng, topic)
            title = rng.choice(templates).format_map(ctx)
            if kind == "RPRT" and ":" not in title and "?" not in title and rng.random() < 0.6:
                title += rng.choice(w.REPORT_SUFFIXES)
            if normalise_title(title) not in self.titles:
                break
        else:  # pragma: no cover - the template space is far larger than the demo
            raise RuntimeError("could not find a distinct title")
        self.titles.add(normalise_title(title))
        language = str(ctx.get("language", "English"))
        pool = [k for k in text.keywords if k not in specific]
        n_kw = rng.randint(3, 6)
        keywords = tuple(dict.fromkeys(specific + rng.sample(pool, len(pool))))[:n_kw]
        fields: dict[str, object] = dict(
            id=pid,
            home=home,
            type=kind,
            title=title,
            abstract=_abstract(rng, text, ctx),
            year=year,
            keywords=keywords,
            language=language,
            topic=topic,
            intended=intended,
            reason=reason,
            editors=(),
            journal="",
            journal_abbrev="",
            volume="",
            issue="",
            start_page="",
            end_page="",
            doi="",
            publisher="",
            place_published="",
        )
        if kind == "JOUR":
            fields.update(self._journal(topic, year, ctx))
            n_authors = rng.choices(range(1, 7), weights=(14, 22, 24, 16, 12, 12))[0]
            fields["authors"] = _authors(rng, n_authors, language)
        else:
            fields.update(self._grey(kind, home))
        return DemoPaper(**fields)  # type: ignore[arg-type]

    def _journal(self, topic: str, year: int, ctx: dict[str, object]) -> dict[str, object]:
        rng = self.rng
        if topic == "foreign":
            name = str(ctx["journal"])
        else:
            key = "england" if topic in ("outcomes", "process") else topic
            name = rng.choice(v.JOURNALS_BY_TOPIC[key])
        j = v.JOURNALS[name]
        volume, issue = _volume(j, year, rng), rng.randint(1, j.issues)
        weekly = j.issues >= 50 and j.name not in ("BMJ", "Lancet")
        short = topic == "opinion" or weekly
        start = rng.randint(10, 60) if weekly else rng.randint(1, 60 * j.issues + 40)
        end = start + (rng.randint(0, 3) if short else rng.randint(5, 16))
        journal, abbrev = j.name, j.abbrev
        if j.name == "Journal of Public Health" and year < 2004:
            journal, abbrev = "Journal of Public Health Medicine", "J Public Health Med"
        doi = ""
        if j.doi and rng.random() < 0.98:
            for _ in range(20):
                doi = _doi(rng, j, year, volume, issue, start)
                if doi not in self.dois:
                    break
            self.dois.add(doi)
        return dict(
            journal=journal,
            journal_abbrev=abbrev,
            volume=str(volume),
            issue=str(issue),
            start_page=str(start),
            end_page=str(end) if end != start else "",
            doi=doi,
        )

    def _grey(self, kind: str, home: str) -> dict[str, object]:
        rng = self.rng
        if home == "Health Services Management Centre":
            publisher, place = v.HSMC_PUBLISHER
        else:
            publisher, place = rng.choice(v.PUBLISHERS)
        out: dict[str, object] = {"publisher": publisher, "place_published": place}
        if kind == "RPRT" and rng.random() < 0.2:
            out["authors"] = (Author(rng.choice(v.CORPORATE_AUTHORS)),)
        else:
            out["authors"] = _authors(rng, rng.randint(1, 4 if kind == "RPRT" else 3))
        if kind == "CHAP":
            book, book_publisher, book_place = rng.choice(v.BOOKS)
            start = rng.randint(9, 260)
            if book_publisher == "Policy Press" and rng.random() < 0.7:
                isbn = f"97818613{rng.randrange(10**5):05d}"
                out["doi"] = doi = f"10.1332/policypress/{isbn}.003.{rng.randint(1, 14):04d}"
                self.dois.add(doi)
            out.update(
                journal=book,
                editors=_authors(rng, 2),
                publisher=book_publisher,
                place_published=book_place,
                start_page=str(start),
                end_page=str(start + rng.randint(12, 30)),
            )
        return out


def make_papers(rng: random.Random, homes: list[tuple[str, int]]) -> list[DemoPaper]:
    """Write sum(counts) papers, `count` for each home source, in the order given.

    Topics are dealt from PLAN so that the totals match it exactly; each source draws the
    topics it is likely to index (AFFINITY), so put the most selective sources first.
    """
    remaining = [row[3] for row in PLAN]
    if sum(remaining) != sum(n for _, n in homes):
        raise ValueError("home counts must add up to the PLAN total")
    writer = _Writer(rng)
    papers: list[DemoPaper] = []
    for home, count in homes:
        for _ in range(count):
            weights = _weights(AFFINITY[home], remaining)
            if not any(weights):
                weights = [float(n) for n in remaining]
            i = rng.choices(range(len(PLAN)), weights=weights)[0]
            remaining[i] -= 1
            papers.append(writer.paper(len(papers) + 1, home, PLAN[i]))
    return papers


# Distinct papers that look like duplicates: an interim report or a conference report by
# the same authors under a near-identical title, without volume, pages or DOI. They land
# in the deduplication queue, where the right answer is "different papers".
_COMPANION_SUFFIXES = (
    ": interim findings",
    ": a conference report",
    " - preliminary results",
    ": report to the steering group",
)


def with_companions(papers: list[DemoPaper]) -> list[DemoPaper]:
    """Turn a few off-topic papers into companions of other off-topic papers. Deterministic
    and without random draws, so allocation and every count stay as they were."""
    pool = [
        p
        for p in papers
        if p.intended == EXCLUDE_TITLE_ABSTRACT and p.type == "JOUR" and p.home != HSMC
    ]
    changed: dict[int, DemoPaper] = {}
    for i, suffix in enumerate(_COMPANION_SUFFIXES):
        original, companion = pool[10 * i], pool[10 * i + 5]
        changed[companion.id] = replace(
            companion,
            title=original.title.rstrip(".") + suffix,
            authors=original.authors,
            year=original.year,
            volume="",
            issue="",
            start_page="",
            end_page="",
            doi="",
        )
    return [changed.get(p.id, p) for p in papers]
