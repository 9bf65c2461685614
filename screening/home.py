"""Screening on a review's home (issue #21.3, `reviews.home`): each stage's progress as a
bar, the next thing to do for this member, their own queue, and for leads each member's
progress. Every count comes from the Viewer (`access.Viewer.paper_statuses`), so a
reviewer's home never moves with a colleague's open vote. Registered from
`ScreeningConfig.ready()`."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from reviews.home import HomeSection, register_home_section
from reviews.models import Member, Review
from screening.access import (
    AWAITING_ME,
    AWAITING_OTHERS,
    STATUS_LABELS,
    Viewer,
    conflicts_hidden_from,
)
from screening.models import Decision, Stage
from screening.selectors import conflict_list, stage_settings

# The bar's parts, left to right.
PARTS = ["included", "excluded", "conflict", AWAITING_OTHERS, AWAITING_ME]


def _bar(counts: Counter, total: int) -> list[dict]:
    out, x = [], 0.0
    for part in PARTS:
        n = counts.get(part, 0)
        width = 100 * n / total if total else 0
        out.append({"part": part, "words": STATUS_LABELS[part], "n": n, "x": x, "width": width})
        x += width
    return out


@register_home_section
def _screening(review: Review, member: Member) -> HomeSection:
    viewer = Viewer(review, member.user_id, member.role)
    stages = []
    for stage in Stage:
        counts = Counter(viewer.paper_statuses(stage.value).values())
        total = sum(counts.values())
        stages.append(
            {
                "stage": stage.value,
                "label": stage.label,
                "papers": total,
                "counts": counts,
                "mine": counts.get(AWAITING_ME, 0),
                "conflicts": counts.get("conflict", 0),
                "bar": _bar(counts, total),
            }
        )
    resolver = {
        s["stage"]
        for s in stages
        if stage_settings(review, s["stage"]).resolver_id == member.user_id
    }
    next_step = None
    for s in stages:
        conflicts = s["conflicts"] if viewer.is_lead else 0
        if s["stage"] in resolver and not viewer.is_lead:
            # The named resolver's list (views.conflicts): without those they screened,
            # unless the stage lets them resolve those too.
            settings = stage_settings(review, s["stage"])
            hidden = conflicts_hidden_from(viewer, settings)
            conflicts = len(conflict_list(review, s["stage"], settings, hide_screened_by=hidden))
        if conflicts:
            next_step = {"do": "resolve", "stage": s, "n": conflicts}
            break
        if s["mine"]:
            next_step = {"do": "screen", "stage": s, "n": s["mine"]}
            break
    members = []
    if viewer.sees_vote_counts:  # colleagues' counts move with their open votes: leads only
        voted = {
            (row["reviewer"], row["stage"]): row["n"]
            for row in Decision.objects.filter(review=review)
            .values("reviewer", "stage")
            .annotate(n=Count("paper", distinct=True))
        }
        for m in review.members.select_related("user").order_by("user__username"):
            members.append(
                {
                    "name": m.user.get_username(),
                    "role": m.get_role_display(),
                    "stages": [
                        {
                            "label": s["label"],
                            "n": voted.get((m.user_id, s["stage"]), 0),
                            "of": s["papers"],
                        }
                        for s in stages
                    ],  # fmt: skip
                }
            )
    data = {"stages": stages, "next": next_step, "members": members}
    return HomeSection(0, "screening/home.html", data)
