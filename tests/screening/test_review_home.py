"""Issue #21.3: the review home shows each stage's progress, the next thing to do for
this member, their own queue, per-member progress (leads only), and the flow from records
to studies with PRISMA's own numbers (leads only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.home import STEPS
from reporting.selectors import prisma_flow
from screening import services
from screening.models import Report, Retrieval, Stage
from tests.screening.conftest import TA, criterion, decide, settings_of, third

pytestmark = pytest.mark.django_db

FT = Stage.FULL_TEXT


def _section(response, template):
    return next(s for s in response.context["sections"] if s.template == template)


def _has(response, template):
    return any(s.template == template for s in response.context["sections"])


@pytest.fixture
def small(review, records, lead, reviewer, second_reviewer):
    """Six records: 0 and 1 included at title/abstract, 2 excluded, 3 a conflict, 4 with
    one open vote (reviewer's), 5 untouched. Record 0 retrieved and included at full text;
    record 1's report not retrieved."""
    for who in (reviewer, second_reviewer):
        decide(review, records[0], who, "include")
        decide(review, records[1], who, "include")
        decide(review, records[2], who, "exclude", reason=criterion(review, "E1"))
    decide(review, records[3], reviewer, "include")
    decide(review, records[3], second_reviewer, "exclude")
    decide(review, records[4], reviewer, "include")
    Report.objects.filter(record=records[0]).update(retrieval=Retrieval.RETRIEVED)
    Report.objects.filter(record=records[1]).update(retrieval=Retrieval.NOT_RETRIEVED)
    for who in (reviewer, second_reviewer):
        services.decision_record(
            review=review, record=records[0], reviewer=who, stage=FT, verdict="include"
        )
    return records


def test_the_home_flow_has_prismas_numbers(as_user, review, lead, small):
    home = as_user(lead).get(reverse("reviews:detail", args=[review.slug]))
    steps = {s["key"]: s["value"] for s in _section(home, "reporting/home_flow.html").data["steps"]}
    fields = prisma_flow(review).fields
    assert steps == {key: fields[key].value for key, _ in STEPS if fields[key].known}
    assert (steps["records_screened"], steps["records_excluded"]) == (6, 1)
    assert (steps["dbr_sought_reports"], steps["dbr_notretrieved_reports"]) == (2, 1)
    assert (steps["dbr_assessed"], steps["new_studies"]) == (1, 1)
    html = home.content.decode()
    assert "studies included" in html


def test_a_lead_sees_stage_progress_the_next_step_and_each_members_progress(
    as_user, review, lead, small
):
    home = as_user(lead).get(reverse("reviews:detail", args=[review.slug]))
    data = _section(home, "screening/home.html").data
    ta = data["stages"][0]
    assert ta["papers"] == 6 and dict(ta["counts"]) == {
        "included": 2, "excluded": 1, "conflict": 1, "awaiting_me": 2,
    }  # fmt: skip
    assert data["next"]["do"] == "resolve" and data["next"]["n"] == 1
    assert reverse("screening:conflicts", args=[review.slug, TA]) in home.content.decode()
    progress = {m["name"]: [s["n"] for s in m["stages"]] for m in data["members"]}
    assert progress == {"lead": [0, 0], "reviewer": [5, 1], "second_reviewer": [4, 1]}


def test_a_reviewer_sees_their_own_queue_and_no_colleagues_counts(
    as_user, review, reviewer, second_reviewer, small
):
    mine = as_user(reviewer).get(reverse("reviews:detail", args=[review.slug]))
    theirs = as_user(second_reviewer).get(reverse("reviews:detail", args=[review.slug]))
    assert not _has(mine, "reporting/home_flow.html")
    data = _section(mine, "screening/home.html").data
    assert data["members"] == [] and "Progress by member" not in mine.content.decode()
    assert dict(data["stages"][0]["counts"]) == {
        "included": 2, "excluded": 1, "conflict": 1, "awaiting_others": 1, "awaiting_me": 1,
    }  # fmt: skip
    assert (data["next"]["do"], data["next"]["n"]) == ("screen", 1)
    other = _section(theirs, "screening/home.html").data
    # The reviewer's open vote on record 4 is "awaiting me" for the colleague, not a verdict.
    assert dict(other["stages"][0]["counts"])["awaiting_me"] == 2
    assert (other["next"]["do"], other["next"]["n"]) == ("screen", 2)
    assert "Screen 2 records waiting for you" in theirs.content.decode()


def test_the_named_resolvers_next_step_is_the_conflicts_they_may_resolve(
    as_user, review, reviewer, small, django_user_model
):
    arbiter = third(django_user_model, review, "arbiter")
    settings_of(review, resolver=arbiter)
    data = _section(as_user(arbiter).get(reverse("reviews:detail", args=[review.slug])),
                    "screening/home.html").data  # fmt: skip
    assert (data["next"]["do"], data["next"]["n"]) == ("resolve", 1)
    settings_of(review, resolver=reviewer)  # who screened the only conflict: not theirs
    data = _section(as_user(reviewer).get(reverse("reviews:detail", args=[review.slug])),
                    "screening/home.html").data  # fmt: skip
    assert (data["next"]["do"], data["next"]["n"]) == ("screen", 1)
