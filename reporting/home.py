"""The flow from records to studies on a lead's review home (issue #21.3): the numbers
are PRISMA 2020's (`selectors.prisma_flow`), so the home and the diagram never differ.
Registered from `ReportingConfig.ready()`."""

from __future__ import annotations

from reporting.selectors import prisma_flow
from reviews.home import HomeSection, register_home_section
from reviews.models import Member, Review, Role

# (PRISMA field, words), in the order of the diagram's main column (databases and
# registers; the other-methods column is on the PRISMA page).
STEPS = [
    ("database_results", "records identified"),
    ("duplicates", "duplicates removed"),
    ("records_screened", "records screened"),
    ("records_excluded", "records excluded"),
    ("dbr_sought_reports", "reports sought"),
    ("dbr_notretrieved_reports", "reports not retrieved"),
    ("dbr_assessed", "reports assessed"),
    ("dbr_excluded_reports", "reports excluded"),
    ("new_studies", "studies included"),
]


@register_home_section
def _flow(review: Review, member: Member) -> HomeSection | None:
    if member.role != Role.LEAD:
        return None  # vote-derived counts (rule 3 of screening.access): leads only
    flow = prisma_flow(review)
    steps = [
        {"key": key, "words": words, "value": flow.fields[key].value}
        for key, words in STEPS
        if flow.fields[key].known
    ]
    return HomeSection(10, "reporting/home_flow.html", {"steps": steps})
