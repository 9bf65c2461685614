"""Term counts of texts, stored once per record, and the TF-IDF matrix built from them.

A record's counts depend on its text alone, so they are computed once (in the background,
after an import) and kept; only the weighting depends on the set of records being ranked,
and that is a few array operations. `tfidf(term_counts(texts))` equals scikit-learn's
`TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95)` on the same texts
(same tokens: lower case, runs of two or more word characters; same weights and norms; the
columns in another order), which a test checks.

Terms are identified by a 64-bit hash (BLAKE2b of each distinct word; a word pair's id
mixes its two words' ids), stable across processes and runs, so counts computed at
different times for different records share one space. With a review's ~10^6 distinct terms
the chance that two share an id is about 10^-7.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_SEPARATOR = " QQ "
_CHUNK = 20_000
MAX_DF = 0.95

_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR = np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True)
class TermCounts:
    """One row per text: `terms[indptr[i]:indptr[i + 1]]` are row i's distinct term ids
    and `counts[...]` how often each occurs."""

    indptr: np.ndarray  # int64, len rows + 1
    terms: np.ndarray  # int64
    counts: np.ndarray  # int32

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: np.ndarray) -> TermCounts:
        """The given rows, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        # positions: for each row, starts[r] .. ends[r] - 1, concatenated
        offsets = np.repeat(starts - indptr[:-1], lengths)
        positions = offsets + np.arange(indptr[-1], dtype=np.int64)
        return TermCounts(indptr, self.terms[positions], self.counts[positions])

    @staticmethod
    def concat(parts: list[TermCounts]) -> TermCounts:
        if not parts:
            return TermCounts(np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32))
        indptr = [np.zeros(1, dtype=np.int64)]
        base = 0
        for part in parts:
            indptr.append(part.indptr[1:] + base)
            base += int(part.indptr[-1])
        return TermCounts(
            np.concatenate(indptr),
            np.concatenate([p.terms for p in parts]),
            np.concatenate([p.counts for p in parts]),
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {"indptr": self.indptr, "terms": self.terms, "counts": self.counts}


def _word_ids(words: np.ndarray) -> np.ndarray:
    """Stable 64-bit ids of distinct words."""
    ids = np.empty(len(words), dtype=np.uint64)
    for i, word in enumerate(words):
        ids[i] = int.from_bytes(
            hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
            "little",
        )
    return ids


def term_counts(texts: list[str]) -> TermCounts:
    """Word and word-pair counts of each text (words as scikit-learn finds them: lower
    case, two or more word characters; pairs of consecutive words)."""
    if len(texts) > _CHUNK:  # bounded memory, and keys that fit in 64 bits
        return TermCounts.concat(
            [term_counts(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
        )
    n = len(texts)
    # The texts joined by a separator no lower-cased text can contain (upper case), split
    # at white space (fast), and only the distinct pieces cut into words by the tokeniser:
    # white space is never part of a word, so the words come out as from the whole text.
    pieces = _SEPARATOR.join(text.lower() for text in texts).split()
    piece, distinct = pd.factorize(np.array(pieces, dtype=object), sort=False)
    is_separator = np.asarray(distinct == _SEPARATOR.strip(), dtype=bool)
    words_of = [
        [] if sep else TOKEN.findall(p) for p, sep in zip(distinct, is_separator, strict=True)
    ]
    per_piece = np.fromiter(map(len, words_of), dtype=np.int64, count=len(words_of))
    word_code, words = pd.factorize(
        np.array([w for ws in words_of for w in ws], dtype=object), sort=False
    )
    first_word = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(per_piece, out=first_word[1:])
    # every piece's words, in order: piece i gives word_code[first_word[i]:first_word[i+1]]
    lengths = per_piece[piece]
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    positions = np.repeat(first_word[piece] - (ends - lengths), lengths) + np.arange(total)
    codes = word_code[positions].astype(np.int64)
    row = np.repeat(np.cumsum(is_separator[piece]), lengths)
    if not len(codes):
        return TermCounts(np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32))
    # Terms numbered in this call: word w is w, the pair (a, b) is W + a * W + b.
    W = len(words)
    same = row[1:] == row[:-1]  # a pair: two consecutive words of the same text
    number = np.concatenate([codes, W + codes[:-1][same] * W + codes[1:][same]])
    term_row = np.concatenate([row, row[:-1][same]])
    # count each (row, term) once: one sort of row * (W + W * W) + number
    span = W + W * W
    key = term_row * span + number
    key.sort()
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(key))).astype(np.int32)
    rows, numbers = np.divmod(key[starts], span)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    # The numbers to stable ids: a word's hash; a pair mixes its two words' hashes.
    word_id = _word_ids(np.asarray(words, dtype=object))
    pair = numbers >= W
    first_word, second_word = np.divmod(numbers[pair] - W, W)
    ids = np.empty(len(numbers), dtype=np.uint64)
    ids[~pair] = word_id[numbers[~pair]]
    with np.errstate(over="ignore"):
        ids[pair] = (word_id[first_word] * _MIX + word_id[second_word]) ^ _PAIR
    return TermCounts(indptr, ids.view(np.int64), counts)


def tfidf(counts: TermCounts, max_df: float = MAX_DF) -> sparse.csr_matrix:
    """The TF-IDF matrix of these rows, weighted over these rows only: terms in more than
    `max_df` of them dropped, term frequency 1 + ln(count), smoothed inverse document
    frequency ln((1 + n) / (1 + df)) + 1, each row scaled to unit length."""
    n = counts.rows
    codes, _ = pd.factorize(counts.terms, sort=False)
    codes = codes.astype(np.int64)
    df = np.bincount(codes)
    keep = df <= max_df * n
    if not keep.any():
        return sparse.csr_matrix((n, 1), dtype=np.float64)  # nothing to learn from
    new_code = np.cumsum(keep) - 1
    kept = keep[codes]
    row_of = np.repeat(np.arange(n), np.diff(counts.indptr))[kept]
    columns = new_code[codes[kept]]
    idf = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
    values = (1.0 + np.log(counts.counts[kept].astype(np.float64))) * idf[columns]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n), out=indptr[1:])
    norms = np.sqrt(np.bincount(row_of, weights=values**2, minlength=n))
    norms[norms == 0] = 1.0
    values = values / norms[row_of]
    return sparse.csr_matrix(
        (values, columns.astype(np.int32), indptr.astype(np.int32)),
        shape=(n, int(keep.sum())),
    )
