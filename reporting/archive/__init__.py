"""Whole-review archives: one ZIP holding every row of a review and every file it stored,
which imports into any Sift (a backup, or the way to move a review between servers).

Layout of the ZIP:
- `manifest.json`: format version, Sift version, when, the review's slug and title, the
  models with their row counts, the usernames referenced, and the sha256 of every other
  entry.
- `models/<app>.<Model>.jsonl`: one JSON object per line and row, keyed by field name, the
  old primary key as `id`; foreign keys hold the old ids, references to users hold the
  username, file fields hold the entry under `files/` that carries the file's bytes.
- `files/<app>.<Model>/<id>/<field>/<name>`: the stored files (import files, full texts).

Which models travel is discovered, not listed: every installed model with a path of
foreign keys to `Review` is archived unless `SKIPPED` names it with the reason, so a model
added later cannot be silently left behind (`tests/reporting/test_archive.py` checks it).

An archive made by an older Sift imports: a model it lacks has no rows, a field it lacks
gets its default (or empty); `spec.FORMAT` changes only when that is not enough (a renamed
field, read from older formats through `spec.RENAMED`; a new field taking another's value
in older rows, `spec.COPIED`).

An import is validated whole before anything is written (ZIP safety, the manifest, every
checksum, every row's shape and every reference), then written in one transaction with new
primary keys, in dependency order; files copied into storage are deleted again if anything
fails. Users are matched by username; unknown ones are created inactive, without a usable
password, and reported.
"""

from lib.zipsafe import ArchiveError
from reporting.archive.export import archive_check_exportable, archive_export
from reporting.archive.spec import (
    FORMAT,
    SKIPPED,
    ImproperlyArchived,
    archived_models,
    review_models,
)
from reporting.archive.validate import ImportReport
from reporting.archive.write import archive_import

__all__ = [
    "ArchiveError",
    "FORMAT",
    "ImportReport",
    "ImproperlyArchived",
    "SKIPPED",
    "archive_check_exportable",
    "archive_export",
    "archive_import",
    "archived_models",
    "review_models",
]
