"""Citations end with one full stop, or the title's own ? or ! (walk defect: a title ending
in "." was followed by another)."""

from __future__ import annotations

import pytest

from lib.citation import citation

AUTHORS = ["Smith, J.", "Jones, K."]


@pytest.mark.parametrize(
    ("title", "journal", "expected"),
    [
        (
            "Partnerships in Leeds.",
            "BMJ",
            "Smith, J.; Jones, K. (2003). Partnerships in Leeds. BMJ.",
        ),
        (
            "Partnerships in Leeds",
            "BMJ",
            "Smith, J.; Jones, K. (2003). Partnerships in Leeds. BMJ.",
        ),
        ("Do partnerships work?", "BMJ", "Smith, J.; Jones, K. (2003). Do partnerships work? BMJ."),
        ("Partnerships work!", "BMJ", "Smith, J.; Jones, K. (2003). Partnerships work! BMJ."),
        ("Partnerships in Leeds.", "", "Smith, J.; Jones, K. (2003). Partnerships in Leeds."),
        ("Do partnerships work?", "", "Smith, J.; Jones, K. (2003). Do partnerships work?"),
        ("Partnerships work!", "", "Smith, J.; Jones, K. (2003). Partnerships work!"),
        ("Partnerships in Leeds", "", "Smith, J.; Jones, K. (2003). Partnerships in Leeds."),
        (
            "Partnerships",
            "J. Public Health.",
            "Smith, J.; Jones, K. (2003). Partnerships. J. Public Health.",
        ),
    ],
)
def test_one_full_stop_or_the_titles_own_punctuation(title, journal, expected):
    text = citation(AUTHORS, 2003, title, journal)
    assert text == expected
    assert ".." not in text and "?." not in text and "!." not in text


def test_et_al_and_missing_parts():
    many = ["A, A.", "B, B.", "C, C.", "D, D."]
    assert citation(many, 2001, "Title") == "A, A.; B, B.; C, C. et al. (2001). Title."
    assert citation([], None, "Title.", "Journal") == "Title. Journal."
    assert citation([], "2001", "  Spaced   title  ") == "(2001). Spaced title."
    assert citation(["Solo, H."], "", "") == "Solo, H."
