"""The ranking panel, the curve downloads, stopping early and undoing it, through the views;
the relevance order in the settings form; the panel's link on the overview."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.models import AutomationExclusion, AutomationStop, Order, StageSettings
from tests.screening.conftest import TA, decide

pytestmark = pytest.mark.django_db


def url(review, name, *args) -> str:
    return reverse(f"screening:{name}", args=[review.slug, TA, *args])


def test_the_panel_shows_the_figures_and_the_curve(as_user, review, records, lead, reviewer):
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    decide(review, records[2], reviewer, "exclude")
    client = as_user(lead)
    response = client.get(url(review, "ranking") + "?recall_target=0.9&confidence=0.8&run=2")
    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats.papers, stats.screened, stats.includes, stats.consecutive) == (6, 3, 1, 2)
    assert response.context["run_reached"]
    assert response.context["test"].recall_target == 0.9
    text = response.content.decode()
    assert "data:image/svg+xml;base64," in text and "aid" in text
    assert "Stop screening and exclude the rest" in text
    # As an htmx fragment (it refreshes itself).
    fragment = client.get(
        url(review, "ranking"), headers={"HX-Request": "true", "HX-Target": "ranking-panel"}
    )
    assert fragment.status_code == 200 and b"<html" not in fragment.content
    assert b'id="ranking-panel"' in fragment.content
    # Bad parameters fall back to the defaults rather than failing.
    assert (
        client.get(url(review, "ranking") + "?recall_target=7").context["params"]["recall_target"]
        == 0.95
    )


@pytest.mark.slow  # renders a figure (matplotlib): .ci/run's PostgreSQL pass
@pytest.mark.parametrize(
    "fmt,kind,magic", [("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG")]
)
def test_curve_downloads(as_user, review, records, lead, fmt, kind, magic):
    response = as_user(lead).get(url(review, "ranking_curve", fmt))
    assert response.status_code == 200 and response["Content-Type"] == kind
    assert response.content.startswith(magic) and "attachment" in response["Content-Disposition"]
    assert as_user(lead).get(url(review, "ranking_curve", "pdfx")).status_code == 404


def test_stopping_needs_the_confirmation_then_excludes_and_undo_restores(
    as_user, review, records, lead, reviewer
):
    decide(review, records[0], reviewer, "include")
    client = as_user(lead)
    data = {"rule": "consecutive", "recall_target": "0.95", "confidence": "0.95", "run": "50"}
    response = client.post(url(review, "ranking_stop"), data)
    assert response.status_code == 200 and response.context["stop_form"].errors
    assert not AutomationStop.objects.exists()
    response = client.post(url(review, "ranking_stop"), {**data, "confirm": "on", "note": "why"})
    assert response.status_code == 302
    stop = AutomationStop.objects.get()
    assert stop.rule == "consecutive" and stop.params == {"consecutive_excludes": 50}
    assert stop.note == "why" and stop.stopped_by == lead
    assert AutomationExclusion.objects.filter(stop=stop).count() == 5  # all but the include
    overview = client.get(url(review, "overview"))
    assert b"excluded by the automation tool" in overview.content
    assert overview.context["summary"].excluded_automation == 5
    response = client.post(url(review, "ranking_stop_undo", stop.pk))
    assert response.status_code == 302
    assert not AutomationExclusion.objects.exists()
    stop.refresh_from_db()
    assert stop.undone_at is not None


def test_reviewers_may_not_stop(as_user, review, records, reviewer):
    data = {"rule": "judgement", "recall_target": "0.95", "confidence": "0.95", "run": "5",
            "confirm": "on"}  # fmt: skip
    assert as_user(reviewer).post(url(review, "ranking_stop"), data).status_code == 403
    assert not AutomationStop.objects.exists() and not AutomationExclusion.objects.exists()


def test_the_settings_offer_the_relevance_order_and_the_overview_links_the_panel(
    as_user, review, records, lead, django_capture_on_commit_callbacks
):
    client = as_user(lead)
    assert b"By predicted relevance" in client.get(url(review, "settings")).content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(review, "settings"),
            {"reviewers_required": 2, "maybe_counts_as_include": "on", "order": Order.RELEVANCE,
             "reasons_must_agree": "", "include_terms": "", "exclude_terms": ""},
        )  # fmt: skip
    assert response.status_code == 302
    assert StageSettings.objects.get(review=review, stage=TA).order == Order.RELEVANCE
    assert url(review, "ranking").encode() in client.get(url(review, "overview")).content


def test_reviewers_see_no_link_to_the_panel(as_user, review, records, reviewer):
    assert (
        url(review, "ranking").encode()
        not in as_user(reviewer).get(url(review, "overview")).content
    )


def test_a_reviewer_never_sees_scores(as_user, review, records, lead, reviewer):
    from screening import services
    from screening.models import RankingScore
    from tests.screening.conftest import settings_of

    settings_of(review, order=Order.RELEVANCE)
    decide(review, records[0], reviewer, "include")
    decide(review, records[1], reviewer, "exclude")
    services.ranking_train(review_id=review.pk, stage=TA)
    scores = RankingScore.objects.filter(reviewer=reviewer)
    assert scores.count() == len(records)
    client = as_user(reviewer)
    response = client.get(url(review, "screen"))
    assert response.status_code == 200 and response.context["record"] is not None
    text = response.content.decode()
    for s in scores:
        assert f"{s.score:.4f}" not in text and repr(s.score) not in text
    assert client.get(url(review, "ranking")).status_code == 403
