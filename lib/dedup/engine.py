"""Grouping records into duplicate clusters: blocking, comparing, clustering.

Blocking keeps the work near-linear: records are compared only when they share a DOI, a
PubMed ID, the whole title and year, the first or last words of the title, first author
and year, or volume and first page. Certain matches are merged in order of strength; a
merge never joins two groups that a person said are different papers, that carry
different DOIs, or whose years lie more than a year apart, so one wrong link cannot chain
two papers together; such a refused pair is queued for a person instead.
People's decisions come in as pairs ("same paper" / "different papers") and are applied
first and always; the run that follows never undoes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .normalise import Citation, Key, key_of
from .score import Kind, Match, Rule, compare

# Above this size a block of a weak key (title words, author + year, volume + page) is
# split by year, and dropped if still too big: the other keys still bring true pairs
# together, and a 10,000-record block would cost 50 million comparisons.
WEAK_BLOCK_LIMIT = 150
STRONG_BLOCK_LIMIT = 2000
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Link:
    a: int | str
    b: int | str
    match: Match


@dataclass(slots=True)
class Cluster:
    primary: int | str
    members: list[int | str]  # the primary first, then the others in input order
    via: dict[int | str, Link] = field(default_factory=dict)  # duplicate -> link that joined it


@dataclass(slots=True)
class Result:
    clusters: list[Cluster]  # groups of two or more records
    queue: list[Link]  # probable or related pairs nobody has decided, best first
    compared: int = 0
    skipped_blocks: int = 0

    def duplicate_of(self) -> dict[int | str, tuple[int | str, Link]]:
        """Each duplicate -> (its primary, the link that joined it)."""
        out = {}
        for cluster in self.clusters:
            for member, link in cluster.via.items():
                out[member] = (cluster.primary, link)
        return out

    @property
    def removed(self) -> int:
        return sum(len(c.members) - 1 for c in self.clusters)


def _block_keys(k: Key) -> list[tuple[str, str]]:
    keys = []
    if k.doi:
        keys.append(("d", k.doi))
    if k.pmid:
        keys.append(("m", k.pmid))
    words = k.title_words
    if words:
        # The whole title and year: two copies of one record meet even when every other
        # block they share is too big to compare (a common opening, a prolific author).
        keys.append(("x", f"{k.title} {k.year or ''}"))
        keys.append(("t", " ".join(words[:4])))
        if len(words) > 4:
            keys.append(("e", " ".join(words[-4:])))
    if k.surnames and k.year:
        keys.append(("a", f"{k.surnames[0]} {k.year}"))
    if k.volume and k.start_page:
        keys.append(("p", f"{k.volume} {k.start_page}"))
    return keys


def candidate_pairs(keys: Sequence[Key]) -> tuple[set[tuple[int, int]], int]:
    """Index pairs (i < j) worth comparing, and how many oversized blocks were dropped."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        for block in _block_keys(k):
            blocks[block].append(i)
    pairs: set[tuple[int, int]] = set()
    skipped = 0
    for (kind, _), members in blocks.items():
        if len(members) < 2:
            continue
        groups = [members]
        limit = STRONG_BLOCK_LIMIT if kind in "dm" else WEAK_BLOCK_LIMIT
        if len(members) > limit:
            by_year: dict[int | None, list[int]] = defaultdict(list)
            for i in members:
                by_year[keys[i].year].append(i)
            groups = []
            for group in by_year.values():
                if len(group) > limit:
                    skipped += 1
                else:
                    groups.append(group)
        for group in groups:
            for x, i in enumerate(group):
                for j in group[x + 1 :]:
                    pairs.add((i, j) if i < j else (j, i))
    return pairs, skipped


class _Groups:
    """Union-find that refuses merges breaking a person's "different papers" decision or
    joining different DOIs, PubMed IDs, or years more than one apart."""

    def __init__(self, keys: Sequence[Key], different: dict[int, set[int]]):
        n = len(keys)
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.own_doi = [k.doi for k in keys]
        self.own_pmid = [k.pmid for k in keys]
        self.dois = {i: {keys[i].doi} - {""} for i in range(n)}
        self.pmids = {i: {keys[i].pmid} - {""} for i in range(n)}
        self.years = {i: (keys[i].year, keys[i].year) for i in range(n)}
        self.different = different

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def decisions_allow(self, ra: int, rb: int) -> bool:
        """No person said a record of one group is a different paper from one of the other."""
        small, big = sorted((ra, rb), key=lambda r: len(self.members[r]))
        big_set = set(self.members[big])
        return not any(self.different.get(m, set()) & big_set for m in self.members[small])

    def allowed(self, i: int, j: int, match: Match) -> bool:
        """May the groups of records `i` and `j` merge on `match`, a link between the two?"""
        ra, rb = self.find(i), self.find(j)
        if not self.decisions_allow(ra, rb):
            return False
        for ids, own in ((self.dois, self.own_doi), (self.pmids, self.own_pmid)):
            if match.rule is Rule.SAME_CONTENT:
                # The pair's own identifiers disagree and the rest of the two records
                # overrules them; that evidence does not vouch for identifiers other records
                # brought into either group.
                if not (ids[ra] <= {own[i]} and ids[rb] <= {own[j]}):
                    return False
            elif ids[ra] and ids[rb] and not (ids[ra] & ids[rb]):
                return False
        (lo_a, hi_a), (lo_b, hi_b) = self.years[ra], self.years[rb]
        years = [y for y in (lo_a, hi_a, lo_b, hi_b) if y is not None]
        return not years or max(years) - min(years) <= 1

    def union(self, ra: int, rb: int) -> None:
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.dois[ra] |= self.dois.pop(rb)
        self.pmids[ra] |= self.pmids.pop(rb)
        ys = [y for y in (*self.years[ra], *self.years.pop(rb)) if y is not None]
        self.years[ra] = (min(ys), max(ys)) if ys else (None, None)


