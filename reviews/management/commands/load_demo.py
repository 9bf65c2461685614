"""Create the demo review (the reference review of ../shared/spec/seed-review.md) and its users.

Safe to run again: an existing demo review is left as it is (use --reset to rebuild it),
and the demo users' credentials are printed every time.
"""

from __future__ import annotations

import io
import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import demo_files, review_spec
from reviews import services
from reviews.models import BatchStatus, Record, Review, Role
from reviews.services.reviews import CriterionItem

# Local demo accounts only; override with SIFT_DEMO_PASSWORD for a shared demo server.
DEMO_USERS = [
    ("admin", "Site administrator", True),
    ("lead", "Katherine Lead", False),
    ("reviewer1", "Clare Reviewer", False),
    ("reviewer2", "Nicola Reviewer", False),
]


class Command(BaseCommand):
    help = "Create the demo review 'demo' with its sources, 1288 imported records and users."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete and rebuild the demo")

    def handle(self, *args, **options):
        self._generated: dict[str, str] = {}
        self._created: set[str] = set()
        users = self._users()
        spec = review_spec()
        existing = Review.objects.filter(slug=spec.slug).first()
        if existing and options["reset"]:
            existing.delete()
            existing = None
        if existing:
            self.stdout.write(
                f"Demo review already there: /reviews/{spec.slug}/ (--reset rebuilds it)"
            )
        else:
            review = self._review(spec, users)
            self._import(review, spec)
            self._screen(review)
        self._print_credentials()

    def _password(self, username: str) -> str:
        """Published demo passwords only on the embedded SQLite set-up; on a server
        database, SIFT_DEMO_PASSWORD or a random one (printed once, when created)."""
        if os.environ.get("SIFT_DEMO_PASSWORD"):
            return os.environ["SIFT_DEMO_PASSWORD"]
        if not settings.DATABASE_URL:
            return f"sift-{username}-demo"
        if username not in self._generated:
            self._generated[username] = secrets.token_urlsafe(12)
        return self._generated[username]

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, full_name, is_admin in DEMO_USERS:
            first, _, last = full_name.partition(" ")
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                },
            )
            if created:
                self._created.add(username)
                user.set_password(self._password(username))
                user.is_staff = user.is_superuser = is_admin
                user.save()
            users[username] = user
        return users

    @transaction.atomic
    def _review(self, spec, users) -> Review:
        review = services.review_create(
            user=users["lead"],
            title=spec.title,
            slug=spec.slug,
            question=spec.question,
            date_from=spec.date_limits_from,
            date_to=spec.date_limits_to,
            inclusion=[
                CriterionItem(c.code, c.text, c.label) for c in spec.criteria if c.kind == "include"
            ],
            exclusion=[
                CriterionItem(c.code, c.text, c.label) for c in spec.criteria if c.kind == "exclude"
            ],
        )
        if review.slug != spec.slug:
            raise CommandError(f"Slug {spec.slug!r} is taken by another review.")
        for name in ("reviewer1", "reviewer2"):
            services.member_add(review=review, username=name, role=Role.REVIEWER)
        for source_spec in spec.sources:
            source = services.source_create(
                review=review,
                name=source_spec.name,
                platform=source_spec.platform,
                source_type=source_spec.source_type,
                arm=source_spec.arm,
                pooled_into_screening=source_spec.pooled_into_screening,
                notes=source_spec.notes,
            )
            for search in source_spec.searches:
                services.search_create(
                    source=source,
                    label=search.label,
                    date_run=search.date_run,
                    date_limits_from=search.date_limits_from,
                    date_limits_to=search.date_limits_to,
                    strategy=search.strategy,
                    records_reported=search.records_reported,
                )
        return review

    def _import(self, review: Review, spec) -> None:
        lead = review.members.get(role=Role.LEAD).user
        for demo_file in demo_files():
            source = review.sources.get(name=demo_file.source_name)
            search = source.searches.get(label=demo_file.search_label)
            batch = services.import_batch_start(
                review=review,
                source=source,
                search=search,
                upload=ContentFile(demo_file.text.encode("utf-8"), name=demo_file.filename),
                filename=demo_file.filename,
                user=lead,
                preview=False,
                enqueue=False,  # imported here and now, so the demo is complete on start
            )
            batch = services.import_batch_run(batch_id=batch.pk, request_dedup=False)
            if batch.status != BatchStatus.DONE or batch.records_stored != search.records_reported:
                raise CommandError(
                    f"Demo file {demo_file.filename}: {batch.records_stored} records stored, "
                    f"{search.records_reported} expected ({batch.errors})"
                )
        total = Record.objects.in_review(review).count()
        # Deduplicated here and now too, once for all twelve files, so screening can start
        # the moment the server is up.
        services.dedup_request(review_id=review.pk, enqueue=False)
        services.dedup_run(review_id=review.pk)
        papers = Record.objects.in_review(review).primaries().count()
        if papers != spec.records_after_duplicates:
            raise CommandError(
                f"Deduplication left {papers} records, {spec.records_after_duplicates} expected"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo review created: /reviews/{review.slug}/ with {review.sources.count()} "
                f"sources and {total} records imported from {len(demo_files())} files; "
                f"{total - papers} duplicates removed, {review.dedup_pairs.count()} pairs "
                "left for the lead in the deduplication queue."
            )
        )

    def _screen(self, review: Review) -> None:
        """Both demo reviewers have screened every record at title/abstract, with 65
        conflicts that the lead has resolved: 895 excluded, 163 on to full text. Written in
        bulk (a seed, not a user's action); the rows are the same facts the services write."""
        from demo import demo_papers
        from demo.screening import screening_plan
        from screening.models import Stage

        files = {f.filename: f.paper_ids for f in demo_files()}
        paper_of: dict[int, int] = {}
        for batch in review.batches.filter(status=BatchStatus.DONE):
            ids = files[batch.filename]
            primaries = batch.records.filter(duplicate_of__isnull=True)
            for pk, ordinal in primaries.values_list("pk", "ordinal"):
                paper_of[pk] = ids[ordinal - 1]
        plan = screening_plan(demo_papers())
        users = {m.user.username: m.user for m in review.members.select_related("user")}
        first, second, lead = users["reviewer1"], users["reviewer2"], users["lead"]
        reasons = {c.code: c for c in review.criteria.all()}
        rows = _Votes(review, Stage.TITLE_ABSTRACT, (first, second, lead), reasons)
        for record_id, paper_id in sorted(paper_of.items()):
            rows.add(record_id, plan[paper_id], note="Discussed at the screening meeting.")
        resolutions = rows.save()
        self.stdout.write(
            f"Title/abstract screening: {len(paper_of)} records screened by reviewer1 and "
            f"reviewer2, {len(resolutions)} conflicts resolved by the lead."
        )
        self._full_texts(review, paper_of, (first, second, lead), reasons)
        self._appraise(review, paper_of, (first, second, lead))

    def _full_texts(self, review: Review, paper_of: dict, users: tuple, reasons: dict) -> None:
        """The 163 full texts: retrieved (PDFs generated here), screened by both reviewers
        with a few conflicts the lead resolved: 132 excluded with reasons, 31 studies."""
        from django.core.files.base import ContentFile as Content

        from demo import demo_papers
        from demo.screening import fulltext_plan
        from lib.fulltext import make_pdf, read_pdf
        from screening.models import (
            Report,
            Retrieval,
            Stage,
            Study,
        )
        from screening.services.fulltexts import study_label

        lead = users[2]
        papers = {p.id: p for p in demo_papers()}
        plan = fulltext_plan(list(papers.values()))
        record_of = {pid: rid for rid, pid in paper_of.items() if pid in plan}
        records = Record.objects.in_bulk(list(record_of.values()))
        rows = _Votes(review, Stage.FULL_TEXT, users, reasons)
        for pid, record_id in sorted(record_of.items(), key=lambda item: item[1]):
            paper, record = papers[pid], records[record_id]
            body = [s.strip() + "." for s in paper.abstract.split(". ") if s.strip()]
            pdf = make_pdf(paper.title, body, doi=paper.doi)
            info = read_pdf(io.BytesIO(pdf), filename=f"record-{record_id}.pdf")
            report = Report(
                review=review, record=record, retrieval=Retrieval.RETRIEVED,
                pdf_name=f"{study_label(record)}.pdf", pdf_sha256=info.sha256,
                pdf_pages=info.pages, pdf_size=info.size, updated_by=lead,
            )  # fmt: skip
            report.pdf.save(f"{record_id}.pdf", Content(pdf), save=False)
            votes = plan[pid]
            final = votes.resolution or votes.first
            if final.verdict == "include":
                report.study = Study.objects.create(review=review, label=study_label(record))
            report.save()
            rows.add(record_id, votes, note="Re-examined together.")
        resolutions = rows.save()
        self.stdout.write(
            f"Full texts: {len(record_of)} retrieved and screened, {len(resolutions)} "
            f"conflicts resolved, {review.studies.count()} studies included."
        )

    def _appraise(self, review: Review, paper_of: dict, users: tuple) -> None:
        """The 31 studies appraised with the reference checklists by both reviewers (a few
        differences settled by the lead) and extracted with the demo form. Checklists and
        the form through their services; the answer rows in bulk, as in `_Votes`."""
        from appraisal import services as appraisal_services
        from appraisal.models import Answer, Appraisal, Extraction, StudyDesign, Value
        from demo import demo_papers
        from demo.appraisal import EXTRACTION_FORM, EXTRACTION_FORM_NAME, appraisal_plan

        first, second, lead = users
        plan = appraisal_plan(demo_papers())
        checklists = {
            design: appraisal_services.checklist_add_builtin(review=review, user=lead, key=key)
            for design, key in (("qualitative", "seed_qualitative"),
                                ("quantitative", "seed_quantitative"))
        }  # fmt: skip
        form = appraisal_services.form_create(
            review=review, user=lead, name=EXTRACTION_FORM_NAME, definition=EXTRACTION_FORM
        )
        fields = {f.code: f for f in form.versions.get().fields.all()}
        questions = {d: list(c.versions.get().questions.all()) for d, c in checklists.items()}
        studies = review.studies.prefetch_related("reports")
        now = timezone.now()
        designs, appraisals, answers, extractions, values = [], [], [], [], []
        for study in studies:
            item = plan[paper_of[study.reports.all()[0].record_id]]
            designs.append(StudyDesign(review=review, study=study, design=item.design, set_by=lead))
            version = checklists[item.design].versions.get()
            rows = [(first, item.first, False), (second, item.second, False)]
            if item.consensus is not None:
                q, agreed, _ = item.consensus
                rows.append((lead, item.first[:q] + (agreed,) + item.first[q + 1 :], True))
            for who, given, consensus in rows:
                entry = Appraisal(review=review, study=study, version=version, reviewer=who,
                                  is_consensus=consensus, submitted_at=now,
                                  comment="Re-examined together." if consensus else "")  # fmt: skip
                appraisals.append(entry)
                pairs = zip(questions[item.design], given, strict=True)
                for n, (question, answer) in enumerate(pairs):
                    method = ""
                    if consensus:
                        method = item.consensus[2] if n == item.consensus[0] else "agreed"
                    answers.append(Answer(appraisal=entry, question=question, answer=answer,
                                          method=method))  # fmt: skip
            entries = [(first, item.values["setting"], False),
                       (second, item.second_setting, False)]  # fmt: skip
            if item.second_setting != item.values["setting"]:
                entries.append((lead, item.values["setting"], True))
            for who, setting, consensus in entries:
                entry = Extraction(review=review, study=study, version=form.versions.get(),
                                   reviewer=who, is_consensus=consensus, submitted_at=now)  # fmt: skip
                extractions.append(entry)
                for code, field in fields.items():
                    value = setting if code == "setting" else item.values[code]
                    method = ("discussion" if code == "setting" else "agreed") if consensus else ""
                    values.append(Value(extraction=entry, field=field, value=value, method=method))
        StudyDesign.objects.bulk_create(designs)
        Appraisal.objects.bulk_create(appraisals)
        Answer.objects.bulk_create(answers, batch_size=500)
        Extraction.objects.bulk_create(extractions)
        Value.objects.bulk_create(values, batch_size=500)
        self.stdout.write(
            f"Appraisal: {len(designs)} studies appraised by reviewer1 and reviewer2 "
            f"({sum(1 for a in appraisals if a.is_consensus)} consensus decisions); extraction "
            f"form filled in for every study."
        )

    def _print_credentials(self) -> None:
        self.stdout.write("Demo users (username / password):")
        for username, _, is_admin in DEMO_USERS:
            role = (
                "administrator (creates accounts at /admin/)"
                if is_admin
                else (
                    "lead of the demo review"
                    if username == "lead"
                    else "reviewer in the demo review"
                )
            )
            if username in self._created or not settings.DATABASE_URL:
                shown = self._password(username)
            else:
                shown = "(as set when it was created)"
            self.stdout.write(f"  {username:<10} / {shown:<22} {role}")


