"""What a lead adds to the computed PRISMA diagram: counts they report by hand (with the
reason) and their explanations of warnings. Everything else is derived from the review's
records, decisions and reports by `reporting.selectors`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lib.prisma import FIELDS
from reviews.models import Review


class OverrideState(models.TextChoices):
    REPORTED = "reported", "Reported by the lead"
    NOT_REPORTED = "not_reported", "Not reported (printed NR)"
    NOT_APPLICABLE = "not_applicable", "Not applicable (hidden)"


class PrismaOverride(models.Model):
    """A count the lead sets instead of the computed one, e.g. records deduplicated in a
    reference manager before import, or the previous version's studies in an update."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="prisma_overrides")
    field = models.CharField(max_length=40, choices=[(k, v[0]) for k, v in FIELDS.items()])
    state = models.CharField(max_length=20, choices=OverrideState.choices)
    value = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(help_text="Why: shown with the diagram")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "field"], name="prisma_override_once"),
            models.CheckConstraint(
                condition=Q(state="reported", value__isnull=False) | ~Q(state="reported"),
                name="prisma_reported_has_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} = {self.value if self.state == 'reported' else self.state}"


class PrismaNote(models.Model):
    """The lead's explanation of a consistency warning (e.g. C07: two records of one report)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="prisma_notes")
    check_id = models.CharField(max_length=4)
    note = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "check_id"], name="prisma_note_once")
        ]

    def __str__(self) -> str:
        return f"{self.check_id}: {self.note[:40]}"
