"""Whole-review archives: every model with a path to a review travels (or is skipped with a
reason); a review built through the real services round-trips into the same server and into
a "fresh" one with identical PRISMA counts, decisions, clusters and PDFs; hostile archives
are refused whole, leaving no rows and no files; the views and commands."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from appraisal import selectors as appraisal_selectors
from appraisal import services as appraisal_services
from appraisal.models import (
    Appraisal,
    AppraisalSettings,
    Checklist,
    ChecklistVersion,
    Design,
    Extraction,
    ExtractionForm,
    Field,
    FormVersion,
    StudyWeight,
    Value,
)
from lib.fulltext.archive import ArchiveError
from reporting import archive, rendering
from reporting import services as reporting_services
from reporting.models import PrismaNote, PrismaOverride
from reviews import services as review_services
from reviews.models import (
    AuditEvent,
    AuditKind,
    DedupDecision,
    DedupEvent,
    ImportBatch,
    Record,
    Review,
    Verdict,
)
from screening import selectors as screening_selectors
from screening import services as screening_services
from screening.models import (
    Decision,
    DecisionEvent,
    Report,
    Resolution,
    Retrieval,
    Stage,
    Study,
)
from tests.appraisal.conftest import FORM, appraise, extract
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
        "appraisal.Domain",
        "appraisal.Judgement",
        "reporting.PrismaNote",
    } <= archived
    labels = [spec.label for spec in archive.archived_models()]
    for spec in archive.archived_models():  # parents first
        for ref in spec.refs.values():
            if ref.kind == "model":
                assert labels.index(ref.target) < labels.index(spec.label)
        for target in spec.loose.values():  # and the rows loose numbers name
            assert labels.index(target) < labels.index(spec.label)
    loose = {s.label: s.loose for s in archive.archived_models() if s.loose}
    assert loose["reviews.AuditEvent"]["record_id"] == "reviews.Record"
    assert loose["reviews.AuditEvent"]["detail.batch_id"] == "reviews.ImportBatch"
    assert loose["reviews.DedupEvent"] == {"record_id": "reviews.Record",
                                           "other_id": "reviews.Record"}  # fmt: skip


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
    # A lead reopened a fixed vote (its DecisionEvent names the lead: a user to map).
    screening_services.decision_reopen(
        review=review, paper=p[4], stage=TA, reviewer_id=reviewer.pk, user=lead,
        reason="Checked the setting again",
    )  # fmt: skip
    decide(review, p[4], reviewer, "exclude", reason=e1)
    decide(review, p[5], second_reviewer, "maybe")
    decide(review, p[5], second_reviewer, "exclude", reason=e3)  # changed: an event
    decide(review, p[5], reviewer, "include")
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
    # A library tool with domains, scales and judgements (one departing, with its reason).
    rob2 = appraisal_services.checklist_add_builtin(review=review, user=lead, key="rob2")
    rob2_version = rob2.versions.get()
    d1 = rob2_version.domains.get(code="D1")
    appraisal_services.appraisal_save(
        review=review, study=study, version=rob2_version, reviewer=reviewer, submit=True,
        answers={q.pk: appraisal_services.AnswerInput(answer=ROB2_ANSWERS[q.code])
                 for q in rob2_version.questions.all()},
        judgements={d1.pk: appraisal_services.JudgementInput("high", "Open allocation list")},
    )  # fmt: skip
    # A study weight for the weighted summary plots, and what the weights are.
    appraisal_services.study_weights_set(review=review, user=lead, basis="sample size",
                                         weights={study: 62.5})  # fmt: skip
    reporting_services.prisma_override_set(
        review=review, field="excluded_other", state="reported", value=3,
        note="Removed before import", user=lead,
    )  # fmt: skip
    reporting_services.prisma_note_set(review=review, check_id="C07", note="Explained", user=lead)
    return review


ROB2_ANSWERS = {
    "1.1": "yes", "1.2": "py", "1.3": "no", "2.1": "no", "2.2": "pn", "2.3": "na", "2.4": "na",
    "2.5": "na", "2.6": "yes", "2.7": "na", "3.1": "yes", "3.2": "na", "3.3": "na", "3.4": "na",
    "4.1": "no", "4.2": "no", "4.3": "ni", "4.4": "no", "4.5": "na", "5.1": "ni", "5.2": "no",
    "5.3": "no",
}  # fmt: skip


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
            (
                title[e.record_id],
                e.reviewer.username,
                e.stage,
                e.old_verdict,
                e.new_verdict,
                e.at,
                _name(e.reopened_by),
                e.reopen_reason,
            )
            for e in DecisionEvent.objects.filter(review=review).select_related(
                "reviewer", "reopened_by"
            )
        ),
        "resolutions": {
            (
                title[r.record_id],
                title[r.paper_id],
                r.stage,
                r.verdict,
                r.resolved_by.username,
                r.note,
            )
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
        "audit": audit_snapshot(review, title),
        "reports": reports,
        "appraisals": {
            (
                a.study.label,
                a.reviewer.username,
                a.comment,
                str(a.submitted_at),
                tuple(sorted((x.question.code, x.answer) for x in a.answers.all())),
                tuple(
                    sorted(
                        (j.domain.code if j.domain else "", j.judgement, j.reason, j.method)
                        for j in a.judgements.select_related("domain")
                    )
                ),
            )
            for a in Appraisal.objects.filter(review=review).select_related("study", "reviewer")
        },  # fmt: skip
        "structures": {
            (
                v.checklist.name,
                v.number,
                v.tool,
                tuple(v.judgements),
                tuple((d.code, d.name, tuple(d.judgements), d.algorithm) for d in v.domains.all()),
                tuple(
                    (q.code, q.domain.code if q.domain else "", tuple(q.options))
                    for q in v.questions.select_related("domain")
                ),
            )
            for v in ChecklistVersion.objects.filter(checklist__review=review).select_related(
                "checklist"
            )
        },  # fmt: skip
        "weights": (
            AppraisalSettings.objects.filter(review=review).values_list("weight_basis").first(),
            {
                (w.study.label, w.weight, _name(w.set_by), w.set_at.isoformat())
                for w in StudyWeight.objects.filter(review=review).select_related("study", "set_by")
            },
        ),  # fmt: skip
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


# Kinds whose `detail` holds no id but the batch's (compared through the batch's file).
_ID_FREE_DETAIL = {AuditKind.IMPORT, AuditKind.IMPORT_UNDO, AuditKind.IMPORT_CANCEL,
                   AuditKind.IMPORT_FAIL, AuditKind.RESOLUTION, AuditKind.STOP,
                   AuditKind.STOP_UNDO}  # fmt: skip


def audit_snapshot(review: Review, title: dict[int, str]) -> list[tuple]:
    """Every AuditEvent with the record it names (by title: "" for none, "?" for a record
    no longer in the review) and the file of the batch its detail names."""
    files = dict(ImportBatch.objects.values_list("pk", "filename"))
    out = []
    for e in AuditEvent.objects.filter(review=review).select_related("actor"):
        detail = dict(e.detail) if e.kind in _ID_FREE_DETAIL else {}
        if "batch_id" in detail:
            detail["batch_id"] = files.get(detail["batch_id"], "?")
        named = "" if e.record_id is None else title.get(e.record_id, "?")
        out.append((e.kind, _name(e.actor), named, e.stage, e.summary, e.at.isoformat(),
                    json.dumps(detail, sort_keys=True)))  # fmt: skip
    return sorted(out)


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_round_trip_into_the_same_server(built, lead, tmp_path):
    before = snapshot(built)
    assert before["resolutions"] and before["dedup_decisions"] and before["appraisals"]
    judged = [a[-1] for a in before["appraisals"] if a[-1]]
    assert ("D1", "high", "Open allocation list", "") in judged[0]  # the new data travels
    assert before["weights"][0] == ("sample size",) and len(before["weights"][1]) == 1
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


def test_audit_events_name_the_new_records_and_batches(built, lead, source, tmp_path):
    """record_id and the batch in `detail` are plain numbers, not foreign keys: the import
    maps them to the new rows. A record of an undone import is no longer in the archive:
    its number is emptied rather than left to name another record of this server."""
    gone = import_text(built, source, lead, ris(paper(40)), name="later.ris")
    run(built)
    (gone_id,) = gone.records.values_list("pk", flat=True)
    stop = screening_services.screening_stop_early(
        review=built, stage=TA, user=lead, rule="judgement"
    )
    screening_services.screening_stop_undo(review=built, stop=stop, user=lead)
    review_services.import_batch_undo(batch=gone, user=lead)
    assert AuditEvent.objects.filter(review=built, record_id=gone_id).count() == 2
    before = audit_snapshot(built, dict(Record.objects.values_list("pk", "title")))
    assert sum(1 for e in before if e[2] == "?") == 2  # the undone import's record
    assert {AuditKind.IMPORT, AuditKind.IMPORT_UNDO, AuditKind.RESOLUTION, AuditKind.STOP,
            AuditKind.STOP_UNDO} <= {e[0] for e in before}  # fmt: skip
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="copy")
    titles = dict(Record.objects.filter(review=copy).values_list("pk", "title"))
    events = AuditEvent.objects.filter(review=copy)
    assert all(e.record_id in titles for e in events.exclude(record_id=None))
    assert events.filter(kind=AuditKind.STOP, record_id=None).count() == 2  # 1 + the gone one
    after = audit_snapshot(copy, titles)
    emptied = [e for e in before if e[2] == "?"]
    assert sorted(after) == sorted([e for e in before if e[2] != "?"] +
                                   [(e[0], e[1], "", *e[3:]) for e in emptied])  # fmt: skip
    copy_batches = set(copy.batches.values_list("pk", flat=True))
    assert {e.detail["batch_id"] for e in events.filter(kind=AuditKind.IMPORT)} <= copy_batches


# --- appraisal's audit events --------------------------------------------------------------


def appraisal_work(review, lead, reviewer, second_reviewer) -> None:
    """On top of `build`: every kind of appraisal event (a checklist created and edited, the
    settings, a study's own checklists, a form, extractions and their consensus)."""
    study = review.studies.get()
    seed = Checklist.objects.get(review=review, builtin="seed_qualitative")
    mine = appraisal_services.checklist_create(
        review=review, user=lead, name="Mine", definition="Q1 | Aims? | | Yes, No"
    )
    appraisal_services.checklist_edit(
        review=review, user=lead, checklist=mine, name="Mine", source_note="",
        definition="Q1 | Aims clear? | | Yes, No",
    )  # fmt: skip
    appraisal_services.appraisal_settings_update(
        review=review, user=lead, appraisal_mode="dual", extraction_mode="dual",
        qualitative_checklist=mine, quantitative_checklist=seed,
    )  # fmt: skip
    appraisal_services.study_design_set(
        review=review, user=lead, study=study, design=Design.QUALITATIVE, checklists=[seed, mine]
    )
    appraise(review, study, mine.versions.get(), reviewer, submit=False, Q1="no")
    form = appraisal_services.form_create(review=review, user=lead, name="Characteristics",
                                          definition=FORM)  # fmt: skip
    version = form.versions.get()
    extract(review, study, version, reviewer)
    extract(review, study, version, second_reviewer, setting="Rural")
    setting = version.fields.get(code="setting")
    appraisal_services.extraction_consensus(
        review=review, study=study, version=version, user=lead,
        values={setting.pk: appraisal_services.ValueInput(raw="Both", method="discussion")},
    )  # fmt: skip


def _work_key(work) -> tuple:
    return (work.study.label, work.version.number, work.reviewer.username, work.is_consensus)


# How a row that an appraisal event names is recognised in another review (no ids).
NATURAL = {
    "screening.Study": lambda pk: Study.objects.get(pk=pk).label,
    "appraisal.Checklist": lambda pk: Checklist.objects.get(pk=pk).name,
    "appraisal.ExtractionForm": lambda pk: ExtractionForm.objects.get(pk=pk).name,
    "appraisal.ChecklistVersion": lambda pk: (
        (v := ChecklistVersion.objects.get(pk=pk)).checklist.name, v.number),
    "appraisal.FormVersion": lambda pk: ((v := FormVersion.objects.get(pk=pk)).form.name, v.number),
    "appraisal.Appraisal": lambda pk: _work_key(Appraisal.objects.get(pk=pk)),
    "appraisal.Extraction": lambda pk: _work_key(Extraction.objects.get(pk=pk)),
}  # fmt: skip


def appraisal_events(review: Review) -> list[tuple]:
    """Appraisal's events with every id of their `detail` checked to name a row of `review`
    and replaced by what that row is."""
    loose = archive.spec.LOOSE_REFS["reviews.AuditEvent"]
    out = []
    events = AuditEvent.objects.filter(
        review=review, kind__in=[AuditKind.CHECKLIST, AuditKind.FORM, AuditKind.SETTINGS]
    )
    for e in events.select_related("actor"):
        detail = dict(e.detail)
        for key, value in e.detail.items():
            if key.endswith("_id"):
                model = apps.get_model(loose[f"detail.{key}"])
                in_review = {archive.spec.review_lookup(model): review.pk}
                assert model._base_manager.filter(pk=value, **in_review).exists(), (key, e)
                detail[key] = NATURAL[loose[f"detail.{key}"]](value)
        out.append((e.kind, _name(e.actor), e.at.isoformat(), e.summary,
                    json.dumps(detail, sort_keys=True)))  # fmt: skip
    return sorted(out)


def _ids_below_the_top(value, top: bool = True) -> list[str]:
    if isinstance(value, dict):
        return [
            *(k for k in value if not top and (k == "id" or k.endswith("_id"))),
            *(p for v in value.values() for p in _ids_below_the_top(v, top=False)),
        ]
    if isinstance(value, list):
        return [p for v in value for p in _ids_below_the_top(v, top=False)]
    return []


def test_appraisal_events_name_the_new_rows_and_the_history_reads_the_same(
    built, lead, reviewer, second_reviewer, tmp_path
):
    appraisal_work(built, lead, reviewer, second_reviewer)
    before = appraisal_events(built)
    keys = {k for e in AuditEvent.objects.filter(review=built) for k in e.detail}
    assert {"study_id", "checklist_id", "checklist_version_id", "appraisal_id", "form_id",
            "form_version_id", "extraction_id"} <= keys  # fmt: skip
    # Every id an event carries is at the top of its detail and mapped by an archive import.
    loose = archive.spec.LOOSE_REFS["reviews.AuditEvent"]
    for e in AuditEvent.objects.filter(review=built):
        assert not _ids_below_the_top(e.detail), e.detail
        assert {f"detail.{k}" for k in e.detail if k.endswith("_id")} <= set(loose), e.detail

    def histories(review):
        return {
            i.name: [(h.at, h.actor, h.summary, h.lines)
                     for h in appraisal_selectors.instrument_history(i)]
            for i in [*Checklist.objects.filter(review=review),
                      *ExtractionForm.objects.filter(review=review)]
        }  # fmt: skip

    shown = histories(built)
    assert len(shown["Mine"]) == 3 and len(shown["Characteristics"]) == 4
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="copy")
    assert appraisal_events(copy) == before
    assert histories(copy) == shown
    # The copy's events name the copy's rows only (the original's would also "exist").
    mine = Checklist.objects.get(review=copy, name="Mine")
    assert AuditEvent.objects.filter(review=copy, detail__checklist_id=mine.pk).count() == 3


