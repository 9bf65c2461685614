"""Highlight terms: what is marked, and that text comes back whole as runs (never HTML)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lib.screening import Highlighter
from lib.screening.highlight import parse_terms
from tests.hypothesis_budget import examples


def marked(text: str, include=(), exclude=()) -> list[tuple[str, str]]:
    runs = Highlighter(list(include), list(exclude)).runs(text)
    assert "".join(t for t, _ in runs) == text  # runs lose nothing and add nothing
    return [(t, kind) for t, kind in runs if kind]


def test_terms_match_whatever_the_case_and_the_ending():
    text = "PARTNERSHIP working: Partnerships, partnership's reach; children and a child"
    assert marked(text, include=["partnership", "child"]) == [
        ("PARTNERSHIP", "include"),
        ("Partnerships", "include"),
        ("partnership", "include"),
        ("children", "include"),
        ("child", "include"),
    ]
    # A plural term finds the singular too.
    assert marked("one partnership", include=["Partnerships"]) == [("partnership", "include")]


def test_a_term_matches_from_the_start_of_a_word_only():
    assert marked("copartnership and soaked oaks", include=["partnership", "oak"]) == [
        ("oaks", "include")
    ]


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("partnership*", "Partnerships and partnership-working", ["Partnerships", "partnership"]),
        ("organi?ation", "organisation, organization, organiation", ["organisation", "organization", "organiation"]),
        ("health*", "unhealthy Healthcare", ["Healthcare"]),
    ],
)  # fmt: skip
def test_wildcards(term, text, found):
    assert [t for t, _ in marked(text, exclude=[term])] == found


def test_phrases_match_across_spaces_and_hyphens_and_win_over_their_words():
    text = "Joint-working  partnerships improved joint outcomes"
    assert marked(text, include=["joint", "joint working partnership"]) == [
        ("Joint-working  partnerships", "include"),
        ("joint", "include"),
    ]


def test_inclusion_and_exclusion_terms_keep_their_kind():
    text = "Public health partnerships in a randomised trial of children"
    assert marked(text, include=["partnership"], exclude=["randomi?ed trial", "child*"]) == [
        ("partnerships", "include"),
        ("randomised trial", "exclude"),
        ("children", "exclude"),
    ]


def test_a_phrase_wins_over_a_word_inside_it_whatever_their_kinds():
    text = "Health inequalities in England"
    assert marked(text, include=["health"], exclude=["health inequalities"]) == [
        ("Health inequalities", "exclude")
    ]


def test_markup_in_text_or_terms_stays_text():
    # Regex characters in a term are literal: "a.b" does not find "axb".
    text = "<script>alert('partnership')</script> axb c++"
    runs = marked(text, include=["partnership", "c++", "a.b"])
    assert runs == [("partnership", "include"), ("c++", "include")]


def test_no_terms_or_no_text():
    assert Highlighter().runs("Partnerships") == [("Partnerships", "")]
    assert Highlighter(["partnership"]).runs("") == []
    assert Highlighter(["  ", ""]).runs("Partnerships") == [("Partnerships", "")]


def test_terms_are_one_a_line_or_separated_by_commas_and_semicolons():
    assert parse_terms("partnership*\n\n joint working , child;  trial \r\n") == [
        "partnership*",
        "joint working",
        "child",
        "trial",
    ]
    assert parse_terms("") == [] and parse_terms(None) == []


# Issue #16: matching is linear in the text whatever the lead types. A backtracking regex
# took seconds (and grows as n^8) on the first of these; the watchdog turns a hang into a
# failure, the assertion is on what is marked.
HOSTILE_TERMS = [
    "a*a*a*a*a*a*a*a*b",
    "a?a?a?a?a?a?a?a?a?a?a?a?b",
    "*a*?a*?a*?a*?a*?a*?b",
    "a a a a a a a a a a a a b",
    "a-a-a-a-a-a-a-a-a-b",
    "?" * 90 + "b",
]


@pytest.mark.parametrize("term", HOSTILE_TERMS)
def test_hostile_terms_match_in_linear_time(term, watchdog):
    long_word = "a" * 50_000
    text = f"{long_word} {'a ' * 5_000}{'a-' * 5_000}x"
    with watchdog(10):
        runs = Highlighter([term], [term]).runs(text)
    assert "".join(t for t, _ in runs) == text
    assert [kind for _, kind in runs] == [""]  # no b anywhere: nothing is marked


def test_a_hostile_wildcard_term_still_finds_its_words(watchdog):
    with watchdog(10):
        runs = Highlighter(["a*a*a*a*a*a*a*a*b"]).runs("a" * 100_000 + "b aab")
    assert [(len(t), kind) for t, kind in runs] == [(100_001, "include"), (4, "")]


def test_terms_are_bounded_in_length_and_number():
    from lib.screening.highlight import MAX_TERM_CHARS, MAX_TERMS

    long_term = "x" * MAX_TERM_CHARS + "yz"
    # Cut to its first characters (then "whatever its ending" as any word term).
    assert marked("x" * MAX_TERM_CHARS + "q", include=[long_term]) == [
        ("x" * MAX_TERM_CHARS + "q", "include")
    ]
    many = [f"w{n}z" for n in range(MAX_TERMS + 10)]
    assert marked("w0z w199z w205z", include=many) == [("w0z", "include"), ("w199z", "include")]


# The old backtracking matcher, kept as the reference the linear one must agree with on
# inputs small enough for it.
def _reference(terms: list[str], text: str) -> list[tuple[str, str]]:
    import re

    from lib.screening.highlight import _stem

    def word(w: str) -> str:
        if "*" in w or "?" in w:
            parts = [re.escape(p) for p in re.split(r"([*?])", w) if p]
            return "".join({"\\*": r"\w*", "\\?": r"\w?"}.get(p, p) for p in parts)
        return re.escape(_stem(w.lower())) + r"\w*"

    (term,) = terms
    regex = re.compile(
        r"\b" + r"[\s\-]+".join(word(w) for w in term.split()) + r"(?!\w)", re.IGNORECASE
    )
    out, last = [], 0
    for m in regex.finditer(text):
        if m.start() == m.end():
            continue
        if m.start() > last:
            out.append((text[last : m.start()], ""))
        out.append((m.group(0), "include"))
        last = m.end()
    if last < len(text):
        out.append((text[last:], ""))
    return out


@settings(max_examples=examples(400), deadline=None)
@given(
    st.builds(lambda a, b: a + b, st.sampled_from("ab*?"), st.text("ab*? -", max_size=6)),
    st.text("abAB -.", max_size=24),
)
def test_the_linear_matcher_agrees_with_the_backtracking_reference(term, text):
    # Later words of a phrase start with a letter: a separator takes every space and hyphen
    # between words (the reference would hand some back to a word like "-x" or "?").
    assume(all(w[0] in "ab" for w in term.split()[1:]))
    assert Highlighter([term]).runs(text) == _reference([term], text)


def test_many_terms_that_match_every_word_cost_a_bounded_amount(watchdog):
    """The attack after #16: 200 include terms like `????...?b7` against a 200,000-character
    abstract took 263 s a page (linear, but 200 terms x 100,000 words of checks in Python).
    Each term checks its share of a fixed number of places; past the first place a term
    stopped, the text comes back plain. Nothing of the text is lost."""
    from lib.screening.highlight import Highlighter

    text = "ab " * 66_000 + "partnerships end"
    terms = ["?" * 40 + f"b{i}" for i in range(199)] + ["partnership"]
    with watchdog(60):
        runs = Highlighter(terms, []).runs(text)
    assert "".join(t for t, _ in runs) == text
    # A normal abstract keeps every highlight with the same 200 terms.
    short = "Local partnerships and ab work. " * 10
    runs = Highlighter(terms, []).runs(short)
    assert [t for t, k in runs if k] == ["partnerships"] * 10
