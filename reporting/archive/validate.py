"""Checking an archive whole before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models

from lib.imports.records import FIELD_LIMITS, RAW_TEXT_LIMIT
from lib.messages import describe, human_size

# The ZIP rules of every upload (lib.zipsafe): unsafe names, bombs, lying sizes.
from lib.zipsafe import ArchiveError, ZipLimits, bounded, checked_entries
from reporting.archive.spec import (
    COPIED,
    FORMAT,
    MANIFEST,
    MAX_ENTRIES,
    MAX_JSON_DEPTH,
    MAX_LINE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_MIN_BYTES,
    RENAMED,
    Spec,
    archived_models,
)
from reviews.models import Review

# What a whole-review archive may be: Sift writes only stored and deflated entries, with
# forward slashes, and no folders (a folder entry is checked like any other, then skipped).
ZIP_LIMITS = ZipLimits(
    max_entries=MAX_ENTRIES,
    max_total_bytes=MAX_TOTAL_BYTES,
    max_ratio=MAX_RATIO,
    ratio_min_bytes=RATIO_MIN_BYTES,
    methods=frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}),
    backslash_names=False,
)

# --- import: validation --------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, for the page and the command to say."""

    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    users_created: list[str] = field(default_factory=list)
    users_matched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    zf: zipfile.ZipFile
    infos: dict[str, zipfile.ZipInfo]
    manifest: dict
    specs: list[Spec]
    ids: dict[str, set[int]]
    usernames: set[str]
    absent: set[str]  # models the archive does not hold (made before they existed)
    filled: dict[str, Counter]  # model -> {field the rows lacked: rows}

    @property
    def format(self) -> int:
        return self.manifest["format"]

    def notes(self) -> list[str]:
        """What the import filled in for an archive made by an older Sift."""
        notes = [f"The archive has no {label} (made before it existed): none imported."
                 for label in sorted(self.absent)]  # fmt: skip
        for label, fields in sorted(self.filled.items()):
            notes += [
                f"The archive has no {label}.{name} (made before it existed): "
                f"{_absent_text(absent_value(spec_field(self.specs, label, name)))} in "
                f"{n:,} row{'' if n == 1 else 's'}."
                for name, n in sorted(fields.items())
            ]
        return notes


@contextmanager
def _open_checked(zf: zipfile.ZipFile, name: str) -> Iterator[io.BufferedReader]:
    """An entry's bytes, refused past the size its header declared (a lying header)."""
    info = zf.getinfo(name)
    with zf.open(info) as raw:
        yield bounded(raw, info, name)


def _check_entries(zf: zipfile.ZipFile, filename: str) -> dict[str, zipfile.ZipInfo]:
    out: dict[str, zipfile.ZipInfo] = {}
    for info in checked_entries(zf, filename, ZIP_LIMITS, wanted=lambda i: not i.is_dir()):
        if info.filename in out:
            raise ArchiveError(f"{filename} holds {info.filename} twice.")
        out[info.filename] = info
    return out


def _read_manifest(zf: zipfile.ZipFile, infos: dict, filename: str) -> dict:
    if MANIFEST not in infos:
        raise ArchiveError(f"{filename} has no {MANIFEST}: it is not a Sift review archive.")
    if infos[MANIFEST].file_size > MAX_MANIFEST_BYTES:
        raise ArchiveError(f"{MANIFEST} is larger than {human_size(MAX_MANIFEST_BYTES)}.")
    try:
        with _open_checked(zf, MANIFEST) as stream:
            data = stream.read()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"{MANIFEST} cannot be unpacked: {describe(error)}") from None
    manifest = _json(data, MANIFEST)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise ArchiveError(f"{MANIFEST} does not say which archive format it is.")
    if manifest["format"] > FORMAT:
        raise ArchiveError(
            f"{filename} was made by a newer Sift (archive format {manifest['format']}, "
            f"Sift {manifest.get('sift_version', '?')}); this server reads format {FORMAT}: "
            "upgrade it first."
        )
    if manifest["format"] < 1:
        raise ArchiveError(f"{MANIFEST} names an unknown archive format ({manifest['format']}).")
    for key, kind in (("models", dict), ("files", dict), ("users", list), ("review", dict)):
        if not isinstance(manifest.get(key), kind):
            raise ArchiveError(f"{MANIFEST}: '{key}' is missing or not a {kind.__name__}.")
    return manifest


