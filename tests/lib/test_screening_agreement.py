"""Agreement between two reviewers (reporting spec section 10.1): the spec's worked vectors."""

from __future__ import annotations

import pytest

from lib.screening import agreement


def figures(a: int, b: int, c: int, d: int) -> dict[str, float | int | None]:
    t = agreement(a, b, c, d)
    names = ("p_o", "p_e", "kappa", "se", "ci_low", "ci_high", "pabak")
    out: dict[str, float | int | None] = {"n": t.n, "disagreements": t.disagreements}
    for name in (*names, "prevalence_index", "bias_index", "p_pos", "p_neg"):
        value = getattr(t, name)
        out[name] = None if value is None else round(value, 4)
    return out


def test_the_spec_vector_with_many_exclusions():
    assert figures(150, 20, 13, 875) == {
        "n": 1058,
        "disagreements": 33,
        "p_o": 0.9688,
        "p_e": 0.7348,
        "kappa": 0.8824,
        "se": 0.0201,
        "ci_low": 0.8429,
        "ci_high": 0.9219,
        "pabak": 0.9376,
        "prevalence_index": 0.6853,
        "bias_index": 0.0066,
        "p_pos": 0.9009,
        "p_neg": 0.9815,
    }


def test_the_spec_vector_where_kappa_is_low_but_agreement_high():
    # The kappa paradox: 99% observed agreement, kappa under 0.5; PABAK shows why.
    assert figures(5, 5, 5, 985) == {
        "n": 1000,
        "disagreements": 10,
        "p_o": 0.99,
        "p_e": 0.9802,
        "kappa": 0.4949,
        "se": 0.1589,
        "ci_low": 0.1835,
        "ci_high": 0.8064,
        "pabak": 0.98,
        "prevalence_index": 0.98,
        "bias_index": 0.0,
        "p_pos": 0.5,
        "p_neg": 0.9949,
    }


def test_nothing_double_screened_is_not_estimable():
    t = agreement(0, 0, 0, 0)
    assert (t.n, t.disagreements) == (0, 0)
    assert t.kappa is None and t.se is None and t.ci_low is None and t.ci_high is None
    assert t.p_o is None and t.pabak is None and t.p_pos is None and t.p_neg is None


@pytest.mark.parametrize("cells", [(12, 0, 0, 0), (0, 0, 0, 40)])
def test_chance_agreement_of_one_leaves_kappa_not_estimable(cells):
    # Both reviewers said the same thing about every record: p_e = 1, kappa = 0/0.
    t = agreement(*cells)
    assert t.p_o == 1.0 and t.p_e == 1.0
    assert t.kappa is None and t.se is None and (t.ci_low, t.ci_high) == (None, None)
    assert t.pabak == 1.0
    # The class nobody chose has no specific agreement.
    assert (t.p_pos is None) == (cells[0] == 0) and (t.p_neg is None) == (cells[3] == 0)


def test_complete_disagreement_is_negative_kappa():
    t = agreement(0, 10, 10, 0)
    assert t.p_o == 0.0 and t.p_e == 0.5 and t.kappa == -1.0
    assert t.pabak == -1.0 and t.disagreements == 20