def test_a_loose_number_that_is_not_a_number_is_refused(good, lead, tmp_path):
    entry = "models/reviews.AuditEvent.jsonl"
    with zipfile.ZipFile(good) as zf:
        lines = zf.read(entry).decode().splitlines()
    row = json.loads(lines[0])
    row["detail"]["batch_id"] = ["1"]
    changed = "\n".join([json.dumps(row), *lines[1:]]).encode() + b"\n"

    def fix(m):
        m["files"][entry] = hashlib.sha256(changed).hexdigest()

    bad = rewrite(good, tmp_path / "bad.zip", change={entry: lambda _: changed}, manifest=fix)
    with pytest.raises(ArchiveError, match=r"AuditEvent.jsonl line 1: detail.batch_id should"):
        archive.archive_import(file=bad, user=lead, slug="hostile")
    assert not Review.objects.filter(slug="hostile").exists()


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

    def fix(m):
        m["files"][entry] = hashlib.sha256(changed).hexdigest()

    bad = rewrite(good, tmp_path / "bad.zip", change={entry: lambda _: changed}, manifest=fix)
    with pytest.raises(
        ArchiveError,
        match=r"screening.Decision.jsonl line 1: paper refers to reviews.Record 999999",
    ):
        archive.archive_import(file=bad, user=lead, slug="hostile")
    assert not Review.objects.filter(slug="hostile").exists()


