"""Highlight terms: what is marked, and that text comes back whole as runs (never HTML)."""

from __future__ import annotations

import pytest

from lib.screening import Highlighter
from lib.screening.highlight import parse_terms


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
