"""Full texts: reports to retrieve, their PDFs (one by one or in bulk), studies.

A report exists for every paper included at title/abstract: the decision services call
`report_follow` whenever a paper's title/abstract outcome changes. A report entered for a
record found by other methods (hand-searching, contact, websites) skips that stage.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import OperationalError, router, transaction
from django.db.models import F, Q
from django.db.models.deletion import Collector

from config import jobs
from lib.fulltext import ArchiveError, Candidate, PdfError, iter_zip_pdfs, match_pdf, read_pdf
from lib.singleline import fold
from reviews.models import Arm, Record, Review
from reviews.validators import single_line
from screening.models import (
    BulkItem,
    BulkStatus,
    BulkUpload,
    Decision,
    NotRetrievedReason,
    Report,
    Retrieval,
    Stage,
    Study,
    Verdict,
)

log = logging.getLogger(__name__)


def max_pdf_bytes() -> int:
    return int(getattr(django_settings, "SIFT_MAX_PDF_MB", 200)) * 1024 * 1024


# --- reports follow the title/abstract outcome --------------------------------------------


def report_follow(*, review: Review, paper: Record, before: str, after: str) -> None:
    """Called (inside the decision's transaction) when a paper's title/abstract outcome
    moves from `before` to `after`: included -> a report to retrieve; no longer included ->
    its report goes, unless someone already worked on it (then it stays, flagged)."""
    if after == Verdict.INCLUDE and before != Verdict.INCLUDE:
        report, created = Report.objects.get_or_create(review=review, record=paper)
        if not created and not report.eligible:
            Report.objects.filter(pk=report.pk).update(eligible=True)
    elif before == Verdict.INCLUDE and after != Verdict.INCLUDE:
        mine = Report.objects.filter(record=paper, other_method=False)
        untouched = mine.filter(retrieval=Retrieval.TO_RETRIEVE, pdf="", link="").exclude(
            record__in=Decision.objects.filter(stage=Stage.FULL_TEXT).values("paper")
        )
        untouched.delete()
        # Work was done on it: keep it, but it is no longer screened at full text.
        mine.update(eligible=False)


def study_follow(*, review: Review, paper: Record, before: str, after: str) -> None:
    """Called when a paper's full-text outcome changes: an included report gets a study of
    its own (unless a lead linked it to one); a report no longer included leaves its study,
    which goes when no report is left in it."""
    report = Report.objects.filter(record=paper).select_related("study").first()
    if report is None:
        return
    if after == Verdict.INCLUDE and before != Verdict.INCLUDE and report.study is None:
        report.study = Study.objects.create(review=review, label=study_label(paper))
        report.save(update_fields=["study", "updated_at"])
    elif before == Verdict.INCLUDE and after != Verdict.INCLUDE and report.study is not None:
        study = report.study
        if not study.reports.exclude(pk=report.pk).exists() and _has_work(study):
            # The study's only report left, but people have appraised or extracted it: keep
            # the study and the link, so nothing is lost and a re-inclusion finds the work.
            return
        report.study = None
        report.save(update_fields=["study", "updated_at"])
        if not study.reports.exists():
            study.delete()


def _has_work(study: Study) -> bool:
    """True if deleting the study would delete anything besides itself (appraisals,
    extractions: apps that build on screening, which screening does not import)."""
    collector = Collector(using=router.db_for_write(Study))
    collector.collect([study])
    return any(model is not Study and objs for model, objs in collector.data.items()) or any(
        qs.exists() for qs in collector.fast_deletes
    )


def study_label(record: Record) -> str:
    """'Smith 2004': the first author's family name and the year, as reviews cite studies."""
    first = record.authors[0] if record.authors else ""
    name = fold(first.split(",")[0]).strip() or (fold(record.title[:40]) or f"Record {record.pk}")
    return f"{name} {record.year}" if record.year else name


# --- retrieval -------------------------------------------------------------------------------


def _check_report(review: Review, report: Report) -> None:
    if report.review_id != review.pk:
        raise ValidationError("That report is not in this review.")


@transaction.atomic
def report_set_retrieval(
    *,
    review: Review,
    report: Report,
    retrieval: str,
    user,
    reason: str = "",
    note: str = "",
    link: str = "",
) -> Report:
    """Mark a report to retrieve, retrieved (a link to it) or not retrieved (with a reason:
    PRISMA's 'reports not retrieved')."""
    _check_report(review, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if retrieval not in Retrieval.values:
        raise ValidationError("Choose a retrieval status.")
    if retrieval == Retrieval.NOT_RETRIEVED and reason not in NotRetrievedReason.values:
        raise ValidationError("Say why the full text could not be retrieved.")
    if retrieval == Retrieval.NOT_RETRIEVED and reason == NotRetrievedReason.OTHER and not note:
        raise ValidationError("Describe the other reason.")
    single_line(note, what="The reason")  # PRISMA's "reports not retrieved" reason
    if retrieval == Retrieval.RETRIEVED and not (report.pdf or link or report.link):
        raise ValidationError("Attach the PDF or give a link to mark it retrieved.")
    if retrieval != Retrieval.RETRIEVED and _screened(report):
        raise ValidationError("Full-text screening has started on this report.")
    before = (report.retrieval, report.not_retrieved_reason, report.not_retrieved_note,
              report.link)  # fmt: skip
    report.retrieval = retrieval
    report.not_retrieved_reason = reason if retrieval == Retrieval.NOT_RETRIEVED else ""
    report.not_retrieved_note = note[:300] if retrieval == Retrieval.NOT_RETRIEVED else ""
    if link:
        report.link = link
    if before == (report.retrieval, report.not_retrieved_reason, report.not_retrieved_note,
                  report.link):  # fmt: skip
        return report  # an untouched form: nothing changed, nobody "updated" it
    report.updated_by = user
    report.save()
    return report


def _screened(report: Report) -> bool:
    return Decision.objects.filter(paper_id=report.record_id, stage=Stage.FULL_TEXT).exists()


def _attach(report: Report, path: Path, *, name: str, info, user) -> None:
    """Store the PDF in Django's storage (never the database) and mark it retrieved."""
    old = report.pdf.name if report.pdf else ""
    with path.open("rb") as handle:
        report.pdf.save(Path(name).name or "full-text.pdf", File(handle), save=False)
    report.pdf_name = name[:300]
    report.pdf_sha256 = info.sha256
    report.pdf_pages = info.pages
    report.pdf_size = info.size
    report.retrieval = Retrieval.RETRIEVED
    report.not_retrieved_reason = report.not_retrieved_note = ""
    report.updated_by = user
    report.save()
    if old and old != report.pdf.name:
        transaction.on_commit(partial(default_storage.delete, old), robust=True)


def report_attach_pdf(*, review: Review, report: Report, upload, filename: str, user) -> Report:
    """Attach one uploaded PDF. The file is checked for what it is, not what it is called:
    anything that is not a readable PDF is refused with the reason, and nothing changes.
    Once full-text votes exist the PDF stays: the votes were cast on it."""
    _check_report(review, report)
    if _screened(report):
        raise ValidationError("Full-text screening has started on this report: its PDF stays.")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.pdf"
        with path.open("wb") as out:
            for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                out.write(chunk)
        try:
            info = read_pdf(path, filename=filename, max_bytes=max_pdf_bytes())
        except PdfError as error:
            raise ValidationError(error.message) from None
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report.pk)
            _attach(report, path, name=filename, info=info, user=user)
    return report


@transaction.atomic
def report_add_other_method(*, review: Review, record: Record, user) -> Report:
    """A record found by other methods (hand-searching, contact, a website) goes straight to
    the report stage, as PRISMA's other-methods column expects."""
    if record.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    if record.batch.source.arm != Arm.OTHER_METHODS:
        raise ValidationError(
            "Only records found by other methods (not databases or registers) skip title and "
            "abstract screening."
        )
    if record.duplicate_of_id is not None:
        raise ValidationError("This record is a duplicate: send its cluster's primary record.")
    report, created = Report.objects.get_or_create(
        record=record, defaults={"review": review, "other_method": True, "updated_by": user}
    )
    if not created:
        raise ValidationError("This record already has a report.")
    return report


# --- bulk upload -----------------------------------------------------------------------------


def _bulk_dir(review: Review) -> str:
    return f"reviews/{review.pk}/bulk"


def bulk_upload_start(*, review: Review, files: list, user, enqueue: bool = True) -> BulkUpload:
    """Store many uploaded files (PDFs, or zips of PDFs) and queue the job that reads and
    matches them. Nothing is attached until a lead confirms the matches."""
    if not files:
        raise ValidationError("Choose one or more PDF files or a zip of PDFs.")
    stored = []
    for upload in files:
        name = Path(upload.name).name
        path = default_storage.save(f"{_bulk_dir(review)}/{name}", upload)
        stored.append({"name": name, "path": path})
    bulk = BulkUpload.objects.create(review=review, uploaded_by=user, files=stored)
    if enqueue:
        _enqueue_on_commit(bulk.pk)
    return bulk


BULK_TASK = "screening.tasks.bulk_upload_task"


def _enqueue_on_commit(bulk_id: int) -> None:
    # The upload's row waits if the broker is down; its page says so at once.
    jobs.enqueue_on_commit(BULK_TASK, bulk_id, mark=partial(bulk_upload_mark_sent, bulk_id=bulk_id))


def _bounded_copy(source, target: Path, limit: int) -> bool:
    """Copy at most `limit` bytes; False (and no file) when the source is larger."""
    copied = 0
    with target.open("wb") as out:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            copied += len(chunk)
            if copied > limit:
                break
            out.write(chunk)
    if copied > limit:
        target.unlink()
        return False
    return True


def _pdfs_of(entry: dict, tmp: Path, errors: list[str], count: Callable[[int], object]):
    """(name, local path) of each PDF in a stored upload: the file itself or a zip's PDFs.
    Each zip entry is copied alone (and removed once read), refused past the PDF limit.
    `count` hears how many PDFs the upload holds: 1 for a PDF, a zip's number of PDFs (0
    when the zip is refused; a zip damaged part-way keeps its count, the caller counting
    the PDFs not read as done). A zip without a PDF is named in `errors`."""
    local = tmp / "upload"
    with default_storage.open(entry["path"], "rb") as source, local.open("wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    with local.open("rb") as handle:
        head = handle.read(4)
    if not head.startswith(b"PK"):
        count(1)
        yield entry["name"], local
        return
    limit = max_pdf_bytes()
    heard: list[int] = []

    def counted(pdfs: int) -> None:
        heard.append(pdfs)
        count(pdfs)

    try:
        pdfs = iter_zip_pdfs(local, filename=entry["name"], on_count=counted)
        for n, (name, stream) in enumerate(pdfs):
            target = tmp / f"zip-{n}.pdf"
            if not _bounded_copy(stream, target, limit):
                errors.append(f"{name} in {entry['name']} is larger than {limit // 2**20} MB.")
                continue
            yield name, target
            target.unlink(missing_ok=True)
    except ArchiveError as error:
        # Refused before its entries were counted: it holds no PDF we can read. Damaged
        # part-way: the count stands and the PDFs not read count as done (left out).
        errors.append(error.message)
        if not heard:
            count(0)
        return
    if heard == [0]:
        errors.append(f"{entry['name']} holds no PDF (a zip inside a zip is not opened).")


def bulk_upload_mark_sent(*, bulk_id: int, sent: bool) -> None:
    """Record whether the upload's job reached the broker (on commit, after the attempt).
    A waiting upload whose job was not sent says so on its page at once; a message sent
    later or a worker claiming the job clears it."""
    jobs.mark_sent(
        BulkUpload.objects.filter(pk=bulk_id), sent=sent, waiting=Q(status=BulkStatus.QUEUED)
    )


class BulkBusy(Exception):
    """Another run of the upload looks alive: the task retries once it could be stale."""


def _claim_bulk(bulk_id: int) -> bool:
    """Compare-and-set: a queued job, or one whose run went silent (a killed worker).
    Raises BulkBusy when a run still looks alive; False when there is nothing to do."""
    return jobs.claim(
        BulkUpload.objects.filter(pk=bulk_id),
        kind="bulk",
        waiting=Q(status=BulkStatus.QUEUED),
        working=BulkStatus.RUNNING,
        busy=BulkBusy(f"Bulk upload {bulk_id} is being read by another run."),
        done=0,
        errors=[],
    )


def _read_all(bulk: BulkUpload, candidates: list[Candidate], errors: list[str]) -> None:
    """Read each stored upload's PDFs, store them and match each to a report. Each upload
    counts 1 in `total` until it is opened and a zip says how many PDFs it holds (a zip of
    3 PDFs is 3, not 1 file); `done` counts PDFs read, or left out."""
    bulk_id = bulk.pk
    rows = BulkUpload.objects.filter(pk=bulk_id)
    for entry in bulk.files:
        place = [1]  # this upload's share of `total`

        def count(pdfs: int, place: list[int] = place) -> None:
            rows.update(total=F("total") + pdfs - place[0])
            place[0] = pdfs

        seen = 0
        with tempfile.TemporaryDirectory() as tmp:
            for name, path in _pdfs_of(entry, Path(tmp), errors, count):
                seen += 1
                try:
                    info = read_pdf(path, filename=name, max_bytes=max_pdf_bytes())
                except PdfError as error:
                    errors.append(error.message)
                    jobs.beat(rows, done=F("done") + 1)
                    continue
                match = match_pdf(info.text, name, info.title, candidates)
                with path.open("rb") as handle:
                    stored = default_storage.save(
                        f"{_bulk_dir(bulk.review)}/{bulk.pk}/{Path(name).name}", File(handle)
                    )
                BulkItem.objects.create(
                    upload=bulk, name=name[:300], path=stored, sha256=info.sha256,
                    pages=info.pages, size=info.size, report_id=match.candidate_id,
                    method=match.method, score=match.score, certain=match.certain,
                )  # fmt: skip
                jobs.beat(rows, done=F("done") + 1)
        if place[0] > seen:  # a zip's PDFs left out unread (too large, or damaged)
            jobs.beat(rows, done=F("done") + place[0] - seen)


def bulk_upload_run(*, bulk_id: int) -> BulkUpload | None:
    """Read every PDF of the upload and match it to a report. Safe to run twice: a run
    claims the job, starts again from the top (a dead run's items go), and keeps the
    uploaded files until the job is ready."""
    if not _claim_bulk(bulk_id):
        return None
    bulk = BulkUpload.objects.get(pk=bulk_id)
    for item in bulk.items.all():
        default_storage.delete(item.path)
    bulk.items.all().delete()
    reports = list(
        Report.objects.filter(review_id=bulk.review_id, eligible=True)
        .select_related("record")
        .only("pk", "record__title", "record__doi", "record__pmid")
    )
    candidates = [
        Candidate(id=r.pk, title=r.record.title, doi=r.record.doi, pmid=r.record.pmid)
        for r in reports
    ]
    errors: list[str] = []
    BulkUpload.objects.filter(pk=bulk_id).update(total=len(bulk.files))
    running = BulkUpload.objects.filter(pk=bulk_id, status=BulkStatus.RUNNING)
    # A PDF the parser takes long over must not make the run look dead: beat from a thread.
    beating = jobs.Heartbeat(running, error=BulkBusy(), label=f"bulk upload {bulk_id}")
    try:
        with beating:
            _read_all(bulk, candidates, errors)
    except OperationalError:
        # The database went away: the task retries, and the retry starts from the top.
        BulkUpload.objects.filter(pk=bulk_id).update(status=BulkStatus.QUEUED, heartbeat_at=None)
        raise
    except Exception:
        log.exception("bulk upload %s failed", bulk_id)
        bulk_upload_discard(bulk_id=bulk_id)
        BulkUpload.objects.filter(pk=bulk_id).update(
            status=BulkStatus.FAILED,
            errors=[*errors, "Reading the files stopped with an internal error; nothing was "
                    "attached. Upload them again."],
        )  # fmt: skip
        raise
    for entry in bulk.files:
        default_storage.delete(entry["path"])
    BulkUpload.objects.filter(pk=bulk_id).update(status=BulkStatus.READY, errors=errors)
    return BulkUpload.objects.get(pk=bulk_id)


def bulk_upload_discard(*, bulk_id: int) -> None:
    """Delete every stored file of an upload (originals and read PDFs) that no report uses."""
    bulk = BulkUpload.objects.get(pk=bulk_id)
    used = set(Report.objects.filter(review_id=bulk.review_id).values_list("pdf", flat=True))
    for path in [e["path"] for e in bulk.files] + [i.path for i in bulk.items.all()]:
        if path not in used:
            default_storage.delete(path)


def bulk_uploads_requeue(*, worker_start: bool = False) -> list[int]:
    """Queue again uploads waiting for a worker or whose worker died. `worker_start`: also
    runs that still look alive (jobs.requeue_stale says why); the new message meets
    BulkBusy and retries until the heartbeat is stale, then takes the job over (or finds
    that a live run finished it)."""
    ids = list(
        jobs.requeue_stale(
            BulkUpload.objects.all(),
            kind="bulk",
            waiting=Q(status=BulkStatus.QUEUED),
            working=[BulkStatus.RUNNING],
            worker_start=worker_start,
        ).values_list("pk", flat=True)
    )
    for bulk_id in ids:
        _enqueue_on_commit(bulk_id)
    return ids


def bulk_upload_confirm(
    *, review: Review, bulk: BulkUpload, choices: dict[int, int | None], user
) -> int:
    """Attach each item to the report the lead confirmed (item id -> report id, or None to
    leave it out). The PDFs are already in storage: attaching is only rows, so it is quick
    and all-or-nothing. Returns how many PDFs were attached."""
    if bulk.review_id != review.pk:
        raise ValidationError("That upload is not in this review.")
    items = {i.pk: i for i in bulk.items.all()}
    wanted = {item_id: rid for item_id, rid in choices.items() if item_id in items and rid}
    if len(set(wanted.values())) != len(wanted):
        raise ValidationError("Two PDFs were matched to the same report: choose one.")
    with transaction.atomic():
        locked = BulkUpload.objects.select_for_update().get(pk=bulk.pk)
        if locked.status != BulkStatus.READY:
            raise ValidationError("This upload is not waiting for a confirmation.")
        reports = {
            r.pk: r
            for r in Report.objects.select_for_update().filter(
                review=review, pk__in=wanted.values()
            )
        }
        if any(rid not in reports for rid in wanted.values()):
            raise ValidationError("A chosen report is not in this review.")
        started = set(
            Decision.objects.filter(
                stage=Stage.FULL_TEXT, paper_id__in=[r.record_id for r in reports.values()]
            ).values_list("paper_id", flat=True)
        )
        for report in reports.values():
            if report.record_id in started:
                raise ValidationError(
                    f"Full-text screening has started on “{report.record.title[:80]}”: its "
                    "PDF cannot be replaced."
                )
        old_files: list[str] = []
        for item_id, report_id in wanted.items():
            item, report = items[item_id], reports[report_id]
            if report.pdf.name:
                old_files.append(report.pdf.name)
            report.pdf.name = item.path  # the file is already in storage: no copy
            report.pdf_name = item.name
            report.pdf_sha256, report.pdf_pages, report.pdf_size = (
                item.sha256,
                item.pages,
                item.size,
            )
            report.retrieval = Retrieval.RETRIEVED
            report.not_retrieved_reason = report.not_retrieved_note = ""
            report.updated_by = user
            report.save()
        BulkItem.objects.filter(pk__in=wanted).update(attached=True)
        for item_id, report_id in wanted.items():
            BulkItem.objects.filter(pk=item_id).update(report_id=report_id)
        BulkUpload.objects.filter(pk=bulk.pk).update(status=BulkStatus.DONE)
        unused = [i.path for i in items.values() if i.pk not in wanted] + old_files
        transaction.on_commit(partial(_delete_all, unused), robust=True)
    return len(wanted)


def _delete_all(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


# --- studies ---------------------------------------------------------------------------------


@transaction.atomic
def study_link(*, review: Review, report: Report, study: Study, user) -> Study:
    """Put `report` in `study` (a protocol, an interim and a final report of one study). Its
    former study goes when no report is left in it."""
    _check_report(review, report)
    if study.review_id != review.pk:
        raise ValidationError("That study is not in this review.")
    if report.study_id is None:
        raise ValidationError("Only included reports belong to studies.")
    old = report.study
    report.study = study
    report.updated_by = user
    report.save(update_fields=["study", "updated_by", "updated_at"])
    if old is not None and old.pk != study.pk and not old.reports.exists():
        old.delete()
    return study


@transaction.atomic
def study_unlink(*, review: Review, report: Report, user) -> Study:
    """Give `report` a study of its own again."""
    _check_report(review, report)
    if report.study_id is None:
        raise ValidationError("Only included reports belong to studies.")
    if not Report.objects.filter(study_id=report.study_id).exclude(pk=report.pk).exists():
        assert report.study is not None  # study_id is set (checked above)
        return report.study  # already alone
    report.study = Study.objects.create(review=review, label=study_label(report.record))
    report.updated_by = user
    report.save(update_fields=["study", "updated_by", "updated_at"])
    return report.study
