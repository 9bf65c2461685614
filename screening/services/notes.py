"""Discussion notes on a paper at a stage (issue #21): written by a lead or the stage's
named resolver, append-only; an author deletes their own, leaving a tombstone. Who may
read and write them is `screening.access` (rule 5). Each note and each deletion goes into
the audit trail (leads only: `reviews.history.OPEN_KINDS` leaves it out for reviewers)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reviews.models import AuditKind, ImportBatch, Record, Review
from reviews.services import register_undo_guard
from reviews.services.audit import audit_log
from screening.access import Viewer
from screening.models import Note, Stage


@transaction.atomic
def note_add(*, viewer: Viewer, paper: Record, stage: str, user, text: str) -> Note:
    """A note by `user` (the viewer's member) on `paper` at `stage`."""
    review: Review = viewer.review
    if paper.review_id != review.pk or stage not in Stage.values:
        raise ValidationError("No such record at this stage.")
    if not viewer.writes_notes(stage, paper.pk):
        raise PermissionDenied("Only leads and the stage's resolver write notes here.")
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"text": "Write the note first: it is empty."})
    if len(text) > Note.MAX_LENGTH:
        raise ValidationError(
            {"text": f"A note holds at most {Note.MAX_LENGTH:,} characters ({len(text):,} given)."}
        )
    note = Note.objects.create(review=review, paper=paper, stage=stage, author=user, text=text)
    audit_log(
        review=review, kind=AuditKind.NOTE, actor=user, record_id=paper.pk, stage=stage,
        summary=f"Note written at {Stage(stage).label.lower()} on record #{paper.label_number}",
        detail={"text": text},
    )  # fmt: skip
    return note


@transaction.atomic
def note_delete(*, review: Review, note: Note, user) -> Note:
    """The author deletes their note: a tombstone stays (author, time, when deleted)."""
    note = Note.objects.select_for_update().get(pk=note.pk, review=review)
    if note.author_id != user.pk:
        raise PermissionDenied("Only the note's author deletes it.")
    if note.deleted:
        return note
    note.text = ""
    note.deleted_at = timezone.now()
    note.save(update_fields=["text", "deleted_at"])
    audit_log(
        review=review, kind=AuditKind.NOTE_DELETE, actor=user, record_id=note.paper_id,
        stage=note.stage, summary=f"Note deleted at {Stage(note.stage).label.lower()}",
    )  # fmt: skip
    return note


@register_undo_guard
def _records_with_notes_stay(batch: ImportBatch) -> str:
    records = Record.objects.filter(batch=batch).values("pk")
    if Note.objects.filter(Q(paper__in=records)).exists():
        return "some of its records have discussion notes"
    return ""
