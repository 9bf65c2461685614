"""Full-text pages: what each view does to the database, its messages and its headers."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lib.fulltext import make_pdf
from screening.models import (
    BulkItem,
    BulkStatus,
    BulkUpload,
    Decision,
    Report,
    Retrieval,
    Stage,
    Study,
)
from tests.screening import test_fulltexts as base
from tests.screening.conftest import criterion
from tests.screening.test_fulltexts import (
    bulk_files,
    deflated_zip,
    ft,
    stored_files,
    zip_bytes,
)

# The fixtures of the service tests, shared.
four, reports, retrieved, two_included, hand_searched = (
    base.four, base.reports, base.retrieved, base.two_included, base.hand_searched,
)  # fmt: skip

pytestmark = pytest.mark.django_db

FT = Stage.FULL_TEXT
HX = {"HX-Request": "true"}
CARD = {"HX-Request": "true", "HX-Target": "screen-card"}
STATUS = {"HX-Request": "true", "HX-Target": "bulk-status"}


def url(review, name, *args) -> str:
    return reverse(f"screening:{name}", args=[review.slug, *args])


def said(response) -> list[str]:
    """The messages a post/redirect left, read on the page it redirects to (which shows them,
    so the next request starts with none)."""
    assert response.status_code == 302, response.status_code
    page = response.client.get(response.url)
    return [str(m) for m in page.context["messages"]]


# --- the list and one report -----------------------------------------------------------------


def test_the_list_counts_reports_and_filters_by_status(as_user, review, retrieved, reviewer):
    client = as_user(reviewer)
    page = client.get(url(review, "reports"))
    assert page.status_code == 200
    counts = page.context["counts"]
    assert (counts.sought, counts.to_retrieve, counts.retrieved, counts.not_retrieved) == (
        4,
        2,
        2,
        0,
    )
    assert len(page.context["reports"]) == 4
    assert url(review, "bulk_upload") not in page.content.decode()  # for leads
    only = client.get(url(review, "reports") + "?retrieval=retrieved")
    assert {r.pk for r in only.context["reports"]} == {r.pk for r in retrieved}
    ignored = client.get(url(review, "reports") + "?retrieval=lost")
    assert ignored.context["wanted"] == "" and len(ignored.context["reports"]) == 4


def test_a_lead_sees_the_bulk_form(as_user, review, reports, lead):
    page = as_user(lead).get(url(review, "reports"))
    assert f'action="{url(review, "bulk_upload")}"' in page.content.decode()


def test_a_report_page_shows_the_pdf_and_the_study_form_to_a_lead(
    as_user, review, two_included, lead, reviewer
):
    report = two_included[0]
    page = as_user(reviewer).get(url(review, "report", report.pk))
    assert page.status_code == 200 and page.context["report"] == report
    body = page.content.decode()
    assert url(review, "report_pdf", report.pk) in body
    assert url(review, "report_study", report.pk) not in body  # for leads
    page = as_user(lead).get(url(review, "report", report.pk))
    assert url(review, "report_study", report.pk) in page.content.decode()


# --- one PDF through the upload form ---------------------------------------------------------


def test_uploading_a_real_pdf_attaches_it(as_user, review, reports, reviewer, settings):
    report = reports[0]
    content = make_pdf(report.record.title, ["Methods."])
    response = as_user(reviewer).post(
        url(review, "report_upload", report.pk), {"pdf": SimpleUploadedFile("smith.pdf", content)}
    )
    assert response.status_code == 302 and response.url == url(review, "report", report.pk)
    assert said(response) == ["smith.pdf attached: the full text is retrieved."]
    report.refresh_from_db()
    assert report.retrieval == Retrieval.RETRIEVED
    assert report.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert (report.pdf_pages, report.pdf_size, report.updated_by) == (1, len(content), reviewer)
    assert stored_files(settings) == [report.pdf.name]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "article.pdf",
            deflated_zip(a=make_pdf("A paper")),
            "article.pdf is not a PDF (it starts like a ZIP archive).",
        ),
        (
            "article.pdf",
            b"<html><head><title>Sign in</title></head></html>",
            "article.pdf is not a PDF (it starts like a web page).",
        ),
        ("article.pdf", b"", "article.pdf is empty."),
    ],
    ids=["zip", "html", "empty"],
)
def test_uploading_a_fake_pdf_is_refused_and_changes_nothing(
    as_user, review, reports, reviewer, settings, name, content, message
):
    report = reports[0]
    response = as_user(reviewer).post(
        url(review, "report_upload", report.pk), {"pdf": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    assert said(response) == [message]
    fresh = Report.objects.get(pk=report.pk)
    assert (fresh.retrieval, fresh.pdf.name, fresh.pdf_sha256, fresh.updated_by) == (
        Retrieval.TO_RETRIEVE,
        "",
        "",
        None,
    )
    assert stored_files(settings) == []


def test_uploading_an_oversized_pdf_is_refused(as_user, review, reports, reviewer, settings):
    settings.SIFT_MAX_PDF_MB = 0
    report = reports[0]
    response = as_user(reviewer).post(
        url(review, "report_upload", report.pk),
        {"pdf": SimpleUploadedFile("big.pdf", make_pdf(report.record.title))},
    )
    assert said(response) == ["big.pdf is larger than 0 bytes."]
    assert Report.objects.get(pk=report.pk).retrieval == Retrieval.TO_RETRIEVE
    assert stored_files(settings) == []


def test_uploading_nothing_asks_for_a_file(as_user, review, reports, reviewer):
    response = as_user(reviewer).post(url(review, "report_upload", reports[0].pk))
    assert said(response) == ["Choose a PDF file to upload."]
    assert not Report.objects.exclude(pdf="").exists()


# --- the PDF itself --------------------------------------------------------------------------


def test_the_pdf_is_served_inline_and_only_framed_by_sift(as_user, review, retrieved, reviewer):
    report = retrieved[0]
    response = as_user(reviewer).get(url(review, "report_pdf", report.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "default-src 'none'" in policy
    with report.pdf.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_the_pdf_is_404_to_outsiders_and_when_there_is_none(
    as_user, review, retrieved, reports, outsider, other_review, reviewer
):
    client = as_user(outsider)
    assert client.get(url(review, "report_pdf", retrieved[0].pk)).status_code == 404
    # Through the outsider's own review: still not theirs.
    assert client.get(url(other_review, "report_pdf", retrieved[0].pk)).status_code == 404
    no_pdf = reports[3]
    assert as_user(reviewer).get(url(review, "report_pdf", no_pdf.pk)).status_code == 404


# --- retrieval status ------------------------------------------------------------------------


def test_marking_not_retrieved_needs_a_reason(as_user, review, reports, reviewer):
    report = reports[0]
    client = as_user(reviewer)
    response = client.post(
        url(review, "report_retrieval", report.pk), {"retrieval": "not_retrieved"}
    )
    assert said(response) == ["Say why the full text could not be retrieved."]
    assert Report.objects.get(pk=report.pk).retrieval == Retrieval.TO_RETRIEVE
    response = client.post(
        url(review, "report_retrieval", report.pk),
        {"retrieval": "not_retrieved", "reason": "other"},
    )
    assert said(response) == ["Describe the other reason."]
    assert Report.objects.get(pk=report.pk).retrieval == Retrieval.TO_RETRIEVE
    response = client.post(
        url(review, "report_retrieval", report.pk),
        {"retrieval": "not_retrieved", "reason": "requested_from_author", "note": "Asked twice"},
    )
    assert said(response) == ["Retrieval status saved."]
    report.refresh_from_db()
    assert (report.retrieval, report.not_retrieved_reason, report.not_retrieved_note) == (
        Retrieval.NOT_RETRIEVED,
        "requested_from_author",
        "Asked twice",
    )


def test_marking_retrieved_needs_a_pdf_or_a_valid_link(as_user, review, reports, reviewer):
    report = reports[0]
    client = as_user(reviewer)
    response = client.post(url(review, "report_retrieval", report.pk), {"retrieval": "retrieved"})
    assert said(response) == ["Attach the PDF or give a link to mark it retrieved."]
    response = client.post(
        url(review, "report_retrieval", report.pk),
        {"retrieval": "retrieved", "link": "javascript:alert(1)"},
    )
    assert said(response) == ["Check the status, the reason and the link."]
    assert Report.objects.get(pk=report.pk).retrieval == Retrieval.TO_RETRIEVE
    client.post(
        url(review, "report_retrieval", report.pk),
        {"retrieval": "retrieved", "link": "https://example.org/smith.pdf"},
    )
    report.refresh_from_db()
    assert (report.retrieval, report.link) == (Retrieval.RETRIEVED, "https://example.org/smith.pdf")


def test_retrieval_is_frozen_once_full_text_screening_started(as_user, review, retrieved, reviewer):
    report = retrieved[0]
    ft(review, report.record, reviewer, "include")
    response = as_user(reviewer).post(
        url(review, "report_retrieval", report.pk),
        {"retrieval": "not_retrieved", "reason": "not_found"},
    )
    assert said(response) == ["Full-text screening has started on this report."]
    assert Report.objects.get(pk=report.pk).retrieval == Retrieval.RETRIEVED


# --- bulk upload -----------------------------------------------------------------------------


def test_a_lead_uploads_many_pdfs_and_confirms_the_matches(
    as_user, review, reports, lead, settings, django_capture_on_commit_callbacks
):
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly on commit
        response = client.post(url(review, "bulk_upload"), {"files": bulk_files(reports)})
    bulk = BulkUpload.objects.get()
    assert response.status_code == 302 and response.url == url(review, "bulk", bulk.pk)
    assert (bulk.status, bulk.done, bulk.total, bulk.uploaded_by) == (BulkStatus.READY, 4, 4, lead)
    assert not Report.objects.exclude(pdf="").exists()

    page = client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("download.pdf", "10.5555_sift.1.pdf", "pdfs/third.pdf", "pdfs/volcano.pdf"):
        assert name in body
    items = {i.name: i for i in bulk.items.all()}
    # Certain matches come filled in; the unmatched one is left out.
    chosen = f'name="item-{items["download.pdf"].pk}" list="report-list"'
    assert chosen in body and f'value="#{reports[0].record.label_number}" placeholder' in body
    assert f'name="item-{items["pdfs/volcano.pdf"].pk}"' in body
    fragment = client.get(response.url, headers=STATUS)
    assert fragment.status_code == 286  # done reading: htmx stops polling
    assert "<html" not in fragment.content.decode()

    data = {
        f"item-{items['download.pdf'].pk}": f"#{reports[0].record.label_number}",
        f"item-{items['10.5555_sift.1.pdf'].pk}": reports[1].record.label_number,
        f"item-{items['pdfs/third.pdf'].pk}": "",
        f"item-{items['pdfs/volcano.pdf'].pk}": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review, "bulk_confirm", bulk.pk), data)
    assert response.status_code == 302 and response.url == url(review, "reports")
    assert said(response) == ["2 PDFs attached."]
    attached = Report.objects.exclude(pdf="").order_by("pk")
    assert [(r.pk, r.pdf_name) for r in attached] == [
        (reports[0].pk, "download.pdf"),
        (reports[1].pk, "10.5555_sift.1.pdf"),
    ]
    assert all(r.retrieval == Retrieval.RETRIEVED for r in attached)
    assert BulkUpload.objects.get().status == BulkStatus.DONE
    assert sorted(stored_files(settings)) == sorted(r.pdf.name for r in attached)


def test_the_bulk_page_counts_the_files_read(
    as_user, review, reports, lead, django_capture_on_commit_callbacks
):
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review, "bulk_upload"), {"files": bulk_files(reports)})
    page = client.get(response.url)
    # Two PDFs and a zip holding two more: four PDFs, not three files.
    assert "4 of 4 PDFs read" in page.content.decode()


def test_the_bulk_page_counts_the_pdfs_inside_a_zip(
    as_user, review, reports, lead, django_capture_on_commit_callbacks
):
    """Walk defect: a zip of 3 PDFs said "1 of 1 files read"."""
    pdfs = {f"paper{n}.pdf": make_pdf(f"Paper {n} of the zip") for n in range(3)}
    upload = SimpleUploadedFile("three.zip", zip_bytes(**pdfs, **{"notes.txt": b"x"}))
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review, "bulk_upload"), {"files": [upload]})
    bulk = BulkUpload.objects.get()
    assert (bulk.done, bulk.total, bulk.items.count()) == (3, 3, 3)
    assert "3 of 3 PDFs read" in client.get(response.url).content.decode()


def test_a_refused_zip_counts_no_pdf(
    as_user, review, reports, lead, django_capture_on_commit_callbacks
):
    evil = SimpleUploadedFile("evil.zip", zip_bytes(**{"../evil.pdf": make_pdf("Evil")}))
    good = SimpleUploadedFile("good.pdf", make_pdf("A good paper"))
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review, "bulk_upload"), {"files": [evil, good]})
    assert (BulkUpload.objects.get().done, BulkUpload.objects.get().total) == (1, 1)
    assert "1 of 1 PDF read" in client.get(response.url).content.decode()


def test_a_queued_upload_is_polled(as_user, review, reports, lead):
    from screening import services

    bulk = services.bulk_upload_start(
        review=review, files=bulk_files(reports)[:1], user=lead, enqueue=False
    )
    fragment = as_user(lead).get(url(review, "bulk", bulk.pk), headers=STATUS)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<html" not in body
    assert BulkUpload.objects.get().status == BulkStatus.QUEUED


def test_a_bulk_upload_without_files_is_refused(as_user, review, reports, lead):
    response = as_user(lead).post(url(review, "bulk_upload"))
    assert response.url == url(review, "reports")
    assert said(response) == ["Choose one or more PDF files or a zip of PDFs."]
    assert not BulkUpload.objects.exists()


def test_a_zip_with_a_traversal_name_is_refused_with_a_message(
    as_user, review, reports, lead, settings, django_capture_on_commit_callbacks
):
    evil = SimpleUploadedFile("evil.zip", zip_bytes(**{"../evil.pdf": make_pdf("Evil")}))
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review, "bulk_upload"), {"files": [evil]})
    page = client.get(response.url)
    assert "evil.zip holds an unsafe file name (../evil.pdf)." in page.content.decode()
    assert not BulkItem.objects.exists()
    assert not Report.objects.exclude(pdf="").exists()
    assert stored_files(settings) == []


def test_two_pdfs_for_one_report_are_refused_at_confirmation(
    as_user, review, reports, lead, django_capture_on_commit_callbacks
):
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(review, "bulk_upload"), {"files": bulk_files(reports)})
    bulk = BulkUpload.objects.get()
    data = {f"item-{item.pk}": reports[0].record.label_number for item in bulk.items.all()}
    response = client.post(url(review, "bulk_confirm", bulk.pk), data)
    assert response.url == url(review, "bulk", bulk.pk)
    assert said(response) == ["Two PDFs were matched to the same report: choose one."]
    assert BulkUpload.objects.get().status == BulkStatus.READY
    assert not Report.objects.exclude(pdf="").exists()
    assert not BulkItem.objects.filter(attached=True).exists()


def test_a_number_with_no_report_or_no_number_is_refused_at_confirmation(
    as_user, review, reports, lead, django_capture_on_commit_callbacks
):
    client = as_user(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(review, "bulk_upload"), {"files": bulk_files(reports)})
    bulk = BulkUpload.objects.get()
    first, *rest = bulk.items.all()
    numbers = set(Report.objects.values_list("record__number", flat=True))
    stray = max(n or 0 for n in numbers) + 100
    for typed, message in (
        (f"#{stray}", f"No record with a full text to retrieve has the number #{stray} in "
         "this review: type the number of a record listed under All full texts."),
        ("twelve", "“twelve” is not a record number: type one like #12."),
    ):  # fmt: skip
        data = {f"item-{first.pk}": typed, **{f"item-{i.pk}": "" for i in rest}}
        response = client.post(url(review, "bulk_confirm", bulk.pk), data)
        assert response.url == url(review, "bulk", bulk.pk)
        assert said(response) == [message]
    assert BulkUpload.objects.get().status == BulkStatus.READY
    assert not Report.objects.exclude(pdf="").exists()


# --- full-text screening ---------------------------------------------------------------------


def test_the_full_text_screen_shows_the_pdf_beside_the_decision(
    as_user, review, retrieved, reviewer
):
    page = as_user(reviewer).get(url(review, "screen", FT))
    assert page.status_code == 200
    record = page.context["record"]
    report = page.context["report"]
    assert report.record_id == record.pk and report.pk in {r.pk for r in retrieved}
    body = page.content.decode()
    assert f'<iframe class="pdf-frame" src="{url(review, "report_pdf", report.pk)}"' in body
    assert "(required to exclude)" in body


def test_excluding_at_full_text_without_a_reason_is_refused_inline(
    as_user, review, retrieved, reviewer
):
    client = as_user(reviewer)
    record = retrieved[0].record
    decide_url = url(review, "decide", FT, record.pk)
    fragment = client.post(decide_url, {"verdict": "exclude", "stream": "on"}, headers=HX)
    assert fragment.status_code == 200
    assert "needs a reason" in fragment.context["error"]
    assert fragment.context["record"] == record
    assert not Decision.objects.filter(stage=FT).exists()
    page = client.post(decide_url, {"verdict": "exclude"})
    assert page.status_code == 302
    assert said(page) == ["Excluding a full text needs a reason (a criterion, or other)."]
    assert not Decision.objects.filter(stage=FT).exists()
    e1 = criterion(review, "E1")
    client.post(decide_url, {"verdict": "exclude", "reason": e1.pk}, headers=HX)
    decision = Decision.objects.get(stage=FT)
    assert (decision.stage, decision.verdict, decision.reason, decision.reviewer) == (
        FT,
        "exclude",
        e1,
        reviewer,
    )


def test_the_full_text_overview_counts_reports_and_exclusions(
    as_user, review, retrieved, lead, reviewer, second_reviewer
):
    e3 = criterion(review, "E3")
    ft(review, retrieved[0].record, reviewer, "exclude", reason=e3)
    ft(review, retrieved[0].record, second_reviewer, "exclude", reason=e3)
    ft(review, retrieved[1].record, reviewer, "include")
    ft(review, retrieved[1].record, second_reviewer, "include")
    page = as_user(lead).get(url(review, "overview", FT))
    assert page.status_code == 200
    assert page.context["retrieval"].retrieved == 2
    assert page.context["exclusions"] == [("E3 Clinical only", 1)]  # code and label (#21)
    assert page.context["studies"] == 1
    reviewer_page = as_user(reviewer).get(url(review, "overview", FT))
    assert "exclusions" not in reviewer_page.context  # blinding: counts by reason are for leads


# --- studies ---------------------------------------------------------------------------------


def test_a_lead_links_and_unlinks_reports_through_the_pages(as_user, review, two_included, lead):
    first, second = two_included
    client = as_user(lead)
    response = client.post(url(review, "report_study", second.pk), {"study": first.study_id})
    assert response.url == url(review, "report", second.pk)
    assert said(response) == [f"The report now belongs to the study {first.study.label}."]
    assert Study.objects.count() == 1
    assert Report.objects.get(pk=second.pk).study_id == first.study_id
    page = client.get(url(review, "studies"))
    [study] = page.context["studies"]
    assert {r.pk for r in study.reports.all()} == {first.pk, second.pk}

    response = client.post(url(review, "report_study_unlink", second.pk))
    assert said(response) == ["The report is a study of its own again."]
    assert Study.objects.count() == 2
    assert Report.objects.get(pk=second.pk).study_id not in (None, first.study_id)


def test_linking_to_a_study_of_another_review_is_refused(
    as_user, review, two_included, lead, other_review
):
    theirs = Study.objects.create(review=other_review, label="Elsewhere 1999")
    report = two_included[0]
    response = as_user(lead).post(url(review, "report_study", report.pk), {"study": theirs.pk})
    assert said(response) == ["Choose a study of this review."]
    assert Report.objects.get(pk=report.pk).study_id == report.study_id


# --- other methods ---------------------------------------------------------------------------


def test_a_lead_sends_a_hand_searched_record_to_full_text(
    as_user, review, hand_searched, lead, reviewer
):
    record_url = reverse("reviews:record_detail", args=[review.slug, hand_searched.pk])
    send = url(review, "report_add", hand_searched.pk)
    assert send not in as_user(reviewer).get(record_url).content.decode()  # for leads
    client = as_user(lead)
    assert send in client.get(record_url).content.decode()
    response = client.post(send)
    report = Report.objects.get(record=hand_searched)
    assert response.url == url(review, "report", report.pk)
    assert said(response) == ["The record is now a report to retrieve."]
    assert (report.other_method, report.retrieval, report.updated_by) == (
        True,
        Retrieval.TO_RETRIEVE,
        lead,
    )
    again = client.post(send)
    assert said(again) == ["This record already has a report."]
    assert Report.objects.count() == 1


def test_a_database_record_cannot_be_sent_to_full_text(as_user, review, four, lead):
    response = as_user(lead).post(url(review, "report_add", four[0].pk))
    assert response.url == reverse("reviews:record_detail", args=[review.slug, four[0].pk])
    assert said(response) == [
        "Only records found by other methods (not databases or registers) skip title and "
        "abstract screening."
    ]
    assert not Report.objects.exists()