@pytest.mark.parametrize("depth", [100, 100_000], ids=["past the bound", "past recursion"])
@pytest.mark.parametrize("where", ["manifest", "row"])
def test_deeply_nested_json_is_refused_with_a_message(good, lead, tmp_path, settings, where,
                                                      depth):  # fmt: skip
    """Issue #16: a deep nesting raised RecursionError (a 500)."""
    entry = "models/screening.Decision.jsonl"
    nested = "[" * depth + "]" * depth
    if where == "manifest":
        bad = rewrite(good, tmp_path / "bad.zip", manifest=lambda m: m.update(deep=0),
                      change={"manifest.json": lambda d: d[:-1] + f',"deep":{nested}}}'.encode()})  # fmt: skip
        message = r"manifest.json nests lists or objects more than 64 deep"
    else:
        with zipfile.ZipFile(good) as zf:
            lines = zf.read(entry).decode().splitlines()
        row = json.loads(lines[0])
        changed = "\n".join([json.dumps(row)[:-1] + f',"x":{nested}}}', *lines[1:]]).encode()

        def fix(m):
            m["files"][entry] = hashlib.sha256(changed).hexdigest()

        bad = rewrite(good, tmp_path / "bad.zip", change={entry: lambda _: changed}, manifest=fix)
        message = r"screening.Decision.jsonl line 1 nests lists or objects more than 64 deep"
    files = stored_files(settings)
    with pytest.raises(ArchiveError, match=message):
        archive.archive_import(file=bad, user=lead, slug="hostile")
    assert not Review.objects.filter(slug="hostile").exists()
    assert stored_files(settings) == files


