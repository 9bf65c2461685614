"""Full texts, through the services and selectors: reports follow the title/abstract outcome,
retrieval, PDFs (one by one and in bulk), full-text screening, studies, other methods."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lib.fulltext import make_pdf
from reviews import services as review_services
from reviews.models import BatchStatus, ImportBatch, Record, SourceType
from screening import selectors, services
from screening.access import Viewer
from screening.models import (
    BulkItem,
    BulkStatus,
    BulkUpload,
    Decision,
    NotRetrievedReason,
    Report,
    Resolution,
    Retrieval,
    Stage,
    Study,
)
from tests.factories import imported
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import criterion, decide, reopen, revote

pytestmark = pytest.mark.django_db

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT

# Distinct papers (titles far apart, so matching by title is certain), each with a DOI.
PAPERS = [
    {
        "title": "Health Action Zones and smoking cessation in Leeds",
        "authors": ["Smith, Katherine E."],
        "year": "2004",
        "journal": "Journal of Public Health",
        "doi": "10.5555/sift.0",
    },
    {
        "title": "Local Strategic Partnerships and teenage pregnancy rates",
        "authors": ["Jones, Alan"],
        "year": "2006",
        "journal": "Health Policy",
        "doi": "10.5555/sift.1",
    },
    {
        "title": "Neighbourhood renewal partnerships and childhood obesity in Bradford",
        "authors": ["Brown, Tessa"],
        "year": "2008",
        "journal": "Social Science and Medicine",
        "doi": "10.5555/sift.2",
    },
    {
        "title": "Primary care trusts, councils and physical activity programmes",
        "authors": ["Green, Owen"],
        "year": "2010",
        "journal": "BMC Public Health",
        "doi": "10.5555/sift.3",
    },
]


def papers_with_dois(review, source, user, count: int = len(PAPERS)) -> list[Record]:
    batch = imported(review, source, user, ris(*PAPERS[:count]))
    records = list(batch.records.order_by("ordinal"))
    assert all(r.dedup_checked and r.duplicate_of_id is None for r in records)
    return records


def include(review, record, *users) -> None:
    for user in users:
        decide(review, record, user, "include")


def pdf_file(record: Record, name: str = "full-text.pdf", **kw) -> SimpleUploadedFile:
    content = make_pdf(record.title, ["Methods. We interviewed managers."], **kw)
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def attach(review, report: Report, user, name: str = "full-text.pdf") -> Report:
    return services.report_attach_pdf(
        review=review, report=report, upload=pdf_file(report.record), filename=name, user=user
    )


def ft(review, record, user, verdict, **kw) -> Decision:
    return services.decision_record(
        review=review, record=record, reviewer=user, stage=FT, verdict=verdict, **kw
    )


def resolve(review, paper, stage, verdict, user, **kw) -> Resolution:
    votes = selectors.paper_votes(paper, stage)
    return services.conflict_resolve(
        review=review, paper=paper, stage=stage, verdict=verdict, user=user,
        seen=selectors.votes_token(votes), **kw,
    )  # fmt: skip


def stored_files(settings) -> list[str]:
    """Every full text and bulk upload in storage (not the imported RIS files)."""
    root = settings.MEDIA_ROOT / "reviews"
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def four(review, source, lead) -> list[Record]:
    return papers_with_dois(review, source, lead)


@pytest.fixture
def reports(review, four, reviewer, second_reviewer) -> list[Report]:
    """All four papers included at title/abstract by both reviewers: four reports."""
    for record in four:
        include(review, record, reviewer, second_reviewer)
    return list(Report.objects.filter(review=review).select_related("record"))


@pytest.fixture
def retrieved(review, reports, lead) -> list[Report]:
    """The first two reports with their PDFs attached."""
    return [attach(review, report, lead) for report in reports[:2]]


# --- reports follow the title/abstract outcome -------------------------------------------


def test_both_reviewers_including_makes_a_report_to_retrieve(
    review, four, reviewer, second_reviewer
):
    decide(review, four[0], reviewer, "include")
    assert not Report.objects.exists()  # one include is not an outcome yet
    decide(review, four[0], second_reviewer, "include")
    decide(review, four[1], reviewer, "exclude")
    decide(review, four[1], second_reviewer, "exclude")
    decide(review, four[2], reviewer, "include")
    decide(review, four[2], second_reviewer, "exclude")  # a conflict
    report = Report.objects.get()
    assert report.record_id == four[0].pk
    assert report.review_id == review.pk
    assert report.retrieval == Retrieval.TO_RETRIEVE
    assert not report.pdf and report.study_id is None and not report.other_method
    assert selectors.retrieval_counts(
        review, Viewer.everything(review)
    ) == selectors.RetrievalCounts(1, 1, 0, 0, 0)


def test_a_conflict_resolved_to_include_makes_a_report(
    review, four, lead, reviewer, second_reviewer
):
    decide(review, four[0], reviewer, "include")
    decide(review, four[0], second_reviewer, "exclude")
    decide(review, four[1], reviewer, "include")
    decide(review, four[1], second_reviewer, "exclude")
    resolve(review, four[0], TA, "include", lead)
    resolve(review, four[1], TA, "exclude", lead)
    assert list(Report.objects.values_list("record_id", flat=True)) == [four[0].pk]


def test_maybe_counting_as_include_makes_a_report(review, four, reviewer, second_reviewer):
    decide(review, four[0], reviewer, "maybe")
    decide(review, four[0], second_reviewer, "include")
    assert Report.objects.filter(record=four[0]).exists()


def test_a_vote_change_that_un_includes_removes_an_untouched_report(
    review, reports, reviewer, second_reviewer
):
    first = reports[0].record
    revote(review, first, reviewer, "exclude")  # now a conflict
    assert not Report.objects.filter(record=first).exists()
    assert Report.objects.count() == 3
    revote(review, first, reviewer, "include")  # included again: a fresh report
    assert Report.objects.get(record=first).retrieval == Retrieval.TO_RETRIEVE
    assert Report.objects.count() == 4


def test_withdrawing_an_include_vote_removes_an_untouched_report(
    review, reports, reviewer, second_reviewer
):
    last = reports[3].record  # second_reviewer's most recent vote
    with pytest.raises(ValidationError, match="votes are fixed"):
        services.decision_withdraw_last(review=review, reviewer=second_reviewer, stage=TA)
    reopen(review, last, second_reviewer)
    assert not Decision.objects.filter(paper=last, reviewer=second_reviewer).exists()
    assert not Report.objects.filter(record=last).exists()
    assert Report.objects.count() == 3


def test_un_including_keeps_a_report_someone_worked_on(
    review, reports, lead, reviewer, second_reviewer, settings
):
    with_pdf = attach(review, reports[0], lead)
    not_retrieved = services.report_set_retrieval(
        review=review, report=reports[1], retrieval=Retrieval.NOT_RETRIEVED, user=lead,
        reason=NotRetrievedReason.NOT_FOUND,
    )  # fmt: skip
    with_link = services.report_set_retrieval(
        review=review, report=reports[2], retrieval=Retrieval.TO_RETRIEVE, user=lead,
        link="https://example.org/full-text",
    )  # fmt: skip
    for report in reports:
        revote(review, report.record, reviewer, "exclude")
    remaining = Report.objects.order_by("record_id")
    assert list(remaining) == [with_pdf, not_retrieved, with_link]
    kept = remaining.get(pk=with_pdf.pk)
    assert kept.retrieval == Retrieval.RETRIEVED and kept.pdf_sha256 == with_pdf.pdf_sha256
    assert default_storage.exists(kept.pdf.name)
    assert len(stored_files(settings)) == 1


# --- retrieval -----------------------------------------------------------------------------


def _set(review, report, user, retrieval, **kw):
    return services.report_set_retrieval(
        review=review, report=report, retrieval=retrieval, user=user, **kw
    )


def _unchanged(report: Report) -> None:
    fresh = Report.objects.get(pk=report.pk)
    assert (fresh.retrieval, fresh.not_retrieved_reason, fresh.not_retrieved_note, fresh.link) == (
        report.retrieval,
        report.not_retrieved_reason,
        report.not_retrieved_note,
        report.link,
    )
    assert fresh.updated_by_id == report.updated_by_id


@pytest.mark.parametrize(
    ("retrieval", "kw", "message"),
    [
        (Retrieval.NOT_RETRIEVED, {}, "Say why"),
        (Retrieval.NOT_RETRIEVED, {"reason": "lost"}, "Say why"),
        (Retrieval.NOT_RETRIEVED, {"reason": NotRetrievedReason.OTHER}, "Describe the other"),
        (Retrieval.RETRIEVED, {}, "Attach the PDF or give a link"),
        ("found", {}, "Choose a retrieval status"),
    ],
)
def test_a_retrieval_status_needs_what_it_needs(review, reports, lead, retrieval, kw, message):
    report = reports[0]
    with pytest.raises(ValidationError, match=message):
        _set(review, report, lead, retrieval, **kw)
    _unchanged(report)


def test_retrieval_statuses_are_saved_with_their_reasons(review, reports, reviewer):
    report = _set(
        review, reports[0], reviewer, Retrieval.NOT_RETRIEVED,
        reason=NotRetrievedReason.OTHER, note="Library strike",
    )  # fmt: skip
    report.refresh_from_db()
    assert report.retrieval == Retrieval.NOT_RETRIEVED
    assert (report.not_retrieved_reason, report.not_retrieved_note) == ("other", "Library strike")
    assert report.updated_by == reviewer
    _set(review, report, reviewer, Retrieval.RETRIEVED, link="https://example.org/a.pdf")
    report.refresh_from_db()
    assert report.retrieval == Retrieval.RETRIEVED
    assert report.link == "https://example.org/a.pdf"
    assert (report.not_retrieved_reason, report.not_retrieved_note) == ("", "")
    counts = selectors.retrieval_counts(review, Viewer.everything(review))
    assert (counts.sought, counts.to_retrieve, counts.retrieved, counts.not_retrieved) == (
        4,
        3,
        1,
        0,
    )


def test_retrieval_cannot_go_back_once_full_text_screening_started(
    review, retrieved, lead, reviewer
):
    report = retrieved[0]
    ft(review, report.record, reviewer, "include")
    for retrieval, kw in (
        (Retrieval.TO_RETRIEVE, {}),
        (Retrieval.NOT_RETRIEVED, {"reason": NotRetrievedReason.NOT_FOUND}),
    ):
        with pytest.raises(ValidationError, match="Full-text screening has started"):
            _set(review, report, lead, retrieval, **kw)
        _unchanged(report)


def test_a_report_of_another_review_is_refused(review, reports, other_review, outsider):
    with pytest.raises(ValidationError, match="not in this review"):
        _set(other_review, reports[0], outsider, Retrieval.NOT_RETRIEVED, reason="not_found")
    _unchanged(reports[0])
    with pytest.raises(ValidationError, match="not in this review"):
        services.report_attach_pdf(
            review=other_review, report=reports[0], upload=pdf_file(reports[0].record),
            filename="a.pdf", user=outsider,
        )  # fmt: skip
    assert not Report.objects.get(pk=reports[0].pk).pdf


# --- one PDF -------------------------------------------------------------------------------


def test_a_real_pdf_is_stored_and_marks_the_report_retrieved(review, reports, reviewer, settings):
    report = reports[0]
    _set(review, report, reviewer, Retrieval.NOT_RETRIEVED, reason=NotRetrievedReason.NOT_FOUND)
    content = make_pdf(report.record.title, ["Methods. We interviewed managers."])
    services.report_attach_pdf(
        review=review, report=report,
        upload=SimpleUploadedFile("Smith 2004.pdf", content), filename="Smith 2004.pdf",
        user=reviewer,
    )  # fmt: skip
    report.refresh_from_db()
    assert report.retrieval == Retrieval.RETRIEVED
    assert (report.not_retrieved_reason, report.not_retrieved_note) == ("", "")
    assert report.pdf_name == "Smith 2004.pdf"
    assert report.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert (report.pdf_pages, report.pdf_size) == (1, len(content))
    assert report.updated_by == reviewer
    assert report.pdf.name.startswith(f"reviews/{review.pk}/reports/{report.record_id}/")
    with default_storage.open(report.pdf.name, "rb") as stored:
        assert stored.read() == content
    assert stored_files(settings) == [report.pdf.name]


def test_replacing_a_pdf_deletes_the_old_file_after_commit(
    review, reports, lead, settings, django_capture_on_commit_callbacks
):
    first = attach(review, reports[0], lead)
    other = make_pdf("A corrected version", ["Erratum."])
    with django_capture_on_commit_callbacks(execute=True):
        services.report_attach_pdf(
            review=review, report=reports[0], upload=SimpleUploadedFile("v2.pdf", other),
            filename="v2.pdf", user=lead,
        )  # fmt: skip
    report = Report.objects.get(pk=reports[0].pk)
    assert report.pdf_sha256 == hashlib.sha256(other).hexdigest()
    assert report.pdf.name != first.pdf.name
    assert stored_files(settings) == [report.pdf.name]


def zip_bytes(**entries: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def deflated_zip(**entries: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


FAKES = [
    ("paper.pdf", lambda: deflated_zip(a=make_pdf("A")), "it starts like a ZIP archive"),
    ("page.pdf", lambda: b"<!DOCTYPE html><html><body>Log in</body></html>", "like a web page"),
    ("empty.pdf", lambda: b"", "empty.pdf is empty"),
    ("cut.pdf", lambda: make_pdf("Cut short")[:40], "cut.pdf is damaged"),
]


@pytest.mark.parametrize(("name", "content", "message"), FAKES)
def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_changes(
    review, reports, lead, settings, name, content, message
):
    report = reports[0]
    with pytest.raises(ValidationError, match=message) as refused:
        services.report_attach_pdf(
            review=review, report=report, upload=SimpleUploadedFile(name, content()),
            filename=name, user=lead,
        )  # fmt: skip
    assert name in refused.value.messages[0]
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.retrieval == Retrieval.TO_RETRIEVE
    assert (fresh.pdf.name, fresh.pdf_sha256, fresh.pdf_pages, fresh.updated_by) == (
        "",
        "",
        None,
        None,
    )
    assert stored_files(settings) == []


def test_a_zip_with_a_stored_pdf_renamed_pdf_is_refused(review, reports, lead, settings):
    content = zip_bytes(**{"a.pdf": make_pdf(reports[0].record.title)})
    with pytest.raises(ValidationError, match="it starts like a ZIP archive"):
        services.report_attach_pdf(
            review=review, report=reports[0], upload=SimpleUploadedFile("paper.pdf", content),
            filename="paper.pdf", user=lead,
        )  # fmt: skip
    assert not Report.objects.get(pk=reports[0].pk).pdf
    assert stored_files(settings) == []


def test_a_pdf_over_the_size_limit_is_refused(review, reports, lead, settings, monkeypatch):
    monkeypatch.setattr("screening.services.fulltexts.max_pdf_bytes", lambda: 1024)
    big = make_pdf(reports[0].record.title, ["A long line of methods text."] * 60)
    assert len(big) > 1024
    with pytest.raises(ValidationError, match="larger than 1 KB"):
        services.report_attach_pdf(
            review=review, report=reports[0], upload=SimpleUploadedFile("big.pdf", big),
            filename="big.pdf", user=lead,
        )  # fmt: skip
    assert not Report.objects.get(pk=reports[0].pk).pdf
    assert stored_files(settings) == []


def test_the_size_limit_comes_from_the_setting(review, reports, lead, settings):
    settings.SIFT_MAX_PDF_MB = 0
    assert services.max_pdf_bytes() == 0
    with pytest.raises(ValidationError, match="larger than"):
        attach(review, reports[0], lead)
    assert not Report.objects.get(pk=reports[0].pk).pdf


# --- bulk upload -----------------------------------------------------------------------------


def bulk_files(reports: list[Report]) -> list[SimpleUploadedFile]:
    """Four PDFs in three uploads: the first report's DOI printed in its text; the second's
    only in the file name; a zip holding the third (by its title) and a PDF of nothing in
    the review."""
    by_text = make_pdf(reports[0].record.title, ["Results."], doi=reports[0].record.doi)
    by_name = make_pdf("Scanned document", ["Page one."])
    by_title = make_pdf(reports[2].record.title, ["Discussion."])
    stranger = make_pdf("Volcanic ash clouds and aviation safety", ["Nothing to do with it."])
    archive = zip_bytes(**{
        "pdfs/third.pdf": by_title, "pdfs/volcano.pdf": stranger, "readme.txt": b"hello",
    })  # fmt: skip
    return [
        SimpleUploadedFile("download.pdf", by_text),
        SimpleUploadedFile("10.5555_sift.1.pdf", by_name),
        SimpleUploadedFile("more.zip", archive),
    ]


def start_and_run(review, files, user) -> BulkUpload:
    bulk = services.bulk_upload_start(review=review, files=files, user=user, enqueue=False)
    assert bulk.status == BulkStatus.QUEUED
    services.bulk_upload_run(bulk_id=bulk.pk)
    bulk.refresh_from_db()
    return bulk


def test_a_bulk_upload_matches_by_doi_file_name_and_title_and_attaches_nothing(
    review, reports, lead, settings
):
    bulk = start_and_run(review, bulk_files(reports), lead)
    assert (bulk.status, bulk.done, bulk.total, bulk.errors) == (
        BulkStatus.READY,
        4,
        4,
        [],
    )  # 4 PDFs, one pair in a zip
    assert bulk.uploaded_by == lead
    items = {i.name: i for i in bulk.items.all()}
    assert set(items) == {
        "download.pdf",
        "10.5555_sift.1.pdf",
        "pdfs/third.pdf",
        "pdfs/volcano.pdf",
    }
    found = {name: (i.report_id, i.method, i.certain) for name, i in items.items()}
    assert found == {
        "download.pdf": (reports[0].pk, "doi", True),
        "10.5555_sift.1.pdf": (reports[1].pk, "doi", True),
        "pdfs/third.pdf": (reports[2].pk, "title", True),
        "pdfs/volcano.pdf": (None, "", False),
    }
    assert all(i.pages == 1 and len(i.sha256) == 64 and not i.attached for i in items.values())
    # Nothing attached before a lead confirms; the uploads themselves are gone.
    assert not Report.objects.exclude(pdf="").exists()
    assert set(Report.objects.values_list("retrieval", flat=True)) == {Retrieval.TO_RETRIEVE}
    assert sorted(stored_files(settings)) == sorted(i.path for i in items.values())
    assert services.bulk_upload_run(bulk_id=bulk.pk) is None  # a second run does nothing
    assert BulkItem.objects.count() == 4


def test_a_zip_with_a_traversal_name_is_refused(review, reports, lead, settings, tmp_path):
    evil = zip_bytes(**{"../evil.pdf": make_pdf(reports[0].record.title)})
    bulk = start_and_run(review, [SimpleUploadedFile("evil.zip", evil)], lead)
    assert bulk.status == BulkStatus.READY
    assert bulk.errors == ["evil.zip holds an unsafe file name (../evil.pdf)."]
    assert not bulk.items.exists()
    assert not any(p.name == "evil.pdf" for p in tmp_path.rglob("*"))
    assert stored_files(settings) == []
    assert services.bulk_upload_confirm(review=review, bulk=bulk, choices={}, user=lead) == 0
    assert not Report.objects.exclude(pdf="").exists()


def test_files_that_are_not_pdfs_are_left_out_with_the_reason(review, reports, lead):
    files = [
        SimpleUploadedFile("notes.pdf", b"<html>a login page</html>"),
        SimpleUploadedFile("good.pdf", make_pdf(reports[3].record.title)),
    ]
    bulk = start_and_run(review, files, lead)
    assert bulk.errors == ["notes.pdf is not a PDF (it starts like a web page)."]
    assert list(bulk.items.values_list("name", "report_id")) == [("good.pdf", reports[3].pk)]


def test_confirming_attaches_only_the_chosen_pdfs(
    review, reports, lead, settings, django_capture_on_commit_callbacks
):
    bulk = start_and_run(review, bulk_files(reports), lead)
    items = {i.name: i for i in bulk.items.all()}
    choices = {
        items["download.pdf"].pk: reports[0].pk,
        items["10.5555_sift.1.pdf"].pk: reports[1].pk,
        items["pdfs/third.pdf"].pk: None,  # left out
        items["pdfs/volcano.pdf"].pk: reports[3].pk,  # the lead knows better than the matcher
    }
    with django_capture_on_commit_callbacks(execute=True):
        attached = services.bulk_upload_confirm(
            review=review, bulk=bulk, choices=choices, user=lead
        )
    assert attached == 3
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.DONE
    fresh = {r.pk: r for r in Report.objects.all()}
    for name, report in (
        ("download.pdf", reports[0]),
        ("10.5555_sift.1.pdf", reports[1]),
        ("pdfs/volcano.pdf", reports[3]),
    ):
        got = fresh[report.pk]
        assert got.retrieval == Retrieval.RETRIEVED, name
        assert (got.pdf_name, got.pdf_sha256) == (name, items[name].sha256)
        assert got.updated_by == lead
    assert fresh[reports[2].pk].retrieval == Retrieval.TO_RETRIEVE
    assert not fresh[reports[2].pk].pdf
    assert set(BulkItem.objects.filter(attached=True).values_list("name", flat=True)) == {
        "download.pdf",
        "10.5555_sift.1.pdf",
        "pdfs/volcano.pdf",
    }
    # The waiting copies are gone; the reports' PDFs stay.
    assert sorted(stored_files(settings)) == sorted(
        fresh[r.pk].pdf.name for r in (reports[0], reports[1], reports[3])
    )
    with pytest.raises(ValidationError, match="not waiting for a confirmation"):
        services.bulk_upload_confirm(review=review, bulk=bulk, choices=choices, user=lead)


def test_two_pdfs_for_one_report_are_refused(review, reports, lead):
    bulk = start_and_run(review, bulk_files(reports), lead)
    items = list(bulk.items.all())
    choices = {items[0].pk: reports[0].pk, items[1].pk: reports[0].pk}
    with pytest.raises(ValidationError, match="same report"):
        services.bulk_upload_confirm(review=review, bulk=bulk, choices=choices, user=lead)
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.READY
    assert not Report.objects.exclude(pdf="").exists()
    assert not BulkItem.objects.filter(attached=True).exists()


def test_a_report_or_upload_of_another_review_is_refused(
    review, reports, lead, other_review, outsider
):
    source = review_services.source_create(
        review=other_review, name="Embase", source_type=SourceType.DATABASE
    )
    batch = import_text(other_review, source, outsider, ris(PAPERS[0]))
    theirs = Report.objects.create(review=other_review, record=batch.records.get())
    bulk = start_and_run(review, bulk_files(reports), lead)
    item = bulk.items.get(name="download.pdf")
    with pytest.raises(ValidationError, match="A chosen report is not in this review"):
        services.bulk_upload_confirm(
            review=review, bulk=bulk, choices={item.pk: theirs.pk}, user=lead
        )
    with pytest.raises(ValidationError, match="That upload is not in this review"):
        services.bulk_upload_confirm(
            review=other_review, bulk=bulk, choices={item.pk: theirs.pk}, user=outsider
        )
    assert not Report.objects.exclude(pdf="").exists()
    assert BulkUpload.objects.get(pk=bulk.pk).status == BulkStatus.READY


def test_a_bulk_upload_needs_files(review, lead):
    with pytest.raises(ValidationError, match="Choose one or more"):
        services.bulk_upload_start(review=review, files=[], user=lead, enqueue=False)
    assert not BulkUpload.objects.exists()


# --- full-text screening ---------------------------------------------------------------------


def test_the_full_text_stage_offers_only_retrieved_reports(review, retrieved, reviewer):
    settings = selectors.stage_settings(review, FT)
    offered = set()
    for _ in range(3):
        record = selectors.next_record(review, reviewer, FT, settings)
        if record is None:
            break
        offered.add(record.pk)
        ft(review, record, reviewer, "include", advance=True)
    assert offered == {r.record_id for r in retrieved}
    assert set(selectors.papers(review, FT).values_list("pk", flat=True)) == offered


def test_a_full_text_decision_on_a_report_not_retrieved_is_refused(review, reports, reviewer):
    with pytest.raises(ValidationError, match="not retrieved yet"):
        ft(review, reports[0].record, reviewer, "include")
    assert not Decision.objects.filter(stage=FT).exists()


def test_excluding_a_full_text_needs_a_reason(review, retrieved, reviewer):
    record = retrieved[0].record
    with pytest.raises(ValidationError, match="needs a reason"):
        ft(review, record, reviewer, "exclude")
    assert not Decision.objects.filter(stage=FT).exists()
    ft(review, record, reviewer, "exclude", reason_other="Wrong design")
    assert Decision.objects.get(stage=FT).reason_other == "Wrong design"


def test_reasons_must_agree_is_on_at_full_text_and_off_at_title_abstract(review):
    assert selectors.stage_settings(review, FT).reasons_must_agree is True
    assert selectors.stage_settings(review, TA).reasons_must_agree is False


def test_two_exclusions_for_different_reasons_are_a_conflict_at_full_text(
    review, retrieved, reviewer, second_reviewer
):
    e1, e3 = criterion(review, "E1"), criterion(review, "E3")
    differ, agree = (r.record for r in retrieved)
    ft(review, differ, reviewer, "exclude", reason=e1)
    ft(review, differ, second_reviewer, "exclude", reason=e3)
    ft(review, agree, reviewer, "exclude", reason=e1)
    ft(review, agree, second_reviewer, "exclude", reason=e1)
    settings = selectors.stage_settings(review, FT)
    assert [r.pk for r in selectors.conflict_list(review, FT, settings)] == [differ.pk]
    summary = selectors.stage_summary(review, FT, settings)
    assert (summary.papers, summary.excluded, summary.conflicts, summary.awaiting) == (2, 1, 1, 0)


def test_at_title_abstract_different_reasons_still_exclude(review, four, reviewer, second_reviewer):
    decide(review, four[0], reviewer, "exclude", reason=criterion(review, "E1"))
    decide(review, four[0], second_reviewer, "exclude", reason=criterion(review, "E3"))
    settings = selectors.stage_settings(review, TA)
    assert selectors.conflict_list(review, TA, settings) == []
    assert selectors.stage_summary(review, TA, settings).excluded == 1


def test_resolving_a_full_text_exclusion_needs_a_reason(
    review, retrieved, lead, reviewer, second_reviewer
):
    record = retrieved[0].record
    ft(review, record, reviewer, "include")
    ft(review, record, second_reviewer, "exclude", reason=criterion(review, "E1"))
    with pytest.raises(ValidationError, match="needs a reason"):
        resolve(review, record, FT, "exclude", lead)
    assert not Resolution.objects.exists()
    resolve(review, record, FT, "exclude", lead, reason=criterion(review, "E3"))
    assert Resolution.objects.get().reason.code == "E3"
    assert Report.objects.get(record=record).study_id is None


def test_an_included_report_gets_a_study_of_its_own(review, retrieved, reviewer, second_reviewer):
    record = retrieved[0].record
    ft(review, record, reviewer, "include")
    assert not Study.objects.exists()
    ft(review, record, second_reviewer, "include")
    study = Study.objects.get()
    assert study.review == review
    assert study.label == "Smith 2004"
    assert Report.objects.get(record=record).study == study
    # A vote change that un-includes it: the study goes with it.
    revote(review, record, second_reviewer, "exclude", stage=FT, reason=criterion(review, "E1"))
    assert not Study.objects.exists()
    assert Report.objects.get(record=record).study_id is None


def test_withdrawing_a_full_text_include_removes_the_study(
    review, retrieved, reviewer, second_reviewer
):
    record = retrieved[0].record
    ft(review, record, reviewer, "include")
    ft(review, record, second_reviewer, "include")
    assert Study.objects.count() == 1
    reopen(review, record, second_reviewer, FT)
    assert Report.objects.get(record=record).study_id is None
    assert not Study.objects.exists()


def test_a_conflict_resolved_to_include_at_full_text_makes_a_study(
    client, review, retrieved, lead, reviewer, second_reviewer
):
    record = retrieved[1].record
    ft(review, record, reviewer, "include")
    ft(review, record, second_reviewer, "exclude", reason=criterion(review, "E1"))
    client.force_login(lead)
    page = client.get(reverse("screening:conflict", args=[review.slug, FT, record.pk]))
    assert "Include: the report joins the included studies" in page.content.decode()
    assert "goes on to full text" not in page.content.decode()  # that is title/abstract's
    resolve(review, record, FT, "include", lead)
    assert Report.objects.get(record=record).study.label == "Jones 2006"


def test_fulltext_exclusions_count_by_reason(
    review, reports, lead, reviewer, second_reviewer, django_user_model
):
    for report in reports:
        attach(review, report, lead)
    e1, e3 = criterion(review, "E1"), criterion(review, "E3")
    a, b, c, d = (r.record for r in reports)
    ft(review, a, reviewer, "exclude", reason=e1)
    ft(review, a, second_reviewer, "exclude", reason=e1)
    ft(review, b, reviewer, "exclude", reason=e1)
    ft(review, b, second_reviewer, "exclude", reason=e3)  # a conflict, resolved with E3
    resolve(review, b, FT, "exclude", lead, reason=e3)
    ft(review, c, reviewer, "exclude", reason_other="Wrong design")
    ft(review, c, second_reviewer, "exclude", reason_other="wrong  design")
    ft(review, d, reviewer, "include")
    ft(review, d, second_reviewer, "include")
    settings = selectors.stage_settings(review, FT)
    assert selectors.fulltext_exclusions(review, settings) == [
        ("E1 Outside England", 1),
        ("E3 Clinical only", 1),
        ("Other: Wrong design", 1),  # the earliest vote's words, as PRISMA's box prints them
    ]
    assert Study.objects.count() == 1


# --- studies ---------------------------------------------------------------------------------


@pytest.fixture
def two_included(review, retrieved, reviewer, second_reviewer) -> list[Report]:
    for report in retrieved:
        ft(review, report.record, reviewer, "include")
        ft(review, report.record, second_reviewer, "include")
    return list(Report.objects.filter(pk__in=[r.pk for r in retrieved]).order_by("pk"))


def test_a_lead_links_two_reports_to_one_study_and_unlinks(review, two_included, lead):
    first, second = two_included
    assert first.study_id != second.study_id
    emptied = second.study_id
    services.study_link(review=review, report=second, study=first.study, user=lead)
    assert not Study.objects.filter(pk=emptied).exists()
    assert Study.objects.count() == 1
    assert set(first.study.reports.values_list("pk", flat=True)) == {first.pk, second.pk}
    [study] = selectors.study_list(review)
    assert {r.pk for r in study.reports.all()} == {first.pk, second.pk}

    second.refresh_from_db()
    alone = services.study_unlink(review=review, report=second, user=lead)
    assert Study.objects.count() == 2
    assert Report.objects.get(pk=second.pk).study == alone
    assert alone.label == "Jones 2006" and alone.pk != first.study_id
    assert Report.objects.get(pk=first.pk).study_id == first.study_id
    # Unlinking a report that is alone changes nothing.
    assert services.study_unlink(review=review, report=second, user=lead) == alone
    assert Study.objects.count() == 2


def test_only_included_reports_join_studies(review, two_included, reports, lead, other_review):
    not_included = reports[3]
    with pytest.raises(ValidationError, match="Only included reports"):
        services.study_link(
            review=review, report=not_included, study=two_included[0].study, user=lead
        )
    with pytest.raises(ValidationError, match="Only included reports"):
        services.study_unlink(review=review, report=not_included, user=lead)
    theirs = Study.objects.create(review=other_review, label="Elsewhere 1999")
    with pytest.raises(ValidationError, match="not in this review"):
        services.study_link(review=review, report=two_included[0], study=theirs, user=lead)
    assert Report.objects.get(pk=not_included.pk).study_id is None
    assert Study.objects.filter(review=review).count() == 2


# --- other methods and undo ------------------------------------------------------------------


@pytest.fixture
def hand_searched(review, lead) -> Record:
    source = review_services.source_create(
        review=review, name="Experts we wrote to", source_type=SourceType.CONTACT
    )
    batch = import_text(review, source, lead, ris(PAPERS[3]), name="contact.ris")
    run(review)
    return batch.records.get()


def test_a_lead_sends_a_record_found_by_other_methods_to_the_report_stage(
    review, hand_searched, lead
):
    report = services.report_add_other_method(review=review, record=hand_searched, user=lead)
    assert (report.record, report.other_method, report.retrieval) == (
        hand_searched,
        True,
        Retrieval.TO_RETRIEVE,
    )
    assert report.updated_by == lead
    assert selectors.retrieval_counts(review, Viewer.everything(review)).other_methods == 1
    with pytest.raises(ValidationError, match="already has a report"):
        services.report_add_other_method(review=review, record=hand_searched, user=lead)
    assert Report.objects.count() == 1


def test_a_database_record_cannot_skip_title_and_abstract(review, four, lead):
    with pytest.raises(ValidationError, match="Only records found by other methods"):
        services.report_add_other_method(review=review, record=four[0], user=lead)
    assert not Report.objects.exists()


def test_a_record_of_another_review_cannot_be_sent(review, other_review, hand_searched, outsider):
    with pytest.raises(ValidationError, match="not in this review"):
        services.report_add_other_method(review=other_review, record=hand_searched, user=outsider)
    assert not Report.objects.exists()


def test_undoing_an_import_whose_record_has_a_report_is_refused(review, hand_searched, lead):
    # Made directly, as report_add_other_method would: a report with no screening decision,
    # so only the report stands in the undo's way.
    Report.objects.create(review=review, record=hand_searched, other_method=True)
    batch = hand_searched.batch
    with pytest.raises(ValidationError, match="can no longer be undone"):
        review_services.import_batch_undo(batch=batch, user=lead)
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE
    assert Record.objects.filter(pk=hand_searched.pk).exists()
    assert Report.objects.filter(record=hand_searched).exists()


def test_an_import_without_reports_or_decisions_can_be_undone(review, hand_searched, lead):
    batch = hand_searched.batch
    assert review_services.import_batch_undo(batch=batch, user=lead) == 1
    assert not Record.objects.filter(pk=hand_searched.pk).exists()


def test_a_report_kept_after_its_paper_was_excluded_is_not_screened_at_full_text(
    review, retrieved, lead, reviewer, second_reviewer
):
    record = retrieved[0].record
    revote(review, record, reviewer, "exclude")
    resolve(review, record, TA, "exclude", lead)
    assert Report.objects.filter(record=record).exists()  # kept: it has a PDF
    assert set(selectors.papers(review, FT).values_list("pk", flat=True)) == {
        retrieved[1].record_id
    }
    with pytest.raises(ValidationError):
        ft(review, record, second_reviewer, "include")
    assert not Decision.objects.filter(stage=FT).exists()


def test_full_texts_need_no_local_folder(settings, review, reports, lead):
    """With remote storage (S3-compatible, as SIFT_S3_BUCKET configures) nothing relies on
    a local path: attaching one PDF and a bulk upload both work through the storage API."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    report = attach(review, reports[0], lead)
    assert report.retrieval == "retrieved"
    with report.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    bulk = services.bulk_upload_start(
        review=review, files=[pdf_file(reports[1].record)], user=lead, enqueue=False
    )
    bulk = services.bulk_upload_run(bulk_id=bulk.pk)
    assert bulk.status == "ready" and bulk.items.get().report_id == reports[1].pk
    from pathlib import Path

    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))  # nothing on the local disk


