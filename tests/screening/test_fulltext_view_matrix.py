"""Every full-text URL x {anonymous, outsider, reviewer, lead} x method, written down once.

A new full-text URL (one without a stage in its path) without a row here fails
`test_every_fulltext_url_has_a_row`; the stage URLs are in test_view_matrix.py.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lib.fulltext import make_pdf
from reviews import services as review_services
from reviews.models import SourceType
from screening import services
from screening import urls as screening_urls
from screening.models import BulkItem, BulkStatus, BulkUpload, Decision, Report, Study
from tests.factories import imported
from tests.reviews.test_dedup_service import ris
from tests.screening.test_fulltexts import PAPERS, attach, ft, include

pytestmark = pytest.mark.django_db

MEMBER, LEAD = "member", "lead"

# name -> (the ids in its path, {method: who may})
MATRIX: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "reports": ((), {"GET": MEMBER}),
    "report": (("report_id",), {"GET": MEMBER}),
    "report_pdf": (("report_id",), {"GET": MEMBER}),
    "report_upload": (("report_id",), {"POST": MEMBER}),
    "report_retrieval": (("report_id",), {"POST": MEMBER}),
    "studies": ((), {"GET": LEAD}),  # a study tells that both reviewers included
    "bulk_upload": ((), {"POST": LEAD}),
    "bulk": (("bulk_id",), {"GET": LEAD}),
    "bulk_confirm": (("bulk_id",), {"POST": LEAD}),
    "report_add": (("record_id",), {"POST": LEAD}),
    "report_study": (("report_id",), {"POST": LEAD}),
    "report_study_unlink": (("report_id",), {"POST": LEAD}),
}
ALL_METHODS = ("GET", "POST", "PUT", "DELETE")


def test_every_fulltext_url_has_a_row():
    names = {p.name for p in screening_urls.urlpatterns if "<str:stage>" not in str(p.pattern)}
    assert names == set(MATRIX), (
        f"rows missing for {names - set(MATRIX)}; stale {set(MATRIX) - names}"
    )


@pytest.fixture
def objects(review, source, lead, reviewer, second_reviewer):
    """An included report with its PDF and study, a bulk upload waiting for confirmation,
    and a record found by other methods (kept small: every row builds it afresh)."""
    found = review_services.source_create(
        review=review, name="Experts", source_type=SourceType.CONTACT
    )
    batch = imported(review, source, lead, ris(PAPERS[0]))
    other = imported(review, found, lead, ris(PAPERS[1]), name="contact.ris")
    record = batch.records.get()
    include(review, record, reviewer, second_reviewer)
    report = attach(review, Report.objects.get(record=record), lead)
    ft(review, record, reviewer, "include")
    ft(review, record, second_reviewer, "include")
    upload = SimpleUploadedFile("a.pdf", make_pdf(record.title, doi=record.doi))
    bulk = services.bulk_upload_start(review=review, files=[upload], user=lead, enqueue=False)
    services.bulk_upload_run(bulk_id=bulk.pk)
    return {
        "review": review.slug,
        "report_id": report.pk,
        "bulk_id": bulk.pk,
        "record_id": other.records.get().pk,
    }


def state() -> tuple:
    """Everything a full-text view could change."""
    return (
        list(Report.objects.order_by("pk").values_list(
            "pk", "record_id", "retrieval", "not_retrieved_reason", "pdf", "pdf_sha256", "link",
            "study_id", "other_method", "updated_by_id",
        )),
        list(Study.objects.order_by("pk").values_list("pk", "label")),
        list(BulkUpload.objects.order_by("pk").values_list("pk", "status")),
        list(BulkItem.objects.order_by("pk").values_list("pk", "report_id", "attached")),
        Decision.objects.count(),
    )  # fmt: skip


def _url(name, objects, **override):
    keys = ("review", *MATRIX[name][0])
    return reverse(f"screening:{name}", kwargs={k: override.get(k, objects[k]) for k in keys})


def _call(client, method, url):
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, objects, name):
    before = state()
    for method in MATRIX[name][1]:
        response = _call(client, method, _url(name, objects))
        assert response.status_code == 302, (name, method)
        assert response.url.startswith(reverse("login"))
    assert state() == before


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_outsider_gets_404(client, objects, outsider, other_review, name):
    """Under review A's address, and with A's ids under the outsider's own review B."""
    client.force_login(outsider)
    before = state()
    for method in MATRIX[name][1]:
        assert _call(client, method, _url(name, objects)).status_code == 404, (name, method)
        theirs = _url(name, objects, review=other_review.slug)
        if MATRIX[name][0]:
            assert _call(client, method, theirs).status_code == 404, (name, method, "B")
    assert state() == before


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_reviewer_gets_403_where_lead_only(client, objects, reviewer, name):
    client.force_login(reviewer)
    before = state()
    for method, who in MATRIX[name][1].items():
        status = _call(client, method, _url(name, objects)).status_code
        if who == LEAD:
            assert status == 403, (name, method)
        else:
            assert status in (200, 302), (name, method, status)
    # Lead-only: refused; members' forms posted empty: refused by the form or the service.
    assert state() == before


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_wrong_method_is_405(client, review, lead, name):
    # The method is checked before anything is looked up: ids that exist are not needed
    # (without the check, these would be 404s).
    unknown = {"review": review.slug, "report_id": 999, "bulk_id": 999, "record_id": 999}
    client.force_login(lead)
    for method in set(ALL_METHODS) - set(MATRIX[name][1]):
        assert _call(client, method, _url(name, unknown)).status_code == 405, (name, method)


@pytest.mark.parametrize("name", sorted(n for n, row in MATRIX.items() if "GET" in row[1]))
@pytest.mark.parametrize("who", ["lead", "reviewer"])
def test_members_get_the_pages_their_role_allows(client, objects, request, name, who):
    client.force_login(request.getfixturevalue(who))
    status = client.get(_url(name, objects)).status_code
    allowed = who == "lead" or MATRIX[name][1]["GET"] == MEMBER
    assert status == (200 if allowed else 403), (name, who)


def test_the_objects_are_what_the_rows_assume(objects):
    report = Report.objects.get(pk=objects["report_id"])
    assert report.pdf and report.study_id is not None
    assert BulkUpload.objects.get(pk=objects["bulk_id"]).status == BulkStatus.READY