def test_a_record_past_the_import_bounds_is_refused(good, lead, tmp_path):
    """An archive cannot bring in what an import file may not (issue #16's title)."""
    entry = "models/reviews.Record.jsonl"
    with zipfile.ZipFile(good) as zf:
        lines = zf.read(entry).decode().splitlines()
    row = json.loads(lines[0])
    row["title"] = "t" * 10_001
    changed = "\n".join([json.dumps(row), *lines[1:]]).encode() + b"\n"

    def fix(m):
        m["files"][entry] = hashlib.sha256(changed).hexdigest()

    bad = rewrite(good, tmp_path / "bad.zip", change={entry: lambda _: changed}, manifest=fix)
    with pytest.raises(ArchiveError, match=r"reviews.Record.jsonl line 1: title is 10,001 "
                                           r"characters long; Sift keeps at most 10,000"):  # fmt: skip
        archive.archive_import(file=bad, user=lead, slug="hostile")
    assert not Review.objects.filter(slug="hostile").exists()


# --- archives made by an older Sift ---------------------------------------------------------


def edit_rows(source: Path, target: Path, *, rows=None, drop_models=(), fmt=None) -> Path:
    """A copy of an archive with its rows edited (label -> row -> row), whole models left
    out as an archive made before they existed would, and the manifest to match."""
    rows = rows or {}
    with zipfile.ZipFile(source) as zf:
        changed = {}
        for label, edit in rows.items():
            entry = f"models/{label}.jsonl"
            lines = [json.loads(line) for line in zf.read(entry).decode().splitlines()]
            changed[entry] = "".join(json.dumps(edit(r)) + "\n" for r in lines).encode()
    dropped = [f"models/{label}.jsonl" for label in drop_models]

    def fix(m):
        for entry, data in changed.items():
            m["files"][entry] = hashlib.sha256(data).hexdigest()
        for label, entry in zip(drop_models, dropped, strict=True):
            del m["models"][label], m["files"][entry]
        if fmt is not None:
            m["format"] = fmt

    return rewrite(source, target, drop=dropped, manifest=fix,
                   change={e: (lambda _, d=d: d) for e, d in changed.items()})  # fmt: skip