class _Votes:
    """The demo's decision, history and resolution rows for one stage, written in bulk."""

    def __init__(self, review: Review, stage: str, users: tuple, reasons: dict):
        self.review, self.stage, self.users, self.reasons = review, stage, users, reasons
        self.decisions: list = []
        self.events: list = []
        self.resolutions: list = []

    def add(self, record_id: int, votes, *, note: str) -> None:
        from screening.models import Decision, DecisionEvent, Resolution

        first, second, lead = self.users
        for who, vote in ((first, votes.first), (second, votes.second)):
            self.decisions.append(Decision(
                review=self.review, record_id=record_id, paper_id=record_id, reviewer=who,
                stage=self.stage, verdict=vote.verdict, reason=self.reasons.get(vote.reason),
            ))  # fmt: skip
            self.events.append(DecisionEvent(
                review=self.review, record_id=record_id, reviewer=who, stage=self.stage,
                new_verdict=vote.verdict, new_reason=vote.reason,
            ))  # fmt: skip
        if votes.resolution is not None:
            self.resolutions.append(Resolution(
                review=self.review, record_id=record_id, paper_id=record_id, stage=self.stage,
                verdict=votes.resolution.verdict,
                reason=self.reasons.get(votes.resolution.reason), note=note, resolved_by=lead,
            ))  # fmt: skip

    def save(self) -> list:
        from screening.models import Decision, DecisionEvent, Resolution

        Decision.objects.bulk_create(self.decisions, batch_size=500)
        DecisionEvent.objects.bulk_create(self.events, batch_size=500)
        Resolution.objects.bulk_create(self.resolutions, batch_size=500)
        return self.resolutions
