"""python manage.py review_export <slug> --out FILE

Writes the review's whole archive (every row and stored file) as one ZIP: the backup, and
the way to move a review to another Sift (`review_import`)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from lib.zipsafe import ArchiveError
from reporting.archive import archive_export
from reviews.models import Review


class Command(BaseCommand):
    help = "Write a review's whole archive (rows and files) to a ZIP."

    def add_arguments(self, parser):
        parser.add_argument("review", help="The review's slug")
        parser.add_argument("--out", required=True, help="The ZIP file to write")

    def handle(self, *args, review: str, out: str, **options):
        review_obj = Review.objects.filter(slug=review).first()
        if review_obj is None:
            raise CommandError(f"No review with the slug {review!r}.")
        started = time.monotonic()
        try:
            path = archive_export(review=review_obj, out=out)
        except ArchiveError as error:
            raise CommandError(error.message) from None
        self.stderr.write(
            f"Wrote {path} ({path.stat().st_size:,} bytes) in {time.monotonic() - started:.1f} s."
        )
