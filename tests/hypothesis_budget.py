"""How many examples the property tests draw: a quarter in the default suite (`make test`),
every one in CI (`HYPOTHESIS_PROFILE=ci`, set by .ci/run's PostgreSQL pass).

A test with its own `max_examples` writes `max_examples=examples(N)`, N being the count CI
runs; a test without one follows the loaded profile (loaded by tests/conftest.py)."""

from __future__ import annotations

import os

from hypothesis import settings

FULL = os.environ.get("HYPOTHESIS_PROFILE") == "ci"

settings.register_profile("ci", max_examples=100)
settings.register_profile("dev", max_examples=25)
settings.load_profile("ci" if FULL else "dev")


def examples(n: int) -> int:
    """`n` in CI; a quarter of it (at least 5) in the default suite."""
    return n if FULL else max(5, n // 4)