def _check_manifest_lists(manifest: dict, infos: dict, specs: list[Spec], filename: str) -> None:
    listed = manifest["models"]
    ours = {s.label for s in specs}
    for label in sorted(set(listed) - ours):
        raise ArchiveError(
            f"{filename} holds {label}, which this Sift does not know: was it made by a newer "
            "version?"
        )
    for spec in specs:
        if spec.label not in listed:
            continue  # made before the model existed: no rows of it
        meta = listed[spec.label]
        if not isinstance(meta, dict) or meta.get("file") != spec.entry:
            raise ArchiveError(f"{MANIFEST} does not list {spec.label} (expected {spec.entry}).")
        if spec.entry not in infos:
            raise ArchiveError(f"{filename} is missing {spec.entry}, the rows of {spec.label}.")
        if not isinstance(meta.get("rows"), int):
            raise ArchiveError(f"{MANIFEST}: {spec.label} has no row count.")
    sums = manifest["files"]
    for name in infos:
        if name != MANIFEST and name not in sums:
            raise ArchiveError(f"{filename} holds {name}, which {MANIFEST} does not list.")
    for name, digest in sums.items():
        if name not in infos:
            raise ArchiveError(f"{filename} is missing {name}, which {MANIFEST} lists.")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ArchiveError(f"{MANIFEST}: the sha256 of {name} is not a sha256.")


def _check_sums(zf: zipfile.ZipFile, manifest: dict) -> None:
    for name, digest in manifest["files"].items():
        sha = hashlib.sha256()
        try:
            with _open_checked(zf, name) as stream:
                for chunk in iter(partial(stream.read, 1024 * 1024), b""):
                    sha.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ArchiveError(f"{name} cannot be unpacked: {describe(error)}") from None
        if sha.hexdigest() != digest:
            raise ArchiveError(
                f"{name} is damaged or was changed: its sha256 does not match {MANIFEST}."
            )


def model_rows(zf: zipfile.ZipFile, spec: Spec, fmt: int) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a model's entry, its fields renamed as this Sift names them
    when the archive is of an older format (spec.RENAMED), and new fields that take
    another's value filled in (spec.COPIED)."""
    renames = {old: new for version, by_model in RENAMED.items() if version > fmt
               for old, new in by_model.get(spec.label, {}).items()}  # fmt: skip
    copies = {new: old for version, by_model in COPIED.items() if version > fmt
              for new, old in by_model.get(spec.label, {}).items()}  # fmt: skip
    for n, row in _rows(zf, spec):
        if renames:
            row = {renames.get(k, k): v for k, v in row.items()}
        for new, old in copies.items():
            if new not in row and old in row:
                row[new] = row[old]
        yield n, row


# What absent_value says of a field that every row must have.
REQUIRED = object()


def absent_value(f: models.Field) -> Any:
    """The value of field `f` for a row that lacks it (the archive was made before the field
    existed): what the migration adding the field gave the rows of the time, that is its
    default, else empty (NULL, or "" for text that may be blank); REQUIRED when there is no
    such value (the row is refused)."""
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if f.blank and f.empty_strings_allowed and not f.primary_key:
        return ""
    return REQUIRED


def _absent_text(value: Any) -> str:
    return "empty" if value in (None, "") else f"the default ({value!r:.40})"


def spec_field(specs: list[Spec], label: str, name: str) -> models.Field:
    spec = next(s for s in specs if s.label == label)
    return next(f for f in spec.fields if ("id" if f.primary_key else f.name) == name)