def test_a_pdf_stays_once_full_text_votes_were_cast_on_it(review, retrieved, lead, reviewer):
    record = retrieved[0].record
    ft(review, record, reviewer, "include")
    with pytest.raises(ValidationError, match="its PDF stays"):
        attach(review, retrieved[0], lead, name="other.pdf")
    bulk = start_and_run(review, [pdf_file(record, name="again.pdf")], lead)
    item = bulk.items.get()
    with pytest.raises(ValidationError, match="cannot be replaced"):
        services.bulk_upload_confirm(
            review=review, bulk=bulk, choices={item.pk: retrieved[0].pk}, user=lead
        )
    retrieved[0].refresh_from_db()
    assert retrieved[0].pdf_name == "full-text.pdf"


def test_confirming_moves_no_bytes(review, reports, lead):
    bulk = start_and_run(review, bulk_files(reports), lead)
    item = bulk.items.get(name="download.pdf")
    services.bulk_upload_confirm(
        review=review, bulk=bulk, choices={item.pk: reports[0].pk}, user=lead
    )
    reports[0].refresh_from_db()
    assert reports[0].pdf.name == item.path  # the stored file became the report's PDF


def test_a_bulk_job_whose_worker_died_is_taken_over_and_redone(review, reports, lead):
    from django.utils import timezone

    bulk = services.bulk_upload_start(
        review=review, files=bulk_files(reports), user=lead, enqueue=False
    )
    stale = timezone.now() - timezone.timedelta(minutes=10)
    BulkUpload.objects.filter(pk=bulk.pk).update(status=BulkStatus.RUNNING, heartbeat_at=stale)
    assert services.bulk_uploads_requeue() == [bulk.pk]
    bulk = services.bulk_upload_run(bulk_id=bulk.pk)
    assert bulk.status == BulkStatus.READY and bulk.items.count() == 4


def test_counts_leave_out_reports_of_papers_excluded_later(
    review, retrieved, lead, reviewer, second_reviewer
):
    before = selectors.retrieval_counts(review, Viewer.everything(review))
    record = retrieved[0].record
    revote(review, record, reviewer, "exclude")
    resolve(review, record, TA, "exclude", lead)
    after = selectors.retrieval_counts(review, Viewer.everything(review))
    assert (after.sought, after.retrieved) == (before.sought - 1, before.retrieved - 1)


def test_a_study_keeps_the_citation_it_is_named_after_when_an_earlier_report_joins(
    review, imported_batch
):
    """The browser walk's finding: linking an earlier report (Smith 2004) into the study named
    "Jones 2006" made the characteristics export cite Smith for Jones."""
    from screening.models import Report, Study
    from screening.selectors import primary_report

    smith, jones = imported_batch.records.order_by("ordinal")
    study = Study.objects.create(review=review, label="Jones 2006")
    Report.objects.create(review=review, record=smith, study=study)  # the lower id
    named = Report.objects.create(review=review, record=jones, study=study)
    assert primary_report(study) == named
    # A label no report gives (typed by hand): the first report stands for the study.
    study.label = "Protocol group"
    assert primary_report(study).record == smith
