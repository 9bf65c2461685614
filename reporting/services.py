"""State changes of reporting: a lead's hand-entered PRISMA counts and warning notes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from lib.prisma import FIELDS
from reporting.models import OverrideState, PrismaNote, PrismaOverride
from reviews.models import Review

CHECK_IDS = {f"C{n:02d}" for n in range(1, 25)}


@transaction.atomic
def prisma_override_set(
    *, review: Review, field: str, state: str, value: int | None, note: str, user
) -> PrismaOverride:
    """Report a count by hand (or mark it not reported / not applicable), with the reason."""
    if field not in FIELDS:
        raise ValidationError(f"No PRISMA field called {field!r}.")
    if state not in OverrideState.values:
        raise ValidationError(f"Unknown state {state!r}.")
    if state == OverrideState.REPORTED and (value is None or value < 0):
        raise ValidationError("A reported count needs a whole number of 0 or more.")
    if not note.strip():
        raise ValidationError(
            "Say why the computed count is replaced (it is shown with the diagram)."
        )
    override, _ = PrismaOverride.objects.update_or_create(
        review=review,
        field=field,
        defaults={
            "state": state,
            "value": value if state == OverrideState.REPORTED else None,
            "note": note.strip(),
            "updated_by": user,
        },
    )
    return override


@transaction.atomic
def prisma_override_clear(*, review: Review, field: str) -> None:
    """Back to the computed count."""
    PrismaOverride.objects.filter(review=review, field=field).delete()


@transaction.atomic
def prisma_note_set(*, review: Review, check_id: str, note: str, user) -> PrismaNote | None:
    """Explain a consistency warning; an empty note removes the explanation."""
    if check_id not in CHECK_IDS:
        raise ValidationError(f"No consistency check called {check_id!r}.")
    if not note.strip():
        PrismaNote.objects.filter(review=review, check_id=check_id).delete()
        return None
    row, _ = PrismaNote.objects.update_or_create(
        review=review, check_id=check_id, defaults={"note": note.strip(), "updated_by": user}
    )
    return row