def _check_shape(spec: Spec, fields: dict[str, models.Field], row: dict, where: str,
                 filled: Counter) -> None:  # fmt: skip
    """Unknown fields are refused (a newer Sift's, or forged); a missing field is filled in
    on import when it may be (absent_value), else refused."""
    which = f"{where} (id {row['id']})" if isinstance(row.get("id"), int) else where
    extra = sorted(set(row) - set(fields))
    if extra:
        raise ArchiveError(
            f"{which}: {spec.label} has no field {', '.join(extra)} (was the archive made by "
            "a newer Sift?)."
        )
    for name, f in fields.items():
        if name not in row:
            if absent_value(f) is REQUIRED:
                raise ArchiveError(
                    f"{which}: {spec.label}.{name} is missing, and it has no default to fill in."
                )
            filled[name] += 1


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed value (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack += [(inner, depth + 1) for inner in item]
    return deepest


def _json(data: bytes, where: str) -> Any:
    """One JSON value, refused with a message when it is not JSON or nests deeper than
    Sift writes (issue #16: a deep nesting raised RecursionError, a 500)."""
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        value = None
        depth = MAX_JSON_DEPTH + 1
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveError(f"{where} is not valid JSON: {describe(error)}") from None
    else:
        depth = _depth(value)
    if depth > MAX_JSON_DEPTH:
        raise ArchiveError(
            f"{where} nests lists or objects more than {MAX_JSON_DEPTH} deep: "
            "Sift never writes that."
        )
    return value


def _rows(zf: zipfile.ZipFile, spec: Spec) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a model file; refuses what is not one JSON object a line."""
    with _open_checked(zf, spec.entry) as stream:
        for n, line in enumerate(iter(partial(stream.readline, MAX_LINE_BYTES + 1), b""), 1):
            where = f"{spec.entry} line {n}"
            if len(line) > MAX_LINE_BYTES:
                raise ArchiveError(f"{where} is longer than {human_size(MAX_LINE_BYTES)}.")
            if not line.strip():
                continue
            row = _json(line, where)
            if not isinstance(row, dict):
                raise ArchiveError(f"{where} is not a JSON object.")
            yield n, row


_RECORD_LIMITS = {**FIELD_LIMITS, "raw_text": RAW_TEXT_LIMIT}

_INTS = {
    "IntegerField", "SmallIntegerField", "BigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField",
    "SmallAutoField",
}  # fmt: skip
_TEXTS = {"CharField", "TextField", "SlugField", "URLField", "EmailField", "FileField"}
_WHEN = {"DateField", "DateTimeField", "TimeField"}


def _check_value(spec: Spec, f: models.Field, value: Any, where: str) -> None:
    label = f"{where}: {f.name}"
    if value is None:
        if not f.null and not f.primary_key:
            raise ArchiveError(f"{label} is empty, which {spec.label} does not allow.")
        if f.primary_key:
            raise ArchiveError(f"{where} has no id.")
        return
    ref = spec.refs.get(f.name)
    kind = f.get_internal_type()
    if ref is not None:
        if ref.kind == "user":
            if not isinstance(value, str):
                raise ArchiveError(f"{label} should be a username.")
            return
        kind = "IntegerField"
    if kind in _INTS and (not isinstance(value, int) or isinstance(value, bool)):
        raise ArchiveError(f"{label} should be a whole number, not {value!r:.40}.")
    if kind == "BooleanField" and not isinstance(value, bool):
        raise ArchiveError(f"{label} should be true or false.")
    if kind == "FloatField" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        raise ArchiveError(f"{label} should be a number.")
    if (kind in _TEXTS or kind in _WHEN) and not isinstance(value, str):
        raise ArchiveError(f"{label} should be text.")
    if kind in _TEXTS and f.max_length and len(value) > f.max_length:
        raise ArchiveError(f"{label} is longer than {f.max_length} characters.")
    limit = _RECORD_LIMITS.get(f.name) if spec.label == "reviews.Record" else None
    if limit is not None and isinstance(value, str) and len(value) > limit:
        # The bounds an import file's records have (issue #16), for records that come in
        # through an archive instead.
        raise ArchiveError(f"{label} is {len(value):,} characters long; Sift keeps at most "
                           f"{limit:,}.")  # fmt: skip
    choices = {c for c, _ in f.flatchoices} if f.choices and ref is None else None
    if choices is not None and value not in choices and not (value == "" and f.blank):
        raise ArchiveError(f"{label} is {value!r:.40}, which is not one of its choices.")
    if kind not in _TEXTS and kind != "JSONField" and ref is None:
        try:
            if f.to_python(value) is None and value is not None:
                raise ValidationError("unreadable")
        except ValidationError as error:
            raise ArchiveError(f"{label} cannot be read: {' '.join(error.messages)}") from None


def _check_loose(spec: Spec, row: dict, where: str) -> None:
    """A loose reference inside a JSON field is a whole number or nothing. (One that names
    no row of the archive is allowed: it is emptied on import.)"""
    for path in spec.loose:
        name, _, key = path.partition(".")
        holder = row.get(name)
        value = holder.get(key) if key and isinstance(holder, dict) else None
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ArchiveError(f"{where}: {path} should be a whole number, not {value!r:.40}.")


def unique_keys(spec: Spec) -> list[tuple[str, ...]]:
    """The field sets whose values the model keeps unique (unique fields, unique_together,
    UniqueConstraints without a condition or expression), as the archive's rows name them,
    leaving out the reference to the review: an archive holds one review, so "unique in the
    review" is unique among the archive's rows. The primary key is checked on its own."""
    meta = spec.model._meta
    names = {f.name: ("id" if f.primary_key else f.name) for f in spec.fields}
    sets = [(f.name,) for f in spec.fields if f.unique and not f.primary_key]
    sets += [tuple(group) for group in meta.unique_together]
    sets += [
        tuple(c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint)
        and c.fields
        and c.condition is None
        and not c.expressions
    ]
    keys: list[tuple[str, ...]] = []
    for group in sets:
        fields = [meta.get_field(name) for name in group]
        kept = tuple(
            names[f.name] for f in fields if not (f.is_relation and f.related_model is Review)
        )
        if kept and all(name in names.values() for name in kept) and kept not in keys:
            keys.append(kept)
    return keys


def _check_unique(spec: Spec, keys: list[tuple[str, ...]], seen: list[set], row: dict,
                  where: str) -> None:  # fmt: skip
    """Refuse a row repeating another's values of a unique field set (two records #1): the
    database's constraint would refuse it later with a message naming no line. A field the
    row lacks or leaves empty takes no part (empty values are never equal)."""
    for fields, values in zip(keys, seen, strict=True):
        if any(row.get(name) is None for name in fields):
            continue
        key = row[fields[0]] if len(fields) == 1 else tuple(row[name] for name in fields)
        if not isinstance(key, (int, str, tuple)):
            continue
        if key in values:
            said = ", ".join(f"{name} {row[name]!r:.40}" for name in fields)
            raise ArchiveError(
                f"{where}: {said} appears twice in {spec.label}, which keeps it unique"
                + (" in a review." if spec.model is not Review else ".")
            )
        values.add(key)


def _validate(zf: zipfile.ZipFile, filename: str) -> _Checked:
    infos = _check_entries(zf, filename)
    manifest = _read_manifest(zf, infos, filename)
    specs = archived_models()
    _check_manifest_lists(manifest, infos, specs, filename)
    _check_sums(zf, manifest)
    ids: dict[str, set[int]] = {}
    usernames: set[str] = set()
    absent: set[str] = set()
    filled: dict[str, Counter] = {}
    check_username = UnicodeUsernameValidator()
    for spec in specs:
        if spec.label not in manifest["models"]:
            absent.add(spec.label)
            ids[spec.label] = set()
            continue
        fields = {"id" if f.primary_key else f.name: f for f in spec.fields}
        lacking: Counter = Counter()
        seen: set[int] = set()
        selfs: list[tuple[str, int]] = []
        keys = unique_keys(spec)
        unique_seen: list[set] = [set() for _ in keys]
        for n, row in model_rows(zf, spec, manifest["format"]):
            where = f"{spec.entry} line {n}"
            _check_shape(spec, fields, row, where, lacking)
            for name, f in fields.items():
                if name not in row:
                    continue  # filled in on import (absent_value)
                value = row[name]
                _check_value(spec, f, value, where)
                ref = spec.refs.get(f.name)
                if value is None or ref is None:
                    if (
                        isinstance(f, models.FileField)
                        and value
                        and (not value.startswith(f"files/{spec.label}/") or value not in infos)
                    ):
                        raise ArchiveError(f"{where}: {f.name} names no file of the archive.")
                    continue
                if ref.kind == "user":
                    try:
                        check_username(value)
                    except ValidationError:
                        raise ArchiveError(f"{where}: {value!r:.40} is not a username.") from None
                    if len(value) > 150:
                        raise ArchiveError(f"{where}: the username is too long.")
                    usernames.add(value)
                elif ref.kind == "self":
                    selfs.append((where, value))
                elif value not in ids[ref.target]:
                    raise ArchiveError(
                        f"{where}: {f.name} refers to {ref.target} {value}, which is not in "
                        "the archive."
                    )
            _check_loose(spec, row, where)
            _check_unique(spec, keys, unique_seen, row, where)
            if row["id"] in seen:
                raise ArchiveError(f"{where}: id {row['id']} appears twice in {spec.label}.")
            seen.add(row["id"])
        for where, value in selfs:
            if value not in seen:
                raise ArchiveError(f"{where} refers to {spec.label} {value}, not in the archive.")
        expected = manifest["models"][spec.label]["rows"]
        if len(seen) != expected:
            raise ArchiveError(f"{spec.entry} holds {len(seen)} rows; {MANIFEST} says {expected}.")
        ids[spec.label] = seen
        if lacking:
            filled[spec.label] = lacking
    if len(ids["reviews.Review"]) != 1:
        raise ArchiveError(f"{filename} must hold exactly one review.")
    return _Checked(zf, infos, manifest, specs, ids, usernames, absent, filled)
