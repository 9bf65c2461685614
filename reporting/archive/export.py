"""Writing a review into an archive."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from importlib import metadata
from pathlib import Path, PurePosixPath
from time import localtime
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

# The ZIP checks of the full-text bulk upload, reused: unsafe names, lying sizes, magic.
from lib.zipsafe import ArchiveError
from reporting.archive.spec import (
    FORMAT,
    MANIFEST,
    MAX_RATIO,
    RATIO_MIN_BYTES,
    SKIPPED,
    Spec,
    archived_models,
)
from reviews.models import ACTIVE_BATCH_STATUSES, BatchStatus, Review

# --- export --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()  # every microsecond: timestamps survive unchanged
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be archived")


def _dumps(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, default=_plain, separators=(",", ":"))


def _write_entry(zf: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> str:
    """Write one entry and return its sha256. Every archive Sift writes must import again
    (issue #16: a valid PDF that deflates 442 to 1 made the lead's backup "look like a zip
    bomb" to the importer): the bytes are spooled to a temporary file while their deflated
    size is counted, and an entry that would compress past half the importer's ratio bound
    is stored uncompressed instead."""
    sha = hashlib.sha256()
    squeeze = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    size = packed = 0
    with tempfile.TemporaryFile() as spool:
        for chunk in chunks:
            sha.update(chunk)
            spool.write(chunk)
            size += len(chunk)
            packed += len(squeeze.compress(chunk))
        packed += len(squeeze.flush())
        info = zipfile.ZipInfo(name, date_time=localtime()[:6])
        info.compress_type = (
            zipfile.ZIP_STORED
            if size > RATIO_MIN_BYTES and size > packed * MAX_RATIO // 2
            else zipfile.ZIP_DEFLATED
        )
        spool.seek(0)
        with zf.open(info, "w", force_zip64=True) as raw:
            shutil.copyfileobj(spool, raw, 1024 * 1024)
    return sha.hexdigest()


def _file_entry(spec: Spec, pk: int, f: models.Field, name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(name).name).lstrip(".") or "file"
    return f"files/{spec.label}/{pk}/{f.name}/{base}"


def archive_check_exportable(review: Review) -> None:
    """Refuse while an import is being read or written: its rows are not yet the review's."""
    busy = review.batches.filter(
        status__in=[BatchStatus.PREVIEWING, *ACTIVE_BATCH_STATUSES]
    ).first()
    if busy is not None:
        raise ArchiveError(
            f"The import of {busy.filename} is still {busy.get_status_display().lower()}: "
            "export the review once it has finished (or been cancelled)."
        )


def archive_export(*, review: Review, out: str | os.PathLike[str] | None = None) -> Path:
    """Write the review's archive to `out` (or a new temporary file) and return its path.
    Rows are read in one read-only snapshot on PostgreSQL, so the archive is consistent
    even while people work; files are streamed, never held in memory."""
    archive_check_exportable(review)
    specs = archived_models()
    if out is None:
        handle, name = tempfile.mkstemp(prefix=f"sift-{review.slug}-", suffix=".zip")
        os.close(handle)
        path = Path(name)
    else:
        path = Path(out)
    try:
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf,
            _snapshot(),
        ):
            _export_into(zf, review, specs)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


class _snapshot:
    """A read-only REPEATABLE READ transaction on PostgreSQL, when not already inside one.
    (SQLite: no transaction, which would take the database's write lock for the export.)"""

    def __enter__(self) -> None:
        self.atomic = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def __exit__(self, *exc) -> None:
        if self.atomic is not None:
            self.atomic.__exit__(*exc)


def _export_into(zf: zipfile.ZipFile, review: Review, specs: list[Spec]) -> None:
    usernames = _usernames(review, specs)
    sums: dict[str, str] = {}
    counts: dict[str, int] = {}
    files: list[tuple[str, models.FileField, str]] = []  # entry, field, stored name
    for spec in specs:
        counts[spec.label] = 0
        lines = _model_lines(spec, review, usernames, files, counts)
        sums[spec.entry] = _write_entry(zf, spec.entry, lines)
    for entry, f, stored in files:
        storage = f.storage
        if not storage.exists(stored):
            raise ArchiveError(f"The stored file {stored} is missing: it cannot be archived.")
        with storage.open(stored, "rb") as source:
            sums[entry] = _write_entry(zf, entry, iter(partial(source.read, 1024 * 1024), b""))
    manifest = {
        "format": FORMAT,
        "sift_version": _sift_version(),
        "exported_at": timezone.now().isoformat(),
        "review": {"slug": review.slug, "title": review.title},
        "models": {s.label: {"file": s.entry, "rows": counts[s.label]} for s in specs},
        "skipped": SKIPPED,
        "users": sorted(set(usernames.values())),
        "files": sums,
    }
    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))


def _model_lines(spec: Spec, review: Review, usernames: dict[int, str],
                 files: list[tuple[str, models.FileField, str]],
                 counts: dict[str, int]) -> Iterator[bytes]:  # fmt: skip
    """The rows of one model as JSON lines, counting them and collecting their files."""
    qs = spec.model._base_manager.filter(**{spec.lookup: review.pk}).order_by("pk")
    file_fields = [f for f in spec.fields if isinstance(f, models.FileField)]
    for obj in qs.iterator(chunk_size=2000):
        row = _encode(spec, obj, usernames)
        for f in file_fields:
            stored = getattr(obj, f.attname).name or ""
            if stored:
                row[f.name] = _file_entry(spec, obj.pk, f, stored)
                files.append((row[f.name], f, stored))
        yield _dumps(row).encode() + b"\n"
        counts[spec.label] += 1


def _sift_version() -> str:
    try:
        return metadata.version("sift")
    except metadata.PackageNotFoundError:
        return "unknown"


def _usernames(review: Review, specs: list[Spec]) -> dict[int, str]:
    ids: set[int] = set()
    for spec in specs:
        qs = spec.model._base_manager.filter(**{spec.lookup: review.pk})
        for name, ref in spec.refs.items():
            if ref.kind == "user":
                ids.update(qs.exclude(**{f"{name}__isnull": True}).values_list(
                    ref.field.attname, flat=True
                ))  # fmt: skip
    user_model = get_user_model()
    return dict(
        user_model._base_manager.filter(pk__in=ids).values_list("pk", user_model.USERNAME_FIELD)
    )


_PROTECTED = (type(None), bool, int, float, Decimal, datetime, date, time)


def _encode(spec: Spec, obj: models.Model, usernames: dict[int, str]) -> dict:
    row: dict[str, Any] = {}
    for f in spec.fields:
        value = getattr(obj, f.attname)
        ref = spec.refs.get(f.name)
        if f.primary_key:
            row["id"] = value
        elif ref is not None and ref.kind == "user":
            row[f.name] = usernames.get(value) if value is not None else None
        elif isinstance(f, models.FileField):
            row[f.name] = value.name or ""
        elif isinstance(f, models.JSONField) or isinstance(value, _PROTECTED):
            row[f.name] = value
        else:
            row[f.name] = f.value_to_string(obj)
    return row
