"""Reviews, their team and criteria, the sources searched, import batches and records.

Facts are stored, states derived: a record is visible once its batch is done; nothing here
holds a screening status (that is the screening app's Decision rows).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.jobs import JobRow
from lib.imports import fields_from_raw


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"


class Review(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80, unique=True)
    question = models.TextField(blank=True)
    date_from = models.DateField(null=True, blank=True, help_text="Earliest date searched")
    date_to = models.DateField(null=True, blank=True, help_text="Latest date searched")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The member looking, never stored: set by reviews.access.review_for_user (the only
    # writer), read by screening.access.viewer_of (the Viewer) and the menus' templates.
    viewer: Member | None = None

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_from__lte=models.F("date_to")),
                name="review_date_limits_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Member(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    added_at = models.DateTimeField(auto_now_add=True)
    seat = models.PositiveIntegerField(
        default=0,
        help_text="Order of joining the team: it gives each member a screening order of their "
        "own that does not change when others leave",
    )

    class Meta:
        ordering = ["role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.review_id}"


class CriterionKind(models.TextChoices):
    INCLUDE = "include", "Inclusion"
    EXCLUDE = "exclude", "Exclusion"


class Criterion(models.Model):
    """One criterion item, e.g. `E3 Clinical outcomes only`; exclusion items become reasons."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=16, choices=CriterionKind.choices)
    code = models.CharField(max_length=16)
    text = models.TextField()
    label = models.CharField(
        max_length=80,
        blank=True,
        default="",
        db_default="",
        help_text="Short name for the PRISMA diagram's reasons (blank: the text)",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["review", "code"], name="criterion_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def reason_label(self) -> str:
        """How the PRISMA diagram names this reason."""
        return self.label or self.text


class SourceType(models.TextChoices):
    DATABASE = "database", "Database"
    REGISTER = "register", "Register"
    WEBSITE = "website", "Website"
    ORGANISATION = "organisation", "Organisation"
    CITATION_SEARCHING = "citation_searching", "Citation searching"
    CONTACT = "contact", "Contact"
    OTHER = "other", "Other"


class Arm(models.TextChoices):
    """PRISMA 2020's two identification columns."""

    DATABASES_REGISTERS = "dbr", "Databases and registers"
    OTHER_METHODS = "other", "Other methods"


def default_arm(source_type: str) -> str:
    if source_type in (SourceType.DATABASE, SourceType.REGISTER):
        return Arm.DATABASES_REGISTERS
    return Arm.OTHER_METHODS


class Source(models.Model):
    """A source searched (PRISMA-S items 1-7); its searches carry the dates and strategies."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=200)
    platform = models.CharField(max_length=200, blank=True, help_text="Blank: not reported")
    source_type = models.CharField(max_length=32, choices=SourceType.choices)
    arm = models.CharField(
        max_length=8,
        choices=Arm.choices,
        help_text="PRISMA column; defaults from the type, a lead may override it",
    )
    pooled_into_screening = models.BooleanField(
        default=True, help_text="Records from this source were screened with the others"
    )
    notes = models.TextField(blank=True)
    column_mapping = models.JSONField(
        default=dict, blank=True, help_text="Spreadsheet header -> Sift field, as last confirmed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="source_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arm_overridden(self) -> bool:
        return self.arm != default_arm(self.source_type)


class Search(models.Model):
    """One search run in a source (PRISMA-S items 8, 9, 13, 15)."""

    EDITABLE = (
        "label",
        "date_run",
        "date_limits_from",
        "date_limits_to",
        "strategy",
        "limits",
        "filters",
        "records_reported",
    )

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="searches")
    label = models.CharField(max_length=200, blank=True)
    date_run = models.DateField(null=True, blank=True, help_text="Blank: not reported")
    date_limits_from = models.DateField(null=True, blank=True)
    date_limits_to = models.DateField(null=True, blank=True)
    strategy = models.TextField(blank=True, help_text="The strategy exactly as run")
    limits = models.TextField(blank=True, help_text="Other limits (language, design ...)")
    filters = models.TextField(blank=True, help_text="Published search filters used")
    records_reported = models.PositiveIntegerField(
        null=True, blank=True, help_text="Records the source reported; blank: not reported"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "created_at", "id"]
        verbose_name_plural = "searches"

    def __str__(self) -> str:
        return self.label or f"Search {self.pk}"


class BatchStatus(models.TextChoices):
    PREVIEWING = "previewing", "Reading the file"
    READY = "ready", "Waiting for your confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    UNDONE = "undone", "Undone"


ACTIVE_BATCH_STATUSES = (BatchStatus.QUEUED, BatchStatus.RUNNING)  # an import job holds it
BUSY_BATCH_STATUSES = (BatchStatus.PREVIEWING, *ACTIVE_BATCH_STATUSES)  # the page polls


def batch_upload_path(batch: ImportBatch, filename: str) -> str:
    return f"imports/review-{batch.review_id}/{batch.sha256[:2]}/{batch.sha256}"


class ImportBatch(JobRow, models.Model):
    """One uploaded file. The row is the job's source of truth; the page polls it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="batches")
    # RESTRICT: a source with imports cannot be deleted alone, but deleting its review
    # (which deletes the batches too) can.
    source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="batches")
    search = models.ForeignKey(
        Search, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=batch_upload_path, max_length=300, blank=True)
    filename = models.CharField(max_length=300)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=BatchStatus.choices)
    format = models.CharField(max_length=32, blank=True)
    encoding = models.CharField(max_length=32, blank=True)
    bytes_done = models.BigIntegerField(default=0)
    records_found = models.PositiveIntegerField(default=0)
    records_stored = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=dict, blank=True, help_text="What a first read found")
    column_mapping = models.JSONField(default=dict, blank=True)
    exclude_problems = models.JSONField(
        default=list, blank=True, help_text="Problem codes whose records the lead left out"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the run reading it"
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its current job (preview or import) was queued"
    )
    queue_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its job could not be sent to the broker"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in BUSY_BATCH_STATUSES

    # The job protocol (config.jobs): waiting for a worker, then a run that beats.
    job_waiting = (BatchStatus.QUEUED, BatchStatus.PREVIEWING)
    job_working = (BatchStatus.RUNNING, BatchStatus.PREVIEWING)

    @property
    def job_kind(self) -> str:
        return "preview" if self.status == BatchStatus.PREVIEWING else "import"

    def job_queued_since(self):
        return self.queued_at or self.created_at

    @property
    def percent(self) -> int:
        if self.status == BatchStatus.DONE:
            return 100
        if not self.size:
            return 0
        return min(99, int(100 * self.bytes_done / self.size))


