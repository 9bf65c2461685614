"""Attack: bulk PDF uploads whose zips hold nested zips, no PDF at all, or a damaged entry
after good ones. The job's `done` must never exceed its `total` (the page would say
"4 of 3"), and at the end done == total."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lib.fulltext import make_pdf
from screening.models import BulkStatus
from tests.screening import test_fulltexts as fulltexts
from tests.screening.test_fulltexts import start_and_run, zip_bytes

pytestmark = pytest.mark.django_db
four, reports = fulltexts.four, fulltexts.reports  # fixtures


def damaged_after_two(reports) -> bytes:
    """A zip of three deflated PDFs whose third entry's data is corrupted (CRC/inflate
    error only when that entry is read: the archive opens and counts 3)."""
    pdfs = [make_pdf(r.record.title, ["Results."]) for r in reports[:3]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, content in enumerate(pdfs):
            archive.writestr(f"p{n}.pdf", content)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("p2.pdf")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 10, start + info.compress_size - 10):
        data[k] ^= 0x5A
    return bytes(data)


def test_a_zip_of_no_pdf_and_a_zip_of_zips_count_what_they_hold(review, reports, lead):
    inner = zip_bytes(**{"a.pdf": make_pdf(reports[0].record.title)})
    files = [
        SimpleUploadedFile("empty.zip", zip_bytes(**{"readme.txt": b"hello"})),
        SimpleUploadedFile("nested.zip", zip_bytes(**{"inner.zip": inner})),
        SimpleUploadedFile("one.pdf", make_pdf(reports[1].record.title)),
    ]
    bulk = start_and_run(review, files, lead)
    assert bulk.status == BulkStatus.READY
    assert bulk.done == bulk.total == 1, (bulk.done, bulk.total, bulk.errors)


def test_a_zip_with_no_pdf_or_only_a_nested_zip_is_named_in_the_errors(review, reports, lead):
    inner = zip_bytes(**{"a.pdf": make_pdf(reports[0].record.title)})
    files = [
        SimpleUploadedFile("empty.zip", zip_bytes(**{"readme.txt": b"hello"})),
        SimpleUploadedFile("nested.zip", zip_bytes(**{"inner.zip": inner})),
    ]
    bulk = start_and_run(review, files, lead)
    said = " ".join(bulk.errors)
    assert "empty.zip" in said and "nested.zip" in said, bulk.errors


def test_a_damaged_entry_after_good_ones_never_makes_done_exceed_total(review, reports, lead):
    files = [SimpleUploadedFile("damaged.zip", damaged_after_two(reports))]
    bulk = start_and_run(review, files, lead)
    assert bulk.status == BulkStatus.READY, bulk.errors
    assert bulk.items.count() == 2 and bulk.errors
    assert bulk.done <= bulk.total and bulk.done == bulk.total, (bulk.done, bulk.total)


@pytest.fixture
def offset(django_user_model):
    """Reports in another review first, so this review's report keys are not its records'
    numbers (as on any server with more than one review)."""
    from reviews import services as review_services
    from reviews.models import SourceType
    from screening.models import Report
    from tests.reviews.test_dedup_service import import_text, ris, run
    from tests.screening.conftest import paper

    owner = django_user_model.objects.create_user(username="elsewhere", password="x")
    other = review_services.review_create(user=owner, title="Elsewhere", question="?")
    source = review_services.source_create(
        review=other, name="Embase", source_type=SourceType.DATABASE
    )
    batch = import_text(other, source, owner, ris(paper(40), paper(41), paper(42)))
    run(other)
    for record in batch.records.all():
        Report.objects.create(review=other, record=record)


def test_typing_the_records_number_on_the_bulk_page_attaches_to_that_record(
    offset, client, review, reports, lead
):
    from django.urls import reverse

    from screening.models import Report

    target = reports[1]
    assert target.pk != target.record.number
    pdf = make_pdf("Scanned document", ["Page one."])  # matches nothing
    bulk = start_and_run(review, [SimpleUploadedFile("scan.pdf", pdf)], lead)
    (item,) = bulk.items.all()
    client.force_login(lead)
    client.post(
        reverse("screening:bulk_confirm", args=[review.slug, bulk.pk]),
        {f"item-{item.pk}": f"#{target.record.number}"},
    )
    attached = list(
        Report.objects.filter(review=review).exclude(pdf="").values_list("pk", flat=True)
    )
    assert attached == [target.pk]
