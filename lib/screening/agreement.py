"""Inter-rater agreement for two reviewers' binary decisions (reporting spec section 10.1).

Computed from independent final votes before any conflict resolution. Kappa is "not
estimable" (None) when N = 0 or chance agreement is 1; observed agreement is still given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Agreement:
    a: int  # both include
    b: int  # reviewer 1 include, reviewer 2 exclude
    c: int  # reviewer 1 exclude, reviewer 2 include
    d: int  # both exclude
    n: int
    p_o: float | None
    p_e: float | None
    kappa: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    pabak: float | None
    prevalence_index: float | None
    bias_index: float | None
    p_pos: float | None
    p_neg: float | None

    @property
    def disagreements(self) -> int:
        """Verdict disagreements (b + c), the table's off-diagonal. Not a stage's conflicts,
        which the outcome rule decides per paper (reasons too) and which can be more."""
        return self.b + self.c


def agreement(a: int, b: int, c: int, d: int) -> Agreement:
    n = a + b + c + d
    if n == 0:
        return Agreement(a, b, c, d, 0, *([None] * 11))
    p_o = (a + d) / n
    p1, p2 = (a + b) / n, (a + c) / n
    p_e = p1 * p2 + (1 - p1) * (1 - p2)
    kappa = se = low = high = None
    if p_e < 1:
        kappa = (p_o - p_e) / (1 - p_e)
        se = math.sqrt(p_o * (1 - p_o) / (n * (1 - p_e) ** 2))
        low, high = kappa - 1.96 * se, kappa + 1.96 * se
    pos = 2 * a + b + c
    neg = 2 * d + b + c
    return Agreement(
        a, b, c, d, n, p_o, p_e, kappa, se, low, high,
        pabak=2 * p_o - 1,
        prevalence_index=abs(a - d) / n,
        bias_index=abs(b - c) / n,
        p_pos=2 * a / pos if pos else None,
        p_neg=2 * d / neg if neg else None,
    )  # fmt: skip
