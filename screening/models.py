"""Screening: each reviewer's decision on each paper at each stage, and the resolutions of
conflicts. Facts only: "included", "excluded", "conflict" and "awaiting a second reviewer"
are derived by selectors from these rows, never stored in a status column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from config.jobs import JobRow
from lib.screening.labels import disambiguate
from reviews.models import AppendOnlyModel, Criterion, Record, Review


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title and abstract"
    FULL_TEXT = "full_text", "Full text"


class Verdict(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"


class Order(models.TextChoices):
    RANDOM = "random", "Stable random order, different for each reviewer"
    IMPORT = "import", "Import order"
    RELEVANCE = "relevance", "By predicted relevance (learns from the decisions)"


class StageSettings(models.Model):
    """How a review runs one stage. Created with defaults the first time it is needed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="stage_settings")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewers_required = models.PositiveSmallIntegerField(
        default=2,
        choices=[(1, "One reviewer per record"), (2, "Two independent reviewers per record")],
    )
    maybe_counts_as_include = models.BooleanField(
        default=True, help_text="Count Maybe as Include for agreement and for moving on"
    )
    order = models.CharField(max_length=10, choices=Order.choices, default=Order.RANDOM)
    resolver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A named third reviewer who may resolve conflicts (leads always may)",
    )
    resolver_may_have_screened = models.BooleanField(
        default=False, help_text="Let someone resolve a conflict on a record they screened"
    )
    reasons_must_agree = models.BooleanField(
        default=True,
        help_text="Two exclusions for different reasons are a conflict too (full text: PRISMA "
        "reports one reason per excluded report)",
    )
    include_terms = models.TextField(blank=True, help_text="Highlighted in green; one a line")
    exclude_terms = models.TextField(blank=True, help_text="Highlighted in red; one a line")

    class Meta:
        verbose_name_plural = "stage settings"
        constraints = [
            models.UniqueConstraint(fields=["review", "stage"], name="stage_settings_once"),
            models.CheckConstraint(
                condition=Q(reviewers_required__in=[1, 2]), name="stage_reviewers_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} / {self.get_stage_display()}"


class Decision(models.Model):
    """One reviewer's current vote on one record at one stage (changes are kept in
    DecisionEvent). `paper` is the primary record of the record's duplicate cluster, kept in
    step by a hook on deduplication, so a decision stays with the paper when the record it
    was made on turns out to be a duplicate."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    # DO_NOTHING: an import whose records were screened cannot be undone (the undo guard
    # refuses, under the batch's row lock), and the database's foreign key backs that up.
    record = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    paper = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screening_decisions"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason_other = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not stored: on the vote `decision_record(advance=True)` returns, the reviewer's place in
    # their order after it (the view offers the next record from there).
    position: int | None = None

    class Meta:
        constraints = [
            # The fact's identity: a double click or two tabs can never make a second one.
            models.UniqueConstraint(
                fields=["record", "reviewer", "stage"], name="decision_once_per_reviewer"
            ),
        ]
        indexes = [
            models.Index(fields=["paper", "stage"], name="decision_paper_stage"),
            models.Index(fields=["review", "stage", "reviewer"], name="decision_reviewer"),
            # The PRISMA counts group a stage's votes by paper: on PostgreSQL an index-only
            # scan, already in paper order (SQLite ignores `include`).
            models.Index(
                fields=["review", "stage", "paper"],
                include=["reviewer", "verdict", "reason", "reason_other"],
                name="decision_stage_paper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.record_id}: {self.verdict}"


class DecisionEvent(AppendOnlyModel):
    """Append-only history of every decision change: who, old, new, when."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)
    old_verdict = models.CharField(max_length=10, blank=True)
    new_verdict = models.CharField(max_length=10, blank=True, help_text="Empty: withdrawn")
    old_reason = models.CharField(max_length=300, blank=True)
    new_reason = models.CharField(max_length=300, blank=True)
    # A fixed vote withdrawn by a lead (services.decision_reopen): who, and why.
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopen_reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["record", "stage"], name="decision_event_record")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.record_id}: {self.old_verdict or '-'} -> {self.new_verdict or '-'}"


