"""Whole-review archives: every model with a path to a review travels (or is skipped with a
reason); a review built through the real services round-trips into the same server and into
a "fresh" one with identical PRISMA counts, decisions, clusters and PDFs; hostile archives
are refused whole, leaving no rows and no files; the views and commands."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from appraisal import services as appraisal_services
from appraisal.models import Appraisal, Design
from lib.fulltext.archive import ArchiveError
from reporting import archive, rendering
from reporting import services as reporting_services
from reporting.models import PrismaNote, PrismaOverride
from reviews import services as review_services
from reviews.models import DedupDecision, DedupEvent, Record, Review, Verdict
from screening import selectors as screening_selectors
from screening import services as screening_services
from screening.models import Decision, DecisionEvent, Report, Resolution, Retrieval, Stage
from tests.appraisal.conftest import appraise
from tests.reviews.test_dedup_service import PAPER, import_text, ris, run
from tests.screening.conftest import criterion, decide, paper
from tests.screening.test_fulltexts import attach

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


# --- which models travel -------------------------------------------------------------------


def test_every_model_of_a_review_is_archived_or_skipped_with_a_reason():
    archived = {spec.label for spec in archive.archived_models()}
    belonging = set(archive.review_models())
    # A model added later with a path to Review is archived by discovery; one the archive
    # cannot carry (a many-to-many, a key to a skipped model) raises in archived_models().
    assert archived | set(archive.SKIPPED) == belonging
    assert not archived & set(archive.SKIPPED)
    assert set(archive.SKIPPED) <= belonging, "SKIPPED names a model that no longer exists"
    assert all(len(reason) > 20 for reason in archive.SKIPPED.values())
    assert {
        "reviews.Record",
        "screening.Decision",
        "appraisal.Answer",
        "reporting.PrismaNote",
    } <= archived
    labels = [spec.label for spec in archive.archived_models()]
    for spec in archive.archived_models():  # parents first
        for ref in spec.refs.values():
            if ref.kind == "model":
                assert labels.index(ref.target) < labels.index(spec.label)


# --- a small review built through the services ---------------------------------------------


def resolve(review, paper_record, stage, verdict, user, **kw):
    votes = screening_selectors.paper_votes(paper_record, stage)
    return screening_services.conflict_resolve(
        review=review, paper=paper_record, stage=stage, verdict=verdict, user=user,
        seen=screening_selectors.votes_token(votes), **kw,
    )  # fmt: skip


def build(review, source, lead, reviewer, second_reviewer) -> Review:
    look_alike = PAPER | {
        "title": PAPER["title"] + ": interim findings", "doi": "", "volume": "", "sp": "",
        "ep": "", "abstract": "Early findings.",
    }  # fmt: skip
    exact_copy = PAPER | {"title": PAPER["title"].upper(), "doi": "", "abstract": ""}
    others = [paper(n, abstract=f"Abstract {n}.") for n in range(5)]
    batch = import_text(review, source, lead, ris(PAPER, look_alike, exact_copy, *others))
    run(review)
    first, probable = batch.records.get(ordinal=1), batch.records.get(ordinal=2)
    review_services.dedup_decide(
        review=review, record=probable, other=first, verdict=Verdict.SAME, user=lead
    )
    run(review)
    primaries = list(Record.objects.in_review(review).primaries().order_by("pk"))
    assert len(primaries) == 6  # PAPER (3 records), five others
    e1, e3 = criterion(review, "E1"), criterion(review, "E3")
    p = primaries
    for record in p[:3]:
        decide(review, record, reviewer, "include")
        decide(review, record, second_reviewer, "include")
    for record in p[3:5]:
        decide(review, record, reviewer, "exclude", reason=e1)
        decide(review, record, second_reviewer, "exclude", reason=e1, note="not England")
    decide(review, p[5], reviewer, "include")
    decide(review, p[5], second_reviewer, "maybe")
    decide(review, p[5], second_reviewer, "exclude", reason=e3)  # changed: an event
    resolve(review, p[5], TA, "include", lead, note="Discussed")
    reports = list(Report.objects.filter(review=review).order_by("record_id"))
    assert len(reports) == 4
    attach(review, reports[0], lead)
    screening_services.report_set_retrieval(
        review=review, report=reports[1], retrieval=Retrieval.RETRIEVED, user=lead,
        link="https://example.org/ft",
    )  # fmt: skip
    screening_services.report_set_retrieval(
        review=review, report=reports[2], retrieval=Retrieval.NOT_RETRIEVED, reason="not_found",
        user=lead,
    )  # fmt: skip
    for user in (reviewer, second_reviewer):
        screening_services.decision_record(review=review, record=reports[0].record, reviewer=user,
                                           stage=FT, verdict="include", advance=False)  # fmt: skip
    screening_services.decision_record(review=review, record=reports[1].record, reviewer=reviewer,
                                       stage=FT, verdict="exclude", reason=e3, advance=False)  # fmt: skip
    study = review.studies.get()
    checklist = appraisal_services.checklist_add_builtin(
        review=review, user=lead, key="seed_qualitative"
    )
    appraisal_services.study_design_set(
        review=review, user=lead, study=study, design=Design.QUALITATIVE
    )
    version = checklist.versions.get()
    appraise(review, study, version, reviewer)
    appraise(review, study, version, second_reviewer, Q2="no")
    reporting_services.prisma_override_set(
        review=review, field="excluded_other", state="reported", value=3,
        note="Removed before import", user=lead,
    )  # fmt: skip
    reporting_services.prisma_note_set(review=review, check_id="C07", note="Explained", user=lead)
    return review


@pytest.fixture
def built(review, source, lead, reviewer, second_reviewer) -> Review:
    return build(review, source, lead, reviewer, second_reviewer)


def _name(user) -> str:
    return user.username if user else ""


def snapshot(review: Review) -> dict:
    """Everything the round trip must keep, in terms that do not mention ids."""
    records = Record.objects.filter(review=review)
    title = {r.pk: r.title for r in records}
    clusters: dict[int, set[str]] = {}
    for r in records:
        clusters.setdefault(r.duplicate_of_id or r.pk, set()).add(r.title)
    decisions = {
        (title[d.record_id], title[d.paper_id], d.reviewer.username, d.stage, d.verdict,
         d.reason.code if d.reason else "", d.note, d.created_at.isoformat())
        for d in Decision.objects.filter(review=review).select_related("reviewer", "reason")
    }  # fmt: skip
    reports = {}
    for rep in Report.objects.filter(review=review).select_related("study"):
        pdf = rep.pdf.read() if rep.pdf else b""
        reports[title[rep.record_id]] = (
            rep.retrieval, rep.not_retrieved_reason, rep.link, pdf, rep.pdf_sha256,
            rep.study.label if rep.study else "", rep.created_at,
        )  # fmt: skip
    return {
        "flow": rendering.diagram(review).flow.as_dict(),
        "decisions": decisions,
        "events": sorted(
            (title[e.record_id], e.reviewer.username, e.stage, e.old_verdict, e.new_verdict, e.at)
            for e in DecisionEvent.objects.filter(review=review).select_related("reviewer")
        ),
        "resolutions": {
            (title[r.paper_id], r.stage, r.verdict, r.resolved_by.username, r.note)
            for r in Resolution.objects.filter(review=review).select_related("resolved_by")
        },
        "clusters": {frozenset(c) for c in clusters.values()},
        "rules": {(r.title, r.dedup_rule, r.dedup_checked, r.primary_pinned) for r in records},
        "shuffles": {(r.title, r.shuffle_a, r.shuffle_b) for r in records},
        "dedup_decisions": {
            (title[d.record_a_id], title[d.record_b_id], d.verdict, _name(d.decided_by))
            for d in DedupDecision.objects.filter(review=review).select_related("decided_by")
        },
        "dedup_events": sorted(
            (e.action, _name(e.actor), title.get(e.record_id, ""), e.at.isoformat())
            for e in DedupEvent.objects.filter(review=review).select_related("actor")
        ),
        "reports": reports,
        "appraisals": {
            (
                a.study.label,
                a.reviewer.username,
                a.comment,
                str(a.submitted_at),
                tuple(sorted((x.question.code, x.answer) for x in a.answers.all())),
            )
            for a in Appraisal.objects.filter(review=review).select_related("study", "reviewer")
        },  # fmt: skip
        "overrides": {
            (o.field, o.state, o.value, o.note)
            for o in PrismaOverride.objects.filter(review=review)
        },
        "notes": {(n.check_id, n.note) for n in PrismaNote.objects.filter(review=review)},
        "team": {(m.user.username, m.role, m.seat) for m in review.members.select_related("user")},
        "criteria": {(c.code, c.kind, c.text) for c in review.criteria.all()},
        "batches": {(b.filename, b.sha256, b.file.read()) for b in review.batches.all()},
        "title": review.title,
    }


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_round_trip_into_the_same_server(built, lead, tmp_path):
    before = snapshot(built)
    assert before["resolutions"] and before["dedup_decisions"] and before["appraisals"]
    assert before["reports"] and any(r[3] for r in before["reports"].values())
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="copy")
    assert copy.slug == "copy" and copy.pk != built.pk
    after = snapshot(copy)
    for key in before:
        assert after[key] == before[key], key
    assert copy.archive_report.users_created == []
    assert snapshot(built) == before  # the original is untouched
    # New rows everywhere: no record, decision or report is shared.
    assert not set(Record.objects.filter(review=copy).values_list("pk", flat=True)) & set(
        Record.objects.filter(review=built).values_list("pk", flat=True)
    )
    # The same archive again, without a slug: the next free one.
    again = archive.archive_import(file=path, user=lead)
    assert again.slug == f"{built.slug}-2"


def test_round_trip_into_a_fresh_server(built, lead, tmp_path, settings, django_user_model):
    before = snapshot(built)
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == archive.FORMAT and manifest["review"]["slug"] == built.slug
    assert manifest["models"]["reviews.Record"]["rows"] == 8
    assert set(manifest["users"]) == {"lead", "reviewer", "second_reviewer"}
    # A fresh server: the review, its files and the reviewers' accounts are gone.
    slug = built.slug
    built.delete()
    django_user_model.objects.filter(username__in=["reviewer", "second_reviewer"]).delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    assert not Record.objects.exists()
    restored = archive.archive_import(file=path, user=lead)
    assert restored.slug == slug
    assert restored.archive_report.users_created == ["reviewer", "second_reviewer"]
    created = django_user_model.objects.get(username="reviewer")
    assert not created.is_active and not created.has_usable_password()
    after = snapshot(restored)
    for key in before:
        assert after[key] == before[key], key
    pdf = Report.objects.get(review=restored, pdf__gt="").pdf.name
    assert pdf.startswith(f"reviews/{restored.pk}/reports/")


def test_the_importer_leads_and_unknown_users_are_reported(built, outsider, tmp_path):
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=outsider, slug="theirs")
    assert copy.members.get(user=outsider).role == "lead"
    assert copy.members.count() == 4
    assert copy.archive_report.users_matched == ["lead", "reviewer", "second_reviewer"]


def test_a_clashing_slug_given_explicitly_is_refused(built, lead, tmp_path):
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    with pytest.raises(ArchiveError, match="taken"):
        archive.archive_import(file=path, user=lead, slug=built.slug)


# --- hostile archives ----------------------------------------------------------------------


def rewrite(source: Path, target: Path, *, drop=(), change=None, add=None, manifest=None):
    """Copy an archive, leaving out `drop`, changing entries (name -> bytes -> bytes),
    adding raw entries and editing the manifest (dict -> None)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if info.filename == "manifest.json" and manifest:
                loaded = json.loads(data)
                manifest(loaded)
                data = json.dumps(loaded).encode()
            if change and info.filename in change:
                data = change[info.filename](data)
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return target


