"""Writing a checked archive into the database and storage as a new review."""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import DatabaseError, connection, models, transaction

from lib.messages import describe
from lib.zipsafe import ArchiveError, open_zip
from reporting.archive.spec import _AT_REST, CHUNK, Spec
from reporting.archive.validate import (
    ImportReport,
    _Checked,
    _open_checked,
    _validate,
    absent_value,
    model_rows,
)
from reviews.models import DedupRun, Member, Review, Role
from reviews.services.dedup import dedup_request
from reviews.services.imports import record_numbers_fill
from reviews.services.reviews import RESERVED_SLUGS
from screening.models import Order, StageSettings
from screening.services import ranking_request

log = logging.getLogger(__name__)

# --- import: writing -----------------------------------------------------------------------


def _pick_slug(wanted: str | None, original: str) -> str:
    if wanted:
        if wanted in RESERVED_SLUGS or Review.objects.filter(slug=wanted).exists():
            raise ArchiveError(f"The slug {wanted!r} is taken: choose another one.")
        return wanted
    base = re.sub(r"[^-a-zA-Z0-9_]+", "-", original).strip("-")[:60] or "review"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Review.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def archive_import(
    *,
    file: str | os.PathLike[str] | IO[bytes],
    user,
    slug: str | None = None,
    filename: str = "The archive",
) -> Review:
    """Create a new review from an archive made by `archive_export`; `user` becomes a lead.
    Everything is checked first; then one transaction writes it all, or nothing (files copied
    into storage are deleted again). Raises ArchiveError with a message naming the entry,
    model and line. The returned review carries `archive_report` (an ImportReport)."""
    if slug is not None and slug and not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", slug):
        raise ArchiveError(f"{slug!r} is not a valid slug (letters, digits, - and _).")
    zf = open_zip(file, filename)
    stored: list[tuple[Any, str]] = []
    try:
        with zf:
            checked = _validate(zf, filename)
            with transaction.atomic():
                review = _write(checked, user=user, slug=slug, stored=stored)
    except BaseException as error:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # cleanup tries every file, and the first error is the news
                log.exception("could not delete %s after a failed archive import", name)
        if isinstance(error, DatabaseError):
            raise ArchiveError(
                f"{filename} could not be written: {describe(error)} Nothing was imported."
            ) from error
        raise
    return review


def _write(checked: _Checked, *, user, slug: str | None, stored: list) -> Review:
    report = ImportReport()
    user_ids = _users(checked.usernames, report)
    new_slug = _pick_slug(slug, str(checked.manifest["review"].get("slug") or "review"))
    remap: dict[str, dict[int, int]] = {}
    for spec in checked.specs:
        remap[spec.label] = {}
        if spec.label in checked.absent:
            report.rows[spec.label] = 0
            continue
        chunk: list[tuple[int, dict]] = []
        selfs: list[tuple[int, str, int]] = []  # old id, field, old target
        for _, row in model_rows(checked.zf, spec, checked.format):
            chunk.append((row["id"], row))
            if len(chunk) >= CHUNK:
                _insert(checked, spec, chunk, remap, user_ids, new_slug, selfs, stored)
                chunk = []
        if chunk:
            _insert(checked, spec, chunk, remap, user_ids, new_slug, selfs, stored)
        if selfs:
            by_field: dict[str, list[models.Model]] = defaultdict(list)
            for old, name, target in selfs:
                obj = spec.model(pk=remap[spec.label][old])
                setattr(obj, spec.refs[name].field.attname, remap[spec.label][target])
                by_field[name].append(obj)
            for name, objs in by_field.items():
                spec.model._base_manager.bulk_update(
                    objs, [spec.refs[name].field.name], batch_size=CHUNK
                )
        report.rows[spec.label] = len(remap[spec.label])
    review = Review.objects.get(pk=next(iter(remap["reviews.Review"].values())))
    report.notes += checked.notes()
    _after(review, user, report)
    report.files = len(stored)
    review.archive_report = report
    return review


def _users(usernames: set[str], report: ImportReport) -> dict[str, int]:
    user_model = get_user_model()
    key = user_model.USERNAME_FIELD
    found = dict(
        user_model._base_manager.filter(**{f"{key}__in": usernames}).values_list(key, "pk")
    )
    for name in sorted(usernames - set(found)):
        # Inactive, no usable password: an administrator activates them (or a password reset).
        created = user_model.objects.create_user(**{key: name}, password=None, is_active=False)
        found[name] = created.pk
        report.users_created.append(name)
    report.users_matched = sorted(set(found) - set(report.users_created))
    return found