class Resolution(models.Model):
    """The final verdict on a paper whose reviewers disagreed. `record` is the record it was
    made on (a fact); `paper` is where it counts, kept in step by a hook on deduplication:
    the current primary of `record`'s cluster, unless that primary has another resolution
    for the stage (then it stays on `record`, kept, not counted; see `screening.outcomes`)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="resolutions")
    record = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    paper = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    verdict = models.CharField(
        max_length=10, choices=[(Verdict.INCLUDE, "Include"), (Verdict.EXCLUDE, "Exclude")]
    )
    reason = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason_other = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "stage"], name="resolution_once"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.verdict}"


class ReviewerCursor(models.Model):
    """Where a reviewer is in their own order of a stage's records: the next record is the
    first one after it that they have not decided, so finding it stays one index step."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)
    lane = models.CharField(max_length=20, help_text="The order the position belongs to")
    position = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "reviewer", "stage"], name="cursor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} at {self.position} ({self.lane})"


# --- Relevance ranking and stopping early ---------------------------------------------


class RankingModel(models.Model):
    """The review's ranking model at one stage: a per-review artefact, never shared between
    reviews. `version` is the number of decisions of the stage it was trained on; its output
    is the per-record scores in RankingScore (one set per group of reviewers who share the
    same training labels, see services.ranking). `requested` is the decision count at which
    a training run was last queued, so a burst of decisions queues one run, not many."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    version = models.PositiveIntegerField(default=0, help_text="Decisions trained on")
    requested = models.PositiveIntegerField(default=0, help_text="Decisions when last queued")
    method = models.CharField(max_length=200, blank=True)
    trained_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0, help_text="Wall time of the last training run")
    models_trained = models.PositiveSmallIntegerField(default=0)
    labels = models.JSONField(
        default=dict, blank=True, help_text="Includes and excludes trained on, per model"
    )
    error = models.TextField(blank=True)
    queue_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a training run could not be sent to the broker"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "stage"], name="ranking_model_once"),
        ]

    def __str__(self) -> str:
        return f"Ranking of {self.review_id} / {self.stage} v{self.version}"


class RankingScore(models.Model):
    """A record's predicted relevance for one reviewer (ties broken by record id). Never
    shown to reviewers: only the order in which records are offered follows it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # CASCADE: a score is derived data; an undone import takes its records' scores along.
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "stage", "reviewer", "record"], name="ranking_score_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["review", "stage", "reviewer", "-score", "record"],
                name="ranking_score_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} for {self.reviewer_id}: {self.score:.3f}"


class AutomationStop(models.Model):
    """A lead stopped screening early: the rule they relied on, its parameters and the
    figures at the time. The records it excluded are its AutomationExclusion rows (PRISMA
    2020: "records excluded by automation tools"). Undoing it keeps this row (undone_at)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    rule = models.CharField(max_length=100)
    params = models.JSONField(default=dict, blank=True)
    statistics = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    stopped_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stopped_at", "pk"]

    def __str__(self) -> str:
        return f"Stopped {self.stage} of {self.review_id} by {self.rule}"


class AutomationExclusion(models.Model):
    """A paper excluded by the automation tool when the lead stopped screening."""

    stop = models.ForeignKey(AutomationStop, on_delete=models.CASCADE, related_name="exclusions")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    # DO_NOTHING: the undo guard refuses to undo an import whose records were excluded.
    paper = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "stage"], name="automation_exclusion_once"),
        ]
        indexes = [models.Index(fields=["review", "stage"], name="automation_exclusion_stage")]

    def __str__(self) -> str:
        return f"{self.paper_id} excluded by automation ({self.stage})"


# --- Full texts --------------------------------------------------------------------------


class Retrieval(models.TextChoices):
    TO_RETRIEVE = "to_retrieve", "To retrieve"
    RETRIEVED = "retrieved", "Retrieved"
    NOT_RETRIEVED = "not_retrieved", "Not retrieved"


class NotRetrievedReason(models.TextChoices):
    NOT_FOUND = "not_found", "Not found"
    NOT_AVAILABLE = "not_available", "Not available (no access, withdrawn)"
    REQUESTED = "requested_from_author", "Requested from the author, no reply"
    OTHER = "other", "Other"


class Study(models.Model):
    """What included reports describe. One per included report by default; a lead links
    several reports (a protocol, an interim and a final report) to one study."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="studies")
    label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["label", "pk"]

    def __str__(self) -> str:
        return self.label

    @cached_property
    def cited(self) -> str:
        """The label tables, exports and figures print: "Lambert 2003a" when another study of
        the review is also "Lambert 2003" (lib.screening.labels). Lists set it for all their
        studies at once with `screening.selectors.cite`."""
        studies = Study.objects.filter(review_id=self.review_id).values_list("pk", "label")
        return disambiguate(studies).get(self.pk, self.label)


