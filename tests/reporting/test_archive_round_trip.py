"""Every archive Sift writes imports again (issue #16: a valid PDF that deflates 442 to 1
was accepted, and the lead's backup then "looked like a zip bomb" to the importer). The
round trip runs over the demo review with awkward files added: a PDF that deflates ~900
to 1, an import file of records with 190 kB abstracts of one repeated word (and so the
records' JSON lines), and a file name in another script with spaces."""

from __future__ import annotations

import zipfile
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from lib.fulltext import make_pdf
from reporting import archive
from reporting.archive.spec import MAX_RATIO, RATIO_MIN_BYTES
from reviews.models import Review
from screening import services as screening_services
from screening.models import Report
from tests.reporting.test_archive import build, snapshot
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import decide, paper

pytestmark = pytest.mark.django_db


def squeezable_pdf(title: str) -> bytes:
    """A valid PDF (Sift accepts it) padded with a 3 MB comment: deflates ~900 to 1."""
    return make_pdf(title) + b"\n%" + b" " * 3_000_000 + b"\n"


def add_awkward_files(review: Review) -> None:
    members = {m.role: m.user for m in review.members.select_related("user").order_by("pk")}
    lead = members["lead"]
    long = [paper(9000 + n, title=f"Abstract of one repeated word {n}",
                  abstract="partnership " * 16_000) for n in range(6)]  # fmt: skip
    batch = import_text(review, review.sources.first(), lead, ris(*long), name="big records.ris")
    run(review)
    # A new record, included by two members: a report waiting for its PDF.
    record = batch.records.get(ordinal=1)
    for user in {lead, *[m.user for m in review.members.filter(role="reviewer")][:1]}:
        decide(review, record, user, "include")
    report = Report.objects.get(record=record)
    screening_services.report_attach_pdf(
        review=review, report=report, user=lead, filename="Étude à l’échelle 研究.pdf",
        upload=SimpleUploadedFile("Étude à l’échelle 研究.pdf", squeezable_pdf(record.title)),
    )  # fmt: skip


@pytest.mark.slow
def test_the_demo_with_awkward_files_exports_and_imports_again(tmp_path):
    call_command("load_demo", stdout=StringIO())
    demo = Review.objects.get(slug="demo")
    add_awkward_files(demo)
    before = snapshot(demo)
    path = archive.archive_export(review=demo, out=tmp_path / "demo.zip")
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():  # what the importer's bomb check asks of every entry
            if info.file_size > RATIO_MIN_BYTES:
                assert info.file_size / info.compress_size <= MAX_RATIO, info.filename
    copy = archive.archive_import(file=path, user=demo.members.get(role="lead").user,
                                  slug="demo-restored")  # fmt: skip
    after = snapshot(copy)
    for key in before:
        assert after[key] == before[key], key


def test_a_review_with_awkward_files_exports_and_imports_again(
    review, source, lead, reviewer, second_reviewer, tmp_path
):
    """The same, fast: the archive tests' small review with every kind of row."""
    build(review, source, lead, reviewer, second_reviewer)
    add_awkward_files(review)
    before = snapshot(review)
    path = archive.archive_export(review=review, out=tmp_path / "a.zip")
    with zipfile.ZipFile(path) as zf:
        big = [i for i in zf.infolist() if i.file_size > RATIO_MIN_BYTES]
        assert len(big) >= 3  # the PDF, the import file, the records' JSON lines
        assert all(i.file_size / i.compress_size <= MAX_RATIO for i in big)
    copy = archive.archive_import(file=path, user=lead, slug="restored")
    after = snapshot(copy)
    for key in before:
        assert after[key] == before[key], key