@pytest.fixture
def good(built, tmp_path) -> Path:
    return archive.archive_export(review=built, out=tmp_path / "good.zip")


def _pdf_entry(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return next(n for n in zf.namelist() if n.startswith("files/screening.Report/"))


def _flip(data: bytes) -> bytes:
    return data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]


def _drop_decisions(m):
    del m["files"]["models/screening.Decision.jsonl"]


def _bad_reference(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    row = json.loads(lines[0])
    row["paper"] = 999999
    return "\n".join([json.dumps(row), *lines[1:]]).encode() + b"\n"


HOSTILE = {
    "traversal": (
        {"add": {"../evil": b"x"}}, "unsafe file name (../evil)"),
    "absolute": (
        {"add": {"/etc/evil": b"x"}}, "unsafe file name"),
    "bad sha256": (
        {"change": "pdf"}, "sha256 does not match"),
    "missing model file": (
        {"drop": ("models/screening.Decision.jsonl",), "manifest": _drop_decisions},
        "missing models/screening.Decision.jsonl"),
    "newer format": (
        {"manifest": lambda m: m.update(format=archive.FORMAT + 1)}, "newer Sift"),
    "unlisted entry": (
        {"add": {"files/extra.bin": b"x"}}, "does not list"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_archives_are_refused_whole(case, good, lead, tmp_path, settings):
    spec, message = HOSTILE[case]
    kwargs = dict(spec)
    if kwargs.get("change") == "pdf":
        kwargs["change"] = {_pdf_entry(good): _flip}
    bad = rewrite(good, tmp_path / "bad.zip", **kwargs)
    reviews, users, files = (
        Review.objects.count(),
        get_user_model().objects.count(),
        stored_files(settings),
    )
    with pytest.raises(ArchiveError, match=message.replace("(", r"\(").replace(")", r"\)")):
        archive.archive_import(file=bad, user=lead, slug="hostile")
    assert (Review.objects.count(), get_user_model().objects.count()) == (reviews, users)
    assert stored_files(settings) == files


def test_a_reference_to_a_row_not_in_the_archive_names_file_and_line(good, lead, tmp_path):
    entry = "models/screening.Decision.jsonl"
    with zipfile.ZipFile(good) as zf:
        changed = _bad_reference(zf.read(entry))
    import hashlib

    def fix(m):
        m["files"][entry] = hashlib.sha256(changed).hexdigest()

    bad = rewrite(good, tmp_path / "bad.zip", change={entry: lambda _: changed}, manifest=fix)
    with pytest.raises(
        ArchiveError,
        match=r"screening.Decision.jsonl line 1: paper refers to reviews.Record 999999",
    ):
        archive.archive_import(file=bad, user=lead, slug="hostile")
    assert not Review.objects.filter(slug="hostile").exists()


def test_not_a_zip_and_an_empty_file_are_refused(lead, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ArchiveError, match="not a ZIP archive"):
        archive.archive_import(file=text, user=lead, filename="notes.txt")
    with pytest.raises(ArchiveError, match="is empty"):
        archive.archive_import(file=io.BytesIO(b""), user=lead, filename="empty.zip")


def test_a_failure_while_writing_leaves_no_rows_and_no_files(
    good, lead, settings, monkeypatch, django_user_model
):
    django_user_model.objects.filter(username="reviewer").update(username="renamed")
    files, reviews, users = (
        stored_files(settings),
        Review.objects.count(),
        django_user_model.objects.count(),
    )

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(archive.write, "_after", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        archive.archive_import(file=good, user=lead, slug="broken")
    assert stored_files(settings) == files  # the PDF and the RIS file copied were deleted
    assert Review.objects.count() == reviews
    assert django_user_model.objects.count() == users  # the user created was rolled back


def test_export_waits_for_a_running_import(built, tmp_path):
    built.batches.update(status="running")
    with pytest.raises(ArchiveError, match="still importing"):
        archive.archive_export(review=built, out=tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists()


# --- views and commands ---------------------------------------------------------------------


def test_archive_download_is_for_leads(built, client, lead, reviewer, outsider):
    url = reverse("reporting:archive_export", args=[built.slug])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    assert client.post(url).status_code == 405
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert "manifest.json" in zf.namelist()


def test_archive_upload_page_imports_as_a_new_review(built, client, outsider, tmp_path):
    url = reverse("reporting:archive_import")
    assert client.get(url).status_code == 302
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    client.force_login(outsider)
    assert client.get(url).status_code == 403  # staff only: an archive names its reviewers
    outsider.is_staff = True
    outsider.save()
    assert client.get(url).status_code == 200
    with path.open("rb") as handle:
        response = client.post(url, {"archive": handle, "slug": "moved"})
    assert response.status_code == 302
    moved = Review.objects.get(slug="moved")
    assert response["Location"] == reverse("reviews:detail", args=["moved"])
    assert moved.members.get(user=outsider).role == "lead"
    assert snapshot(moved)["flow"] == snapshot(built)["flow"]
    bad = io.BytesIO(b"not a zip")
    bad.name = "bad.zip"
    response = client.post(url, {"archive": bad})
    assert response.status_code == 200 and b"not a ZIP archive" in response.content
    assert Review.objects.count() == 2


def test_the_commands_round_trip(built, lead, tmp_path):
    out = tmp_path / "cmd.zip"
    call_command("review_export", built.slug, "--out", str(out), stderr=StringIO())
    stdout = StringIO()
    call_command("review_import", str(out), "--slug", "restored", "--owner", "lead", stdout=stdout)
    assert "Imported" in stdout.getvalue()
    assert snapshot(Review.objects.get(slug="restored"))["flow"] == snapshot(built)["flow"]
    with pytest.raises(CommandError, match="No review"):
        call_command("review_export", "nope", "--out", str(out))
    with pytest.raises(CommandError, match="not a ZIP"):
        call_command("review_import", __file__, "--owner", "lead")


@pytest.mark.django_db(transaction=True)
def test_export_outside_a_transaction_reads_one_snapshot(review, source, lead, tmp_path):
    # Outside a test's transaction: on PostgreSQL this takes the REPEATABLE READ, READ ONLY
    # snapshot (SET TRANSACTION must be the transaction's first statement).
    import_text(review, source, lead, ris(PAPER, paper(1)))
    run(review)
    path = archive.archive_export(review=review, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="snapshot-copy")
    assert snapshot(copy) == snapshot(review) | {"team": snapshot(copy)["team"]}
