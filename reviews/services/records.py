"""A lead's corrections to a record's fields (issue #21): a missing abstract, a wrong year.

The imported text (`Record.raw_text`) is never touched, and each correction is an
AuditEvent holding every changed field's old and new value, so the imported value of a field
is the old value of its first correction (`selectors.record_originals`). Deduplication is
told: the review's clusters are computed again from the corrected fields, after commit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from lib.imports.normalise import normalise_doi
from lib.singleline import fold
from reviews.access import is_lead_of
from reviews.models import AuditKind, Record, Review
from reviews.services.audit import audit_log
from reviews.services.dedup import dedup_request

# The fields a lead may correct, in the order the form shows them. Text fields are one line
# except the abstract; authors are a list (one per line in the form).
EDITABLE = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi",
    "pmid", "language", "type",
)  # fmt: skip
LABELS = {"doi": "DOI", "pmid": "PubMed ID"}
_LIMITS = {
    f.name: f.max_length
    for f in Record._meta.concrete_fields
    if f.name in EDITABLE and getattr(f, "max_length", None)
}


def field_label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def _clean(name: str, value):
    if name == "authors":
        authors = [fold(a).strip() for a in (value or [])]
        return [a for a in authors if a]
    if name == "year":
        if value in (None, ""):
            return None
        try:
            year = int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{value!r} is not a year.") from None
        if not 1000 <= year <= 2200:
            raise ValidationError(f"{year} is not a year of publication.")
        return year
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip() if name == "abstract" else fold(text).strip()
    if name == "doi" and text:
        doi = normalise_doi(text)
        if not doi:
            raise ValidationError(f"{text} is not a DOI (they start with 10.).")
        text = doi
    limit = _LIMITS.get(name)
    if limit and len(text) > limit:
        raise ValidationError(f"The {field_label(name)} is longer than {limit} characters.")
    return text


def _same(name: str, old, new) -> bool:
    """The stored value written another way (a DOI in capitals, a title with a line break
    from the file): sending the form untouched changes nothing."""
    try:
        return _clean(name, old) == new
    except ValidationError:
        return False


@transaction.atomic
def record_edit(*, review: Review, record: Record, user, values: dict) -> dict[str, list]:
    """Correct the record's fields given in `values` (a lead only). Returns the changes,
    {field: [old, new]}; nothing is written (no history, no deduplication) when no value
    changes."""
    if not is_lead_of(review, user):
        raise ValidationError("Only a lead of this review can correct a record.")
    if record.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"These fields cannot be corrected: {', '.join(sorted(unknown))}.")
    record = Record.objects.select_for_update().get(pk=record.pk)
    changes = {}
    for name, value in values.items():
        new, old = _clean(name, value), getattr(record, name)
        if new != old and not _same(name, old, new):
            changes[name] = [old, new]
            setattr(record, name, new)
    if not changes:
        return {}
    fields = list(changes)
    if "authors" in changes:
        record.authors_text = "; ".join(record.authors)
        fields.append("authors_text")
    record.save(update_fields=fields)
    names = ", ".join(field_label(n) for n in changes)
    audit_log(
        review=review,
        kind=AuditKind.RECORD_EDIT,
        summary=f"Corrected the {names}",
        actor=user,
        record_id=record.pk,
        detail={"changes": changes},
    )
    # Deduplication is told: a corrected DOI, title or year can join or part clusters.
    dedup_request(review_id=review.pk)
    return changes
