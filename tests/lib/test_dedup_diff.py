"""lib.dedup.word_diff: what the side-by-side screen highlights."""

from lib.dedup import word_diff


def test_only_real_word_changes_are_marked() -> None:
    left, right = word_diff(
        "The Effect of Café on sleep: a trial", "the effect of cafe on deep sleep - a trial."
    )
    # Case, accents and punctuation alone are no difference; the inserted word is one.
    assert left == [("The Effect of Café on sleep: a trial", False)]
    assert right == [
        ("the effect of cafe on", False),
        ("deep", True),
        ("sleep - a trial.", False),
    ]


def test_a_replaced_word_is_marked_on_both_sides_and_runs_keep_the_original_text() -> None:
    assert word_diff("Asthma in  children", "Asthma in adults") == (
        [("Asthma in", False), ("children", True)],
        [("Asthma in", False), ("adults", True)],
    )


def test_an_empty_side() -> None:
    assert word_diff("", "Erratum") == ([], [("Erratum", True)])
    assert word_diff("", "") == ([], [])


def test_free_standing_marks_are_no_change() -> None:
    left, right = word_diff("- Asthma : children &", "Asthma children")
    assert left == [("- Asthma : children &", False)]
    assert right == [("Asthma children", False)]
    assert word_diff("—", "") == ([("—", True)], [])