def _without(*names):
    return lambda row: {k: v for k, v in row.items() if k not in names}


def test_an_archive_made_before_a_field_and_a_model_existed_imports(built, good, lead, tmp_path):
    """Made before `queue_failed_at` (ImportBatch, DedupRun) and AuditEvent existed: the
    field is filled with what its migration gave the rows of the time, the model has no
    rows, and the report says both."""
    before = snapshot(built)
    old = edit_rows(good, tmp_path / "old.zip", drop_models=["reviews.AuditEvent"], rows={
        "reviews.ImportBatch": _without("queue_failed_at"),
        "reviews.DedupRun": _without("queue_failed_at"),
    })  # fmt: skip
    copy = archive.archive_import(file=old, user=lead, slug="old")
    after = snapshot(copy)
    assert after["audit"] == [] and before["audit"]
    for key in before.keys() - {"audit"}:
        assert after[key] == before[key], key
    assert list(copy.batches.values_list("queue_failed_at", flat=True)) == [None]
    assert copy.dedup_run.queue_failed_at is None
    assert copy.archive_report.rows["reviews.AuditEvent"] == 0
    assert set(copy.archive_report.notes) >= {
        "The archive has no reviews.AuditEvent (made before it existed): none imported.",
        "The archive has no reviews.DedupRun.queue_failed_at (made before it existed): empty "
        "in 1 row.",
        "The archive has no reviews.ImportBatch.queue_failed_at (made before it existed): "
        "empty in 1 row.",
    }