class RecordQuerySet(models.QuerySet):
    def visible(self) -> RecordQuerySet:
        """Records of finished imports: a running or failed batch's rows are never shown."""
        return self.filter(batch__status=BatchStatus.DONE)

    def in_review(self, review: Review) -> RecordQuerySet:
        return self.filter(review=review).visible()

    def primaries(self) -> RecordQuerySet:
        """One record per paper: checked by deduplication and not a duplicate of another.
        Screening only ever offers these; a record not yet checked waits."""
        return self.filter(dedup_checked=True, duplicate_of__isnull=True)

    def duplicates(self) -> RecordQuerySet:
        return self.filter(duplicate_of__isnull=False)


class Record(models.Model):
    """One imported title/abstract record, with everything the file held about it."""

    # No single-column indexes on these two: (review, year) and (batch, ordinal) lead with
    # them, and every extra index costs time on each of 100,000 inserted rows.
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    ordinal = models.PositiveIntegerField(help_text="Position in the file, from 1")
    # The record's number in its review (1, 2, 3 ... in import order), the one people see
    # and say ("#12"); URLs keep the primary key. Empty while its import runs: the import
    # numbers its records when it finishes (imports.record_numbers_assign).
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Number in the review")
    source_line = models.PositiveIntegerField(help_text="Line (CSV: row) where it starts")
    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    authors_text = models.TextField(blank=True, help_text="Authors joined, for searching")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.TextField(blank=True)
    volume = models.CharField(max_length=100, blank=True)
    issue = models.CharField(max_length=100, blank=True)
    pages = models.CharField(max_length=100, blank=True)
    doi = models.CharField(max_length=300, blank=True, db_index=True)
    pmid = models.CharField(max_length=20, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    url = models.TextField(blank=True)
    language = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=100, blank=True)
    raw_text = models.TextField(help_text="The record as it was in the file (CSV: header and row)")
    warnings = models.JSONField(default=list, blank=True)
    # Deduplication. duplicate_of, dedup_rule and dedup_score are derived: each run of the
    # matcher rewrites them from the records and the leads' DedupDecision rows. The import
    # writes rows without these columns, hence the database defaults.
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # DO_NOTHING on every reference to a record, so that deleting a 100,000-record
        # batch stays one DELETE: dedup_forget_batch() clears the references first.
        on_delete=models.DO_NOTHING,
        related_name="duplicates",
        help_text="The cluster's primary record, when this one is a duplicate of it",
    )
    dedup_rule = models.CharField(max_length=120, blank=True, default="", db_default="")
    dedup_score = models.FloatField(null=True, blank=True)
    dedup_checked = models.BooleanField(
        default=False, db_default=False, help_text="Compared with the review's other records"
    )
    primary_pinned = models.BooleanField(
        default=False, db_default=False, help_text="A lead chose it as its cluster's primary"
    )
    # Two random keys drawn at import: screening walks records in the order of one of them
    # (ascending or descending), so each reviewer sees a different stable order that an
    # index can serve on 100,000 records.
    shuffle_a = models.PositiveIntegerField(default=0, db_default=0)
    shuffle_b = models.PositiveIntegerField(default=0, db_default=0)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["batch_id", "ordinal"]
        constraints = [
            # A safety net: an import that ran twice at once would fail, not duplicate.
            models.UniqueConstraint(fields=["batch", "ordinal"], name="record_position_in_batch"),
            models.UniqueConstraint(fields=["review", "number"], name="record_number_in_review"),
        ]
        indexes = [
            models.Index(fields=["review", "year"], name="record_review_year"),
            models.Index(fields=["review", "dedup_checked"], name="record_review_checked"),
            models.Index(fields=["review", "shuffle_a"], name="record_review_shuffle_a"),
            models.Index(fields=["review", "shuffle_b"], name="record_review_shuffle_b"),
            # Small partial indexes for the PRISMA counts of a large review: the duplicates
            # removed, and the papers screened (counted from the index alone).
            models.Index(
                fields=["review"],
                condition=Q(duplicate_of__isnull=False),
                name="record_review_duplicates",
            ),
            models.Index(
                fields=["review", "batch"],
                condition=Q(duplicate_of__isnull=True, dedup_checked=True),
                name="record_review_papers",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80] or f"Record #{self.label_number}"

    @property
    def label_number(self) -> int | str:
        """The number shown to people: the review's own, else (a record written outside an
        import, in a test) the primary key."""
        return self.number if self.number is not None else self.pk

    @property
    def raw_field_items(self) -> list[tuple[str, list[str]]]:
        """Every imported tag or column with its values, in file order, derived from the
        stored text with the importer's own parser (the text is the fact)."""
        fields = fields_from_raw(self.batch.format, self.raw_text)
        return [
            (tag, [str(v) for v in value] if isinstance(value, list) else [str(value)])
            for tag, value in fields.items()
        ]


class Verdict(models.TextChoices):
    SAME = "same", "Same paper"
    DIFFERENT = "different", "Different papers"


class DedupDecision(models.Model):
    """A lead's answer about two records (the fact every later run of the matcher obeys).
    One row per pair, the lower record id first; its history is in DedupEvent."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="dedup_decisions")
    record_a = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    record_b = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="dedup_decision_pair"),
            models.CheckConstraint(
                condition=Q(record_a__lt=models.F("record_b")), name="dedup_decision_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_a_id} / {self.record_b_id}: {self.verdict}"


class PairKind(models.TextChoices):
    PROBABLE = "probable", "Probable duplicate"
    RELATED = "related", "Related (preprint and published version)"


class DedupPair(models.Model):
    """A pair the matcher was unsure about, waiting for a lead (derived: each run rewrites
    the review's pairs; answering one deletes it)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="dedup_pairs")
    record_a = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    record_b = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    kind = models.CharField(max_length=16, choices=PairKind.choices)
    rule = models.CharField(max_length=120)
    score = models.FloatField()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="dedup_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.record_a_id} / {self.record_b_id} ({self.score:.2f})"


class DedupAction(models.TextChoices):
    RUN = "run", "Automatic run"
    SAME = "same", "Marked the same paper"
    DIFFERENT = "different", "Marked different papers"
    SPLIT = "split", "Split from its cluster"
    PRIMARY = "primary", "Chose the primary record"


class HistoryIsAppendOnly(Exception):
    """Raised by any attempt to change or delete a history row."""


class AppendOnlyQuerySet(models.QuerySet):
    """History rows are written once: no update() or delete() through the model's manager.
    Deleting a whole review still deletes its history: the cascade goes through Django's
    `_base_manager`, a plain manager, never through this queryset."""

    def update(self, **kwargs):
        raise HistoryIsAppendOnly(f"{self.model.__name__} rows are history: never updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise HistoryIsAppendOnly(f"{self.model.__name__} rows are history: never updated.")

    def delete(self):
        raise HistoryIsAppendOnly(f"{self.model.__name__} rows are history: never deleted.")


class AppendOnlyModel(models.Model):
    """An append-only history row (audit): save() inserts only, delete() refuses."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsAppendOnly(f"{type(self).__name__} rows are history: never updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsAppendOnly(f"{type(self).__name__} rows are history: never deleted.")


class DedupEvent(AppendOnlyModel):
    """Append-only log of deduplication: who changed what and when, and each run's counts.

    `record_id` and `other_id` are plain numbers, not foreign keys (like
    `AuditEvent.record_id`): undoing an import deletes its records, and the log must still
    say which records a decision was about without any row of it being changed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="dedup_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # history names who acted: never rewritten (as votes)
        related_name="+",
        help_text="Empty for the automatic run",
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=DedupAction.choices)
    # Indexed each: a record's history asks for the events naming it as either one.
    record_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    other_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class AuditKind(models.TextChoices):
    """What an AuditEvent records. Votes (DecisionEvent) and deduplication (DedupEvent)
    have history tables of their own."""

    IMPORT = "import", "Import"
    IMPORT_UNDO = "import_undo", "Import undone"
    IMPORT_CANCEL = "import_cancel", "Import cancelled"
    IMPORT_FAIL = "import_fail", "Import failed"
    RESOLUTION = "resolution", "Conflict resolved"
    REOPEN = "reopen", "Vote reopened"
    STOP = "stop", "Screening stopped early"
    STOP_UNDO = "stop_undo", "Early stop undone"
    CHECKLIST = "checklist", "Checklist edited"
    FORM = "form", "Extraction form edited"
    SETTINGS = "settings", "Settings changed"
    RECORD_EDIT = "record_edit", "Record corrected"
    NOTE = "note", "Note written"
    NOTE_DELETE = "note_delete", "Note deleted"


class AuditEvent(AppendOnlyModel):
    """Append-only audit trail of the review's changes that are not votes or deduplication:
    imports and their undoing, resolutions, early stops, checklist and form edits.

    `record_id` is a plain number, not a foreign key: undoing an import deletes its records,
    and their history must still say which records they were."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="audit_events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # history names who acted: never rewritten (as votes)
        related_name="+",
        help_text="Empty for the background worker",
    )
    kind = models.CharField(max_length=20, choices=AuditKind.choices)
    record_id = models.BigIntegerField(null=True, blank=True)
    stage = models.CharField(max_length=20, blank=True)
    summary = models.CharField(max_length=500)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["review", "record_id"], name="audit_review_record"),
            models.Index(fields=["review", "at"], name="audit_review_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}: {self.summary}"


class DedupStatus(models.TextChoices):
    IDLE = "idle", "Up to date"
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed"


class DedupRun(JobRow, models.Model):
    """The review's deduplication job (one row per review): the job's source of truth.

    `version` counts changes that make the clusters out of date (an import finished or was
    undone, a lead's decision); a run remembers the version it read and writes its result
    only if nothing changed meanwhile, otherwise it reads again."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="dedup_run")
    version = models.PositiveIntegerField(default=0)
    done_version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=DedupStatus.choices, default=DedupStatus.IDLE)
    token = models.PositiveIntegerField(default=0, help_text="Which run holds the job")
    phase = models.CharField(max_length=40, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    queue_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its run could not be sent to the broker"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Deduplication of {self.review_id}: {self.get_status_display()}"

    @property
    def up_to_date(self) -> bool:
        return self.status == DedupStatus.IDLE and self.done_version == self.version

    @property
    def percent(self) -> int:
        if self.up_to_date:
            return 100
        if not self.total:
            return 0
        return min(99, int(100 * self.done / self.total))

    # The job protocol (config.jobs). A run's last heartbeat stays on the row between runs,
    # so a queued run waits whatever its heartbeat says.
    job_kind = "dedup"
    job_waiting = (DedupStatus.QUEUED,)
    job_working = (DedupStatus.RUNNING,)

    def job_queued_since(self):
        return self.queued_at

    def job_is_waiting(self) -> bool:
        return self.status == DedupStatus.QUEUED
