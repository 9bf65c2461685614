"""Duplicate detection: normalised match keys, pair scoring, blocking and clustering.

`deduplicate(citations, same=..., different=..., pinned=..., keep_primary=...)` is the one
entry point; the app's background job and `benchmarks/dedup_bench.py` both call it.
"""

from .diff import word_diff
from .engine import Cluster, Link, Result, candidate_pairs, deduplicate
from .normalise import Citation, Key, key_of
from .score import Kind, Match, Rule, compare

__all__ = [
    "Citation",
    "Cluster",
    "Key",
    "Kind",
    "Link",
    "Match",
    "Result",
    "Rule",
    "candidate_pairs",
    "compare",
    "deduplicate",
    "key_of",
    "word_diff",
]
