"""Every screening URL of a stage x {anonymous, outsider, reviewer, lead} x method, written
down once (the full-text URLs have their own matrix in test_fulltext_view_matrix.py).

A new stage URL without a row here fails `test_every_url_has_a_row`.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import Record
from screening import urls as screening_urls
from screening.models import Decision, DecisionEvent, Report, Resolution, Retrieval, Stage
from tests.screening.conftest import TA, decide

MEMBER, LEAD = "member", "lead"

# name -> (extra kwargs, {method: who may})
MATRIX: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "overview": ((), {"GET": MEMBER}),
    "screen": ((), {"GET": MEMBER}),
    "progress": ((), {"GET": MEMBER}),
    "decide": (("record_id",), {"POST": MEMBER}),
    "undo": ((), {"POST": MEMBER}),
    "mine": ((), {"GET": MEMBER}),
    "conflicts": ((), {"GET": LEAD}),  # and the named resolver
    "conflict": (("record_id",), {"GET": LEAD, "POST": LEAD}),
    "reopen": (("record_id",), {"POST": LEAD}),
    "notes": (("record_id",), {"GET": MEMBER, "POST": LEAD}),  # and the named resolver
    "note_delete": (("record_id", "note_id"), {"POST": LEAD}),  # its author
    "agreement": ((), {"GET": LEAD}),
    "agreement_csv": ((), {"GET": LEAD}),
    "settings": ((), {"GET": LEAD, "POST": LEAD}),
    "ranking": ((), {"GET": LEAD}),
    "ranking_curve": (("fmt",), {"GET": LEAD}),
    "ranking_stop": ((), {"POST": LEAD}),
    "ranking_stop_undo": (("stop_id",), {"POST": LEAD}),
}
ALL_METHODS = ("GET", "POST", "PUT", "DELETE")


def test_every_url_has_a_row():
    names = {p.name for p in screening_urls.urlpatterns if "<str:stage>" in str(p.pattern)}
    assert names == set(MATRIX), (
        f"rows missing for {names - set(MATRIX)}; stale {set(MATRIX) - names}"
    )


@pytest.fixture
def objects(review, records, lead):
    from screening.access import Viewer
    from screening.services import note_add

    note = note_add(viewer=Viewer(review, lead.pk, LEAD), paper=records[0], stage=TA, user=lead,
                    text="A lead's note")  # fmt: skip
    return {
        "review": review.slug, "stage": TA, "record_id": records[0].pk, "fmt": "svg",
        "stop_id": 999999, "note_id": note.pk,
    }  # fmt: skip


def _url(name, objects, **override):
    keys = ("review", "stage", *MATRIX[name][0])
    return reverse(f"screening:{name}", kwargs={k: override.get(k, objects[k]) for k in keys})


def _call(client, method, url):
    return getattr(client, method.lower())(url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, objects, name):
    for method in MATRIX[name][1]:
        response = _call(client, method, _url(name, objects))
        assert response.status_code == 302, (name, method)
        assert response.url.startswith(reverse("login"))
    assert not Decision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_outsider_gets_404(client, objects, outsider, other_review, name):
    client.force_login(outsider)
    for method in MATRIX[name][1]:
        assert _call(client, method, _url(name, objects)).status_code == 404, (name, method)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_reviewer_gets_403_where_lead_only(client, objects, reviewer, name):
    client.force_login(reviewer)
    for method, who in MATRIX[name][1].items():
        status = _call(client, method, _url(name, objects)).status_code
        if name == "note_delete":
            # A note on a paper with open slots is hidden from the reviewer: as if none.
            assert status == 404, (name, method)
        elif who == LEAD:
            assert status == 403, (name, method)
        else:
            assert status in (200, 302), (name, method, status)
    assert not Resolution.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_wrong_method_is_405(client, objects, lead, name):
    client.force_login(lead)
    for method in set(ALL_METHODS) - set(MATRIX[name][1]):
        assert _call(client, method, _url(name, objects)).status_code == 405, (name, method)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, row in MATRIX.items() if "GET" in row[1]))
def test_lead_gets_every_page(client, objects, lead, name):
    client.force_login(lead)
    assert client.get(_url(name, objects)).status_code == 200, name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_an_unknown_stage_is_404(client, objects, lead, name):
    client.force_login(lead)
    for method in MATRIX[name][1]:
        response = _call(client, method, _url(name, objects, stage="nonsense"))
        assert response.status_code == 404, (name, method)


@pytest.mark.django_db
def test_full_text_screening_opens_but_refuses_a_report_not_retrieved(
    client, objects, lead, reviewer
):
    """The full-text screen opens; a decision on a paper whose full text is not retrieved
    (here: included at title/abstract, its report still to retrieve) writes nothing."""
    record = Record.objects.get(pk=objects["record_id"])
    review = record.review
    decide(review, record, lead, "include")
    decide(review, record, reviewer, "include")
    report = Report.objects.get(record=record)
    assert report.retrieval == Retrieval.TO_RETRIEVE
    client.force_login(lead)
    response = client.get(_url("screen", objects, stage=Stage.FULL_TEXT))
    assert response.status_code == 200
    assert response.context["record"] is None  # nothing retrieved: nothing to screen
    response = client.post(_url("decide", objects, stage=Stage.FULL_TEXT), {"verdict": "include"})
    assert response.status_code == 404
    assert not Decision.objects.filter(stage=Stage.FULL_TEXT).exists()
    assert not DecisionEvent.objects.filter(stage=Stage.FULL_TEXT).exists()
    report.refresh_from_db()
    assert report.retrieval == Retrieval.TO_RETRIEVE and report.study_id is None


@pytest.mark.django_db
def test_records_of_another_review_are_not_reachable(client, objects, outsider, other_review):
    """A lead of review B asking for review A's record under B's address gets 404."""
    client.force_login(outsider)
    theirs = {**objects, "review": other_review.slug}
    assert client.get(_url("screen", theirs) + f"?record={objects['record_id']}").status_code == 404
    assert client.post(_url("decide", theirs), {"verdict": "include"}).status_code == 404
    assert client.get(_url("conflict", theirs)).status_code == 404
    assert not Decision.objects.exists()