def _insert(
    checked: _Checked,
    spec: Spec,
    chunk: list[tuple[int, dict]],
    remap: dict[str, dict[int, int]],
    user_ids: dict[str, int],
    new_slug: str,
    selfs: list,
    stored: list,
) -> None:
    at_rest = _AT_REST.get(spec.label, {})
    stamped = [
        f for f in spec.fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    objs, olds, stamps = [], [], []
    for old, row in chunk:
        values: dict[str, Any] = {}
        files: list[tuple[models.FileField, str]] = []
        for f in spec.fields:
            if f.primary_key:
                continue
            if f.name not in row and f.name not in at_rest:
                # The archive was made before the field existed (checked: it may be absent).
                values[f.attname] = absent_value(f)
                continue
            value = at_rest.get(f.name, row.get(f.name))
            ref = spec.refs.get(f.name)
            if ref is not None and value is not None:
                if ref.kind == "user":
                    value = user_ids[value]
                elif ref.kind == "self":
                    selfs.append((old, f.name, value))
                    value = None
                else:
                    value = remap[ref.target][value]
                values[f.attname] = value
            elif isinstance(f, models.FileField):
                if value:
                    files.append((f, value))
                values[f.attname] = ""
            elif isinstance(f, models.JSONField) or value is None:
                values[f.attname] = value
            else:
                values[f.attname] = f.to_python(value)
        if spec.model is Review:
            values["slug"] = new_slug
        for path, target in spec.loose.items():
            _remap_loose(values, path, remap[target])
        obj = spec.model(**values)
        for f, entry in files:
            setattr(obj, f.attname, _store(checked, obj, f, entry, stored))
        objs.append(obj)
        olds.append(old)
        stamps.append({f.attname: values[f.attname] for f in stamped})
    if not connection.features.can_return_rows_from_bulk_insert:
        for obj in objs:
            obj.save(force_insert=True)
    else:
        spec.model._base_manager.bulk_create(objs, batch_size=CHUNK)
    for old, obj in zip(olds, objs, strict=True):
        remap[spec.label][old] = obj.pk
    if stamped:
        # bulk_create stamps auto_now(_add) fields with now: put the archived times back.
        for obj, stamp in zip(objs, stamps, strict=True):
            for name, value in stamp.items():
                setattr(obj, name, value)
        spec.model._base_manager.bulk_update(objs, [f.name for f in stamped], batch_size=CHUNK)


def _remap_loose(values: dict[str, Any], path: str, ids: dict[int, int]) -> None:
    """A plain number naming a row of another model (spec.LOOSE_REFS): the row's new id, or
    empty when the row is not in the archive (its old number would name another row here)."""
    name, _, key = path.partition(".")
    if not key:
        if values.get(name) is not None:
            values[name] = ids.get(values[name])
        return
    holder = values.get(name)
    if isinstance(holder, dict) and holder.get(key) is not None:
        values[name] = {**holder, key: ids.get(holder[key])}


def _store(
    checked: _Checked, obj: models.Model, f: models.FileField, entry: str, stored: list
) -> str:
    """Copy one file from the archive into storage where the field would put it."""
    name = f.generate_filename(obj, PurePosixPath(entry).name)
    with _open_checked(checked.zf, entry) as stream:
        saved = f.storage.save(name, File(stream, name=PurePosixPath(entry).name))
    stored.append((f.storage, saved))
    return saved


def _after(review: Review, user, report: ImportReport) -> None:
    """The importer leads the review; jobs the archive left unfinished are queued again."""
    member = Member.objects.filter(review=review, user=user).first()
    if member is None:
        seat = max(Member.objects.filter(review=review).values_list("seat", flat=True), default=-1)
        Member.objects.create(review=review, user=user, role=Role.LEAD, seat=seat + 1)
        report.notes.append(f"{user.get_username()} was added as a lead.")
    elif member.role != Role.LEAD:
        member.role = Role.LEAD
        member.save(update_fields=["role"])
        report.notes.append(f"{user.get_username()} is now a lead (was a reviewer).")
    if record_numbers_fill(review_id=review.pk):
        report.notes.append("Records had no number in the review: numbered in import order.")
    run = DedupRun.objects.filter(review=review).first()
    if run is not None and run.version != run.done_version:
        dedup_request(review_id=review.pk)
        report.notes.append("Deduplication was not up to date in the archive: it runs again.")
    for settings in StageSettings.objects.filter(review=review, order=Order.RELEVANCE):
        ranking_request(review=review, stage=settings.stage, settings=settings, force=True)
        report.notes.append(
            f"The relevance ranking of {settings.get_stage_display()} is retrained."
        )