def test_a_missing_field_with_no_default_or_an_unknown_field_is_refused(built, good, lead,
                                                                        tmp_path):  # fmt: skip
    batch = built.batches.get()
    cases = {
        "no_filename": (_without("filename"), rf"models/reviews.ImportBatch.jsonl line 1 "
                        rf"\(id {batch.pk}\): reviews.ImportBatch.filename is missing, and it "
                        "has no default"),
        "colour": (lambda r: r | {"colour": "red"}, rf"line 1 \(id {batch.pk}\): "
                   r"reviews.ImportBatch has no field colour \(was the archive made by a newer"),
    }  # fmt: skip
    for name, (edit, message) in cases.items():
        bad = edit_rows(good, tmp_path / f"{name}.zip", rows={"reviews.ImportBatch": edit})
        with pytest.raises(ArchiveError, match=message):
            archive.archive_import(file=bad, user=lead, slug="refused")
        assert not Review.objects.filter(slug="refused").exists()


def _format_1_dedup_event(row: dict) -> dict:
    """DedupEvent as format 1 wrote it: `record` and `other`, foreign keys."""
    row = dict(row)
    row["record"], row["other"] = row.pop("record_id"), row.pop("other_id")
    return row


def test_a_format_1_archive_names_dedup_records_by_their_old_fields(built, good, lead, tmp_path):
    assert archive.FORMAT == 3
    before = snapshot(built)
    assert any(e[2] for e in before["dedup_events"])  # events naming records
    old = edit_rows(good, tmp_path / "f1.zip", fmt=1,
                    rows={"reviews.DedupEvent": _format_1_dedup_event})  # fmt: skip
    assert snapshot(archive.archive_import(file=old, user=lead, slug="f1")) == before
    # The same rows in a current archive are not what this format writes: refused.
    wrong = edit_rows(good, tmp_path / "f2.zip", rows={"reviews.DedupEvent": _format_1_dedup_event})
    with pytest.raises(ArchiveError, match="reviews.DedupEvent has no field other, record"):
        archive.archive_import(file=wrong, user=lead, slug="f2")


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


def test_outcome_tables_round_trip_with_their_numbers(
    built, lead, reviewer, second_reviewer, tmp_path
):
    """An outcome table per arm keeps its numbers as numbers through an archive (#20)."""
    appraisal_work(built, lead, reviewer, second_reviewer)

    def tables(review):
        return sorted(
            (v.extraction.reviewer.username, v.extraction.is_consensus, json.dumps(v.value))
            for v in Value.objects.filter(
                extraction__review=review, field__kind="table"
            ).select_related("extraction__reviewer")
        )

    before = tables(built)
    assert before and '"n": 100' in before[0][2] and '"sd": 1.1' in before[0][2]
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="copy")
    assert tables(copy) == before


def test_a_resolution_travels_with_the_record_it_was_made_on(built, lead, tmp_path):
    """Resolution.record (issue #17): resolved on one record, that record then merged into
    another paper (the resolution counts there): both travel, and a split in the copy gives
    the resolution back to its own record."""
    resolution = Resolution.objects.get(review=built)
    made_on = resolution.record
    other = Record.objects.in_review(built).primaries().exclude(pk=made_on.pk).order_by("pk")
    target = next(r for r in other if not Resolution.objects.filter(paper=r).exists())
    review_services.dedup_decide(
        review=built, record=target, other=made_on, verdict=Verdict.SAME, user=lead
    )
    made_on.refresh_from_db()
    primary = made_on.duplicate_of_id
    assert primary == target.pk  # the attack's state: made on one record, counted on another
    resolution.refresh_from_db()
    assert (resolution.record_id, resolution.paper_id) == (made_on.pk, target.pk)
    before = snapshot(built)
    copy = archive.archive_import(
        file=archive.archive_export(review=built, out=tmp_path / "a.zip"), user=lead, slug="copy"
    )
    assert snapshot(copy) == before
    moved = Resolution.objects.get(review=copy)
    assert (moved.record.title, moved.paper.title) == (made_on.title, target.title)
    review_services.dedup_split(review=copy, record=moved.record, user=lead)
    moved.refresh_from_db()
    assert moved.paper_id == moved.record_id


