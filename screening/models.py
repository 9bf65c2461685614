"""Screening: each reviewer's decision on each paper at each stage, and the resolutions of
conflicts. Facts only: "included", "excluded", "conflict" and "awaiting a second reviewer"
are derived by selectors from these rows, never stored in a status column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviews.models import Criterion, Record, Review


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
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.record_id}: {self.verdict}"


class DecisionEvent(models.Model):
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
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["record", "stage"], name="decision_event_record")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.record_id}: {self.old_verdict or '-'} -> {self.new_verdict or '-'}"


class Resolution(models.Model):
    """The final verdict on a paper whose reviewers disagreed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="resolutions")
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
