"""Sources searched and their searches (PRISMA-S)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from reviews.models import Review, Search, Source, default_arm
from reviews.validators import single_line


def _check_name(review: Review, name: str, exclude_pk: int | None = None) -> str:
    name = single_line(name.strip(), what="A source's name")
    if not name:
        raise ValidationError("A source needs a name.")
    clash = Source.objects.filter(review=review, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(f"This review already has a source named {name!r}.")
    return name


@transaction.atomic
def source_create(
    *,
    review: Review,
    name: str,
    source_type: str,
    platform: str = "",
    arm: str = "",
    pooled_into_screening: bool = True,
    notes: str = "",
) -> Source:
    return Source.objects.create(
        review=review,
        name=_check_name(review, name),
        source_type=source_type,
        platform=single_line(platform.strip(), what="The platform"),
        arm=arm or default_arm(source_type),
        pooled_into_screening=pooled_into_screening,
        notes=notes,
    )


@transaction.atomic
def source_update(
    *,
    source: Source,
    name: str,
    source_type: str,
    platform: str,
    arm: str,
    pooled_into_screening: bool,
    notes: str,
) -> Source:
    source.name = _check_name(source.review, name, exclude_pk=source.pk)
    source.source_type = source_type
    source.platform = single_line(platform.strip(), what="The platform")
    source.arm = arm or default_arm(source_type)
    source.pooled_into_screening, source.notes = pooled_into_screening, notes
    source.save()
    return source


def _check_limits(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValidationError("The date limits end before they start.")


@transaction.atomic
def search_create(
    *,
    source: Source,
    label: str = "",
    date_run: dt.date | None = None,
    date_limits_from: dt.date | None = None,
    date_limits_to: dt.date | None = None,
    strategy: str = "",
    limits: str = "",
    filters: str = "",
    records_reported: int | None = None,
) -> Search:
    _check_limits(date_limits_from, date_limits_to)
    single_line(label, what="A search's label")
    return Search.objects.create(
        source=source,
        label=label.strip(),
        date_run=date_run,
        date_limits_from=date_limits_from,
        date_limits_to=date_limits_to,
        strategy=strategy,
        limits=limits,
        filters=filters,
        records_reported=records_reported,
    )


@transaction.atomic
def search_update(*, search: Search, **fields) -> Search:
    unknown = set(fields) - set(Search.EDITABLE)
    if unknown:
        raise TypeError(f"search_update got unknown fields: {sorted(unknown)}")
    _check_limits(
        fields.get("date_limits_from", search.date_limits_from),
        fields.get("date_limits_to", search.date_limits_to),
    )
    single_line(fields.get("label", ""), what="A search's label")
    for name, value in fields.items():
        setattr(search, name, value)
    search.save()
    return search