def test_a_format_2_archive_gives_each_resolution_its_paper_as_the_record(
    built, good, lead, tmp_path
):
    """Made before Resolution.record existed: the rows take their paper, as the migration
    adding the field gave the rows of the time."""
    before = snapshot(built)
    assert all(r[0] == r[1] for r in before["resolutions"])
    old = edit_rows(good, tmp_path / "f2.zip", fmt=2,
                    rows={"screening.Resolution": _without("record")})  # fmt: skip
    copy = archive.archive_import(file=old, user=lead, slug="f2")
    assert snapshot(copy) == before
    # Lacking it in a format 3 archive is refused: the field has no default.
    wrong = edit_rows(good, tmp_path / "f3.zip", rows={"screening.Resolution": _without("record")})
    with pytest.raises(ArchiveError, match="screening.Resolution.record is missing"):
        archive.archive_import(file=wrong, user=lead, slug="f3")


def test_a_damaged_manifest_is_refused_with_a_message(good, lead, tmp_path):
    """The manifest's bytes no longer match their CRC (a damaged download): a message, not
    a raw BadZipFile."""
    bad = rewrite(good, tmp_path / "bad.zip")  # entries stored, so the JSON is plain bytes
    with zipfile.ZipFile(bad) as zf:
        offset = zf.getinfo("manifest.json").header_offset
    data = bad.read_bytes()
    at = data.index(b'"format"', offset)
    bad.write_bytes(data[:at] + b"'" + data[at + 1 :])
    reviews = Review.objects.count()
    with pytest.raises(ArchiveError, match=r"manifest\.json cannot be unpacked"):
        archive.archive_import(file=bad, user=lead, slug="damaged")
    assert Review.objects.count() == reviews


def test_field_properties_and_repeated_values_round_trip(
    built, lead, reviewer, second_reviewer, tmp_path
):
    """A form's units, ranges, required fields and repeating sections, and the values kept
    per instance (Arm 1, Arm 2) and their consensus, come back from an archive (#20)."""
    from tests.appraisal.test_extraction_fields import FORM as TRIAL_FORM
    from tests.appraisal.test_extraction_fields import FULL, save

    study = built.studies.get()
    form = appraisal_services.form_create(review=built, user=lead, name="Trial data",
                                          definition=TRIAL_FORM)  # fmt: skip
    version = form.versions.get()
    save(built, study, version, reviewer, submit=True, **FULL)
    save(built, study, version, second_reviewer, submit=True, **(FULL | {"n": ["120", "118"]}))
    n = version.fields.get(code="n")
    appraisal_services.extraction_consensus(
        review=built, study=study, version=version, user=lead,
        values={n.pk: appraisal_services.ValueInput(raw=["", "118"], method="discussion")},
    )  # fmt: skip

    def state(review):
        fields = sorted(
            (f.version.form.name, f.version.number, f.code, f.unit, f.min_value, f.max_value,
             f.required, f.repeat)
            for f in Field.objects.filter(version__form__review=review)
        )  # fmt: skip
        values = sorted(
            (v.field.code, v.extraction.reviewer.username, v.extraction.is_consensus,
             json.dumps(v.value), v.method)
            for v in Value.objects.filter(extraction__review=review, field__version__form__name=
                                          "Trial data").select_related("field", "extraction__reviewer")
        )  # fmt: skip
        return fields, values

    before = state(built)
    assert ("age", "lead", True, '"41.5"', "agreed") in before[1]
    assert ("n", "lead", True, '["120", "118"]', "discussion") in before[1]
    assert ("Trial data", 1, "age", "years", 18.0, 120.0, True, "") in before[0]
    assert ("Trial data", 1, "n", "participants", 0.0, 5000.0, True, "arm") in before[0]
    path = archive.archive_export(review=built, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="copy")
    assert state(copy) == before
