"""The screening pages over HTTP: page and fragment, with and without JavaScript, escaping,
and query counts that do not grow with the review."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from screening import selectors
from screening.models import Decision, DecisionEvent, StageSettings
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import TA, criterion, decide, paper, screenable, settings_of

pytestmark = pytest.mark.django_db

CARD = {"HX-Request": "true", "HX-Target": "screen-card"}
HX = {"HX-Request": "true"}


def url(review, name, *args) -> str:
    return reverse(f"screening:{name}", args=[review.slug, TA, *args])


def offered(review, user):
    return selectors.next_record(review, user, TA, settings_of(review))


def test_the_screen_is_a_page_and_a_fragment(as_user, review, records, reviewer):
    client = as_user(reviewer)
    first = offered(review, reviewer)
    page = client.get(url(review, "screen"))
    assert page.status_code == 200 and page["Vary"].count("HX-Target") == 1
    html = page.content.decode()
    assert "<html" in html and 'id="screen-progress"' in html and 'id="screen-card"' in html
    assert first.title in html and page.context["record"] == first
    fragment = client.get(url(review, "screen"), headers=CARD).content.decode()
    assert fragment.lstrip().startswith('<section id="screen-card"')
    assert first.title in fragment and "<html" not in fragment and "screen-progress" not in fragment


def test_without_javascript_a_decision_posts_and_redirects_back(as_user, review, records, reviewer):
    client = as_user(reviewer)
    first = offered(review, reviewer)
    response = client.post(
        url(review, "decide", first.pk),
        {"verdict": "exclude", "reason": criterion(review, "E3").pk, "note": "n", "stream": "on"},
    )
    assert response.status_code == 302 and response.url == url(review, "screen")
    d = Decision.objects.get()
    assert (d.record, d.reviewer, d.verdict, d.reason.code, d.note) == (
        first,
        reviewer,
        "exclude",
        "E3",
        "n",
    )
    following = client.get(response.url).context["record"]
    assert following is not None and following != first


def test_an_htmx_decision_answers_with_the_next_record_and_a_progress_event(
    as_user, review, records, reviewer
):
    client = as_user(reviewer)
    first = offered(review, reviewer)
    response = client.post(
        url(review, "decide", first.pk), {"verdict": "include", "stream": "on"}, headers=HX
    )
    assert response.status_code == 200 and "screening-progress" in response["HX-Trigger"]
    following = offered(review, reviewer)
    assert response.context["record"] == following and following != first
    html = response.content.decode()
    assert following.title in html and "Saved: include." in html
    assert html.lstrip().startswith('<section id="screen-card"')
    assert Decision.objects.get().verdict == "include"
    progress = client.get(url(review, "progress")).content.decode()
    # A reviewer counts records settled (every slot filled), not votes (screening.access).
    assert "Mine: 1 of 6 records" in progress and "Stage: 0 of 6 records screened" in progress


def test_a_reason_picked_before_choosing_include_is_dropped(as_user, review, records, reviewer):
    e1 = criterion(review, "E1")
    as_user(reviewer).post(
        url(review, "decide", records[0].pk), {"verdict": "include", "reason": e1.pk}
    )
    d = Decision.objects.get()
    assert (d.verdict, d.reason, d.reason_other) == ("include", None, "")


def test_a_double_submit_makes_one_row_and_one_event(as_user, review, records, reviewer):
    client = as_user(reviewer)
    data = {"verdict": "maybe", "note": "ask the team", "stream": "on"}
    for _ in range(2):
        client.post(url(review, "decide", records[0].pk), data, headers=HX)
    assert Decision.objects.count() == 1 and DecisionEvent.objects.count() == 1


def test_an_invalid_decision_rerenders_the_card_with_the_error(
    as_user, review, records, reviewer, other_review
):
    response = as_user(reviewer).post(
        url(review, "decide", records[0].pk), {"verdict": "delete"}, headers=HX
    )
    assert response.status_code == 200 and response.context["record"] == records[0]
    assert 'role="alert"' in response.content.decode()
    assert not Decision.objects.exists()


def test_undo_shows_the_withdrawn_record_again(as_user, review, records, reviewer):
    client = as_user(reviewer)
    first = offered(review, reviewer)
    client.post(url(review, "decide", first.pk), {"verdict": "include", "stream": "on"})
    response = client.post(url(review, "undo"), headers=HX)
    assert response.status_code == 200 and response.context["record"] == first
    assert "screening-progress" in response["HX-Trigger"]
    assert not Decision.objects.exists()
    assert DecisionEvent.objects.last().new_verdict == ""
    nothing = client.post(url(review, "undo"), headers=HX)  # nothing left to undo
    assert nothing.status_code == 200 and "You have no decision to undo." in nothing.text

    client.post(url(review, "decide", first.pk), {"verdict": "exclude", "stream": "on"})
    response = client.post(url(review, "undo"))  # without JavaScript
    assert (
        response.status_code == 302
        and response.url == url(review, "screen") + f"?record={first.pk}"
    )
    assert not Decision.objects.exists()
    assert client.post(url(review, "undo")).status_code == 302


def test_revisiting_a_decision_shows_it_and_changes_it_in_place(as_user, review, records, reviewer):
    client = as_user(reviewer)
    decide(review, records[4], reviewer, "exclude", reason=criterion(review, "E1"), note="old")
    page = client.get(url(review, "screen") + f"?record={records[4].pk}")
    assert page.context["record"] == records[4] and not page.context["stream"]
    html = page.content.decode()
    assert "you said <b>Exclude</b>" in html and ">old</textarea>" in html
    client.post(url(review, "decide", records[4].pk), {"verdict": "include"})
    assert Decision.objects.get().verdict == "include"
    assert DecisionEvent.objects.count() == 2
    assert client.get(url(review, "screen") + "?record=999999").status_code == 404


def test_a_third_reviewers_post_is_refused_when_two_have_screened(
    as_user, review, records, reviewer, second_reviewer, django_user_model
):
    from tests.screening.conftest import third

    other = third(django_user_model, review)
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    client = as_user(other)
    response = client.post(url(review, "decide", records[0].pk), {"verdict": "exclude"}, headers=HX)
    assert response.status_code == 200 and "enough reviewers" in response.content.decode()
    assert response.context["record"] != records[0]
    response = client.post(url(review, "decide", records[0].pk), {"verdict": "exclude"})
    assert response.status_code == 302
    assert Decision.objects.filter(paper=records[0]).count() == 2
    assert not Decision.objects.filter(reviewer=other).exists()


def test_titles_are_escaped_and_highlight_terms_marked(as_user, review, source, lead, reviewer):
    settings_of(review, include_terms="partnership", exclude_terms="randomi?ed trial")
    hostile = paper(1, title="Partnerships <script>alert('x')</script> in a randomized trial")
    import_text(review, source, lead, ris(hostile))
    run(review)
    html = as_user(reviewer).get(url(review, "screen")).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert '<mark class="include">Partnerships</mark>' in html
    assert '<mark class="exclude">randomized trial</mark>' in html


def test_my_decisions_lists_mine_only(as_user, review, records, reviewer, second_reviewer):
    decide(review, records[0], reviewer, "include", note="mine-note")
    decide(review, records[1], second_reviewer, "exclude", note="their-note")
    page = as_user(reviewer).get(url(review, "mine"))
    assert [d.paper for d in page.context["page"].object_list] == [records[0]]
    assert "mine-note" in page.content.decode() and "their-note" not in page.content.decode()


def test_a_lead_changes_the_stage_settings(as_user, review, lead, reviewer):
    response = as_user(lead).post(url(review, "settings"), {
        "reviewers_required": 1, "order": "import", "resolver": reviewer.pk,
        "include_terms": "partnership*", "exclude_terms": "", "maybe_counts_as_include": "",
    })  # fmt: skip
    assert response.status_code == 302
    s = StageSettings.objects.get(review=review, stage=TA)
    assert (s.reviewers_required, s.order, s.resolver, s.maybe_counts_as_include) == (
        1,
        "import",
        reviewer,
        False,
    )
    assert (s.include_terms, s.resolver_may_have_screened) == ("partnership*", False)


@pytest.mark.parametrize(
    ("terms", "error"),
    [
        ("x" * 101, "A term is at most 100 characters"),
        ("\n".join(f"t{n}" for n in range(201)), "At most 200 terms (201 given)"),
    ],
    ids=["long", "many"],
)
def test_highlight_terms_past_the_highlighters_bounds_are_refused(as_user, review, lead, terms,
                                                                  error):  # fmt: skip
    response = as_user(lead).post(url(review, "settings"), {
        "reviewers_required": 2, "order": "random", "include_terms": terms,
    })  # fmt: skip
    assert response.status_code == 200
    assert error in str(response.context["form"].errors["include_terms"])
    assert StageSettings.objects.get(review=review, stage=TA).include_terms == ""


def test_the_resolver_must_be_a_member(as_user, review, lead, outsider):
    response = as_user(lead).post(
        url(review, "settings"),
        {"reviewers_required": 2, "order": "random", "resolver": outsider.pk},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert StageSettings.objects.get(review=review, stage=TA).resolver is None


def test_leads_see_the_stage_summary_and_agreement(
    as_user, review, records, lead, reviewer, second_reviewer
):
    for record, theirs in zip(records[:3], ("include", "exclude", "exclude"), strict=True):
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, theirs)
    client = as_user(lead)
    overview = client.get(url(review, "overview"))
    summary = overview.context["summary"]
    assert (summary.included, summary.conflicts, summary.awaiting) == (1, 2, 3)
    assert 'id="stage-conflicts"' in overview.content.decode()
    response = client.get(url(review, "agreement_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, pair, overall = rows
    row = dict(zip(header, pair, strict=True))
    assert (row["rater_1"], row["rater_2"], row["n"]) == ("reviewer", "second_reviewer", "3")
    assert (row["a_both_include"], row["b_1_include_2_exclude"], row["verdict_disagreements"]) == (
        "1",
        "2",
        "2",
    )
    # reviewer included everything: observed = chance agreement, kappa 0.
    assert (row["observed_agreement"], row["expected_agreement"], row["kappa"]) == (
        "0.3333",
        "0.3333",
        "0.0000",
    )
    assert overall[1] == "(all pairs)"
    stage = dict(zip(header, overall, strict=True))  # the outcome rule's conflicts, as above
    assert (stage["conflicts"], stage["conflicts_open"], stage["conflicts_resolved"]) == (
        "2",
        "2",
        "0",
    )
    assert row["conflicts"] == ""  # a stage's conflicts are not per pair
    page = client.get(url(review, "agreement")).content.decode()
    assert "reviewer and second_reviewer" in page


# --- query counts: constant in the number of records -------------------------------------


@pytest.fixture(params=[200, 400], ids=["200-records", "400-records"])
def big_review(request, review, source, lead, reviewer, second_reviewer):
    records = screenable(review, source, lead, request.param)
    for record in records[::10]:
        decide(review, record, second_reviewer, "include")
    for record in records[5::20]:
        decide(review, record, reviewer, "exclude", advance=True)
    return review


def test_the_screen_page_query_count_is_flat(
    as_user, big_review, reviewer, django_assert_max_num_queries
):
    client = as_user(reviewer)
    with django_assert_max_num_queries(12):
        assert client.get(url(big_review, "screen")).context["record"] is not None
    with django_assert_max_num_queries(8):
        assert client.get(url(big_review, "screen"), headers=CARD).status_code == 200


def test_the_decide_query_count_is_flat(
    as_user, big_review, reviewer, django_assert_max_num_queries
):
    client = as_user(reviewer)
    first = offered(big_review, reviewer)
    with django_assert_max_num_queries(21):
        response = client.post(
            url(big_review, "decide", first.pk), {"verdict": "include", "stream": "on"}, headers=HX
        )
    second = response.context["record"]
    with django_assert_max_num_queries(17):
        client.post(url(big_review, "decide", second.pk), {"verdict": "exclude", "stream": "on"})
    assert Decision.objects.filter(reviewer=reviewer, paper__in=[first, second]).count() == 2


def test_the_agreement_dashboard_refreshes_as_a_fragment(
    as_user, review, records, lead, reviewer, second_reviewer
):
    url = reverse("screening:agreement", args=[review.slug, TA])
    client = as_user(lead)
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "agreement-body"})
    assert "<html" not in fragment.text and "No record has been screened by two" in fragment.text
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "agreement-body"})
    assert 'class="disagreements">1<' in fragment.text and 'hx-trigger="every 60s"' in fragment.text


def test_a_vote_names_its_record_and_never_lands_on_the_next_one(
    as_user, review, records, reviewer, second_reviewer
):
    """What the keyboard queue (static/js/sift.js) relies on: the card says which record it
    shows (data-record) and its form posts to that record's URL; a late POST for the record
    before (a second key press) changes that record or nothing, never the record shown next;
    a POST for a record that is not up for screening here is refused, with nothing saved."""
    import re

    client = as_user(reviewer)
    card = client.get(url(review, "screen"), headers=CARD).text
    a = int(re.search(r'data-record="(\d+)"', card)[1])
    assert f"/records/{a}/decision/" in card
    after = client.post(url(review, "decide", a), {"verdict": "include", "stream": "on"},
                        headers=HX).text  # fmt: skip
    b = int(re.search(r'data-record="(\d+)"', after)[1])
    assert b != a and f"/records/{b}/decision/" in after and f"/records/{a}/decision/" not in after
    # The same key again, and then another one, both sent for A while B is shown.
    client.post(url(review, "decide", a), {"verdict": "include", "stream": "on"}, headers=HX)
    client.post(url(review, "decide", a), {"verdict": "exclude", "stream": "on"}, headers=HX)
    votes = dict(Decision.objects.filter(reviewer=reviewer).values_list("paper", "verdict"))
    assert votes == {a: "exclude"}
    assert offered(review, reviewer).pk == b  # the reviewer's place stays at B
    # A record of another review, or no record at all: 404, no vote.
    other = paper_of_another_review(review, second_reviewer)
    for pk in (other.pk, 10**9):
        response = client.post(url(review, "decide", pk), {"verdict": "include"}, headers=HX)
        assert response.status_code == 404
    assert Decision.objects.filter(reviewer=reviewer).count() == 1


def paper_of_another_review(review, user):
    from reviews import services as review_services
    from reviews.models import SourceType

    other = review_services.review_create(title="Another review", user=user)
    source = review_services.source_create(review=other, name="Elsewhere",
                                           source_type=SourceType.DATABASE)  # fmt: skip
    return screenable(other, source, user, 1)[0]