def report_pdf_path(report: Report, filename: str) -> str:
    return f"reviews/{report.review_id}/reports/{report.record_id}/{filename}"


class Report(models.Model):
    """A full text to retrieve and screen: one for every paper included at title/abstract
    (kept in step by the decision services), or entered straight at this stage for a record
    found by other methods. Retrieval status, the PDF and the study link are facts people set;
    the full-text verdict is derived from Decision rows at the full-text stage."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    # DO_NOTHING: the undo guard refuses to undo an import whose records have reports.
    record = models.OneToOneField(Record, on_delete=models.DO_NOTHING, related_name="report")
    retrieval = models.CharField(
        max_length=20, choices=Retrieval.choices, default=Retrieval.TO_RETRIEVE
    )
    not_retrieved_reason = models.CharField(
        max_length=30, choices=NotRetrievedReason.choices, blank=True
    )
    not_retrieved_note = models.CharField(max_length=300, blank=True)
    pdf = models.FileField(upload_to=report_pdf_path, max_length=300, blank=True)
    pdf_name = models.CharField(max_length=300, blank=True, help_text="The uploaded file's name")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_pages = models.PositiveIntegerField(null=True, blank=True)
    pdf_size = models.BigIntegerField(default=0)
    link = models.URLField(max_length=500, blank=True, help_text="Where the full text is")
    study = models.ForeignKey(
        Study, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    other_method = models.BooleanField(
        default=False, help_text="Entered at this stage directly (hand-searching, contact...)"
    )
    eligible = models.BooleanField(
        default=True,
        help_text="Included at title/abstract (or found by other methods). A report whose "
        "paper was later excluded is kept for the work done on it, but not screened",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["record_id"]
        indexes = [models.Index(fields=["review", "retrieval"], name="report_retrieval")]

    def __str__(self) -> str:
        return f"Report of record {self.record_id} ({self.retrieval})"


class BulkStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Reading the files"
    READY = "ready", "Ready to confirm"
    DONE = "done", "Attached"
    FAILED = "failed", "Failed"


class BulkUpload(JobRow, models.Model):
    """Many PDFs (files or a zip) to match to reports: the job's row, then the matches
    for a lead to confirm. Nothing is attached before the confirmation."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="bulk_uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=BulkStatus.choices, default=BulkStatus.QUEUED)
    files = models.JSONField(default=list, help_text="Stored uploads: [{name, path}]")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    queue_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its job could not be sent to the broker"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Bulk upload {self.pk} ({self.status})"

    # The job protocol (config.jobs): a run that goes silent is waiting for a worker too.
    job_kind = "bulk"
    job_waiting = (BulkStatus.QUEUED,)
    job_working = (BulkStatus.RUNNING,)

    def job_queued_since(self):
        return self.created_at


class BulkItem(models.Model):
    """One PDF of a bulk upload and the report it seems to belong to."""

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=300)
    path = models.CharField(max_length=500, help_text="Where the PDF waits in storage")
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=10, blank=True)  # doi, pmid, title
    score = models.FloatField(default=0)
    certain = models.BooleanField(default=False)
    attached = models.BooleanField(default=False)

    class Meta:
        ordering = ["-certain", "name"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """A discussion note on a paper at a stage (a record's, a conflict's), written by a lead
    or the stage's named resolver (issue #21). Who may read it: `screening.access`.
    Append-only: no edit; the author may delete theirs, which leaves a tombstone (who and
    when stay, the text goes)."""

    MAX_LENGTH = 5000

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    # DO_NOTHING as votes: an import whose records have notes cannot be undone.
    paper = models.ForeignKey(Record, on_delete=models.DO_NOTHING, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="Deleted by its author")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["review", "stage", "paper"], name="note_review_stage_paper")
        ]

    def __str__(self) -> str:
        return f"Note by {self.author_id} on {self.paper_id} ({self.stage})"

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None
