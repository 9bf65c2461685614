"""Term counts stored per record and weighted per training (`lib.ranking.terms`) give
exactly scikit-learn's TF-IDF, whatever subset of records is weighted."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from lib.ranking import TermCounts, features, term_counts, terms, tfidf

TEXTS = [
    "Smoking cessation in local strategic partnerships: a realist review",
    "Partnerships and  smoking,smoking; SMOKING cessation (NHS) 2006-2010",
    "Wilson's disease: d-penicillamine vs. trientine_dihydrochloride",
    "Naïve Bayes für Gesundheitsförderung — évaluation des partenariats",
    "a b c x y",  # one-letter words are not tokens
    "",
    "Öffentliche Gesundheit und Rauchen: Partnerschaften 東京 研究",
    "smoking cessation smoking cessation smoking",
]


def sklearn_tfidf(texts):
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95)
    return vectoriser.fit_transform(texts)


def gram(X) -> np.ndarray:
    """Row-by-row similarities: the same whatever order the columns are in."""
    return (X @ X.T).toarray()


def test_same_weights_as_scikit_learn():
    ours, theirs = features(TEXTS), sklearn_tfidf(TEXTS)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(gram(ours), gram(theirs), atol=1e-12)
    # the same multiset of weights, not only the same similarities
    np.testing.assert_allclose(np.sort(ours.data), np.sort(theirs.data), atol=1e-12)


@pytest.mark.parametrize("rows", [[0, 1, 7], [7, 3, 0, 2], [5, 4], [6, 0, 6]])
def test_a_subset_weighted_from_stored_counts_equals_computing_it_afresh(rows):
    stored = term_counts(TEXTS)
    subset = [TEXTS[r] for r in rows]
    ours = tfidf(stored.take(np.array(rows)))
    theirs = features(subset)
    np.testing.assert_allclose(gram(ours), gram(theirs), atol=1e-12)
    if stored.take(np.array(rows)).terms.size:  # scikit-learn refuses texts without words
        np.testing.assert_allclose(gram(ours), gram(sklearn_tfidf(subset)), atol=1e-12)


def rows_of(counts: TermCounts) -> list[dict[int, int]]:
    return [
        dict(zip(counts.terms[a:b].tolist(), counts.counts[a:b].tolist(), strict=True))
        for a, b in zip(counts.indptr[:-1], counts.indptr[1:], strict=True)
    ]


def test_counts_computed_apart_share_one_term_space(monkeypatch):
    apart = TermCounts.concat([term_counts(TEXTS[:3]), term_counts(TEXTS[3:])])
    together = term_counts(TEXTS)
    assert rows_of(apart) == rows_of(together)
    # long lists are counted in chunks: the same rows
    monkeypatch.setattr(terms, "_CHUNK", 3)
    assert rows_of(term_counts(TEXTS)) == rows_of(together)


def test_counts_of_a_text():
    counts = term_counts(["smoking cessation smoking cessation smoking", "x"])
    assert counts.rows == 2
    assert counts.indptr.tolist() == [0, 4, 4]  # smoking, cessation, the two pairs; "x" none
    assert sorted(counts.counts.tolist()) == [
        2,
        2,
        2,
        3,
    ]  # pairs: "smoking cessation" x2, "cessation smoking" x2


def test_nothing_to_learn_from_gives_a_usable_matrix():
    assert tfidf(term_counts(["", "a"])).shape == (2, 1)
    assert term_counts([]).rows == 0
    # every term in every record: all are dropped (over 95% of the records)
    assert tfidf(term_counts(["same words", "same words"])).shape == (2, 1)
