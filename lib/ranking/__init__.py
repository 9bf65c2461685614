"""Relevance ranking while screening, without Django: the model (`model`), the benchmark's
simulation and its metrics (`simulation`), and stopping aids (`stopping`)."""

from .model import METHOD, features, retrain_due, score, text_of
from .stopping import (
    HypergeometricResult,
    RemainingEstimate,
    consecutive_excludes,
    estimate_remaining,
    hypergeometric_test,
)
from .terms import TermCounts, term_counts, tfidf

__all__ = [
    "METHOD",
    "HypergeometricResult",
    "RemainingEstimate",
    "TermCounts",
    "consecutive_excludes",
    "estimate_remaining",
    "features",
    "hypergeometric_test",
    "retrain_due",
    "score",
    "term_counts",
    "text_of",
    "tfidf",
]
