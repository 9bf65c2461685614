"""Sections of a review's home page supplied by later apps (issue #21.3): screening's
"next thing to do", own queue and per-member progress, reporting's flow from records to
studies. As with `reviews.history`, `reviews` never imports them: each registers a
function `fn(review, member) -> HomeSection | None` that decides what the member may see
(blinding: screening's Viewer; the PRISMA flow is for leads only, as its page is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reviews.models import Member, Review


@dataclass(frozen=True)
class HomeSection:
    order: int  # lower first
    template: str  # rendered with `section` (this) and `review`
    data: dict = field(default_factory=dict)


SectionSource = Callable[[Review, Member], "HomeSection | None"]
_SOURCES: list[SectionSource] = []


def register_home_section(fn: SectionSource) -> SectionSource:
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def home_sections(review: Review, member: Member) -> list[HomeSection]:
    sections = [s for fn in _SOURCES if (s := fn(review, member)) is not None]
    return sorted(sections, key=lambda s: s.order)
