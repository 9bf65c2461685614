"""python manage.py review_import FILE [--slug NEW] [--owner USERNAME]

Creates a new review from an archive written by `review_export` (on this server or
another). Nothing is written unless the whole archive checks out."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lib.zipsafe import ArchiveError
from reporting.archive import archive_import


class Command(BaseCommand):
    help = "Import a review archive (from review_export) as a new review."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The ZIP written by review_export")
        parser.add_argument("--slug", help="The new review's slug (default: the archived one, "
                            "or the next free one)")  # fmt: skip
        parser.add_argument("--owner", help="Username who becomes a lead (default: the first "
                            "superuser)")  # fmt: skip

    def handle(self, *args, file: str, slug: str | None, owner: str | None, **options):
        users = get_user_model()._default_manager
        user = (
            users.filter(username=owner).first()
            if owner
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError(
                f"No user {owner!r}." if owner else "No superuser: give --owner USERNAME."
            )
        started = time.monotonic()
        try:
            review = archive_import(file=file, user=user, slug=slug, filename=file)
        except (ArchiveError, OSError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None
        report = review.archive_report
        self.stdout.write(
            f"Imported {review.title!r} as {review.slug} "
            f"({sum(report.rows.values()):,} rows, {report.files} files) "
            f"in {time.monotonic() - started:.1f} s."
        )
        if report.users_created:
            self.stdout.write(
                "Created inactive users (no password; activate them to let them sign in): "
                + ", ".join(report.users_created)
            )
        for note in report.notes:
            self.stdout.write(note)