def deduplicate(
    citations: Iterable[Citation],
    *,
    same: Iterable[tuple[int | str, int | str]] = (),
    different: Iterable[tuple[int | str, int | str]] = (),
    keep_primary: Iterable[int | str] = (),
    pinned: Iterable[int | str] = (),
    progress: ProgressFn | None = None,
) -> Result:
    """Cluster `citations`. `same` / `different`: pairs people decided; `pinned`: primaries a
    lead chose; `keep_primary`: the previous run's primaries, kept where still possible so
    that screening decisions stay on the record people saw."""
    cites = list(citations)
    keys = [key_of(c) for c in cites]
    index = {c.id: i for i, c in enumerate(cites)}
    if progress:
        progress("blocking", 0, len(keys))

    def pair_index(pairs: Iterable[tuple[int | str, int | str]]) -> list[tuple[int, int]]:
        out = []
        for x, y in pairs:
            if x in index and y in index and x != y:
                out.append((index[x], index[y]))
        return out

    same_pairs = pair_index(same)
    diff_pairs = pair_index(different)
    decided = {frozenset(p) for p in same_pairs} | {frozenset(p) for p in diff_pairs}
    cannot: dict[int, set[int]] = defaultdict(set)
    for i, j in diff_pairs:
        cannot[i].add(j)
        cannot[j].add(i)

    pairs, skipped = candidate_pairs(keys)
    certain: list[tuple[float, int, int, Match]] = []
    maybe: list[tuple[int, int, Match]] = []
    total = len(pairs)
    for n, (i, j) in enumerate(sorted(pairs)):
        if progress and n % 20000 == 0:
            progress("comparing", n, total)
        m = compare(keys[i], keys[j])
        if m is None:
            continue
        if m.kind is Kind.CERTAIN:
            certain.append((m.score, i, j, m))
        elif frozenset((i, j)) not in decided:
            maybe.append((i, j, m))

    groups = _Groups(keys, cannot)
    applied: dict[int, list[tuple[int, Match]]] = defaultdict(list)
    manual = Match(Kind.CERTAIN, Rule.MANUAL, 1.0)
    for i, j in same_pairs:
        ri, rj = groups.find(i), groups.find(j)
        applied[i].append((j, manual))
        applied[j].append((i, manual))
        if ri != rj:
            groups.union(ri, rj)
    # Strongest first, so that a weak link cannot pre-empt a strong one.
    certain.sort(key=lambda t: (-t[0], t[1], t[2]))
    for _, i, j, m in certain:
        if frozenset((i, j)) in decided:
            continue
        ri, rj = groups.find(i), groups.find(j)
        if ri == rj:
            applied[i].append((j, m))
            applied[j].append((i, m))
            continue
        if groups.allowed(i, j, m):
            groups.union(ri, rj)
            applied[i].append((j, m))
            applied[j].append((i, m))
        elif groups.decisions_allow(ri, rj):
            # The pair alone is certain but its groups hold different DOIs or years too far
            # apart: a person sees it rather than nobody.
            maybe.append((i, j, Match(Kind.PROBABLE, m.rule, round(0.5 * m.score, 3))))

    pinned_set = {index[p] for p in pinned if p in index}
    keep_set = {index[p] for p in keep_primary if p in index}
    clusters = []
    for members in groups.members.values():
        if len(members) < 2:
            continue
        members.sort()
        primary = _choose_primary(members, keys, pinned_set, keep_set)
        via = {}
        for member in members:
            if member == primary:
                continue
            links = applied.get(member, [])
            direct = [x for x in links if x[0] == primary]
            partner, match = max(direct or links, key=lambda x: (x[1].score, -x[0]))
            via[cites[member].id] = Link(cites[member].id, cites[partner].id, match)
        ordered = [primary] + [m for m in members if m != primary]
        clusters.append(Cluster(cites[primary].id, [cites[m].id for m in ordered], via))
    clusters.sort(key=lambda c: index[c.primary])

    # One question per pair of groups: the best-scoring pair of records stands for them,
    # and a "different papers" answer about any two of their records settles it.
    best: dict[tuple[int, int], tuple[int, int, Match]] = {}
    for i, j, m in maybe:
        ri, rj = groups.find(i), groups.find(j)
        if ri == rj or not groups.decisions_allow(ri, rj):
            continue
        pair = (ri, rj) if ri < rj else (rj, ri)
        if pair not in best or m.score > best[pair][2].score:
            best[pair] = (i, j, m)
    queue = [Link(cites[i].id, cites[j].id, m) for i, j, m in best.values()]
    queue.sort(key=lambda link: (-link.match.score, index[link.a], index[link.b]))
    if progress:
        progress("done", total, total)
    return Result(clusters=clusters, queue=queue, compared=total, skipped_blocks=skipped)


def _choose_primary(
    members: list[int], keys: Sequence[Key], pinned: set[int], keep: set[int]
) -> int:
    """A lead's choice; else the previous primary (screening decisions sit on it); else the
    most complete record, the earliest imported on a tie."""
    for pool in (pinned, keep):
        chosen = [m for m in members if m in pool]
        if chosen:
            return min(chosen, key=lambda m: (-keys[m].completeness, m))
    return min(members, key=lambda m: (-keys[m].completeness, m))
