"""python manage.py prisma <review> --format json|csv|svg|png|pdf [--out FILE]

Prints (or writes) the review's PRISMA 2020 diagram exactly as the page's downloads do.
Exit status 1 when a consistency check fails with an error (so CI can check the demo)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from reporting import rendering
from reviews.models import Review


class Command(BaseCommand):
    help = "Write a review's PRISMA 2020 flow diagram (json, csv, svg, png or pdf)."

    def add_arguments(self, parser):
        parser.add_argument("review", help="The review's slug")
        parser.add_argument("--format", choices=rendering.FORMATS, default="json")
        parser.add_argument("--out", help="Write to this file instead of standard output")

    def handle(self, *args, review: str, format: str, out: str | None, **options):
        review_obj = Review.objects.filter(slug=review).first()
        if review_obj is None:
            raise CommandError(f"No review with the slug {review!r}.")
        diagram = rendering.diagram(review_obj, for_csv=format == "csv")
        try:
            body, _ = rendering.export(review_obj, diagram, format)
        except rendering.ExportBlocked as blocked:
            raise CommandError(str(blocked)) from None
        if out:
            with open(out, "wb") as handle:
                handle.write(body)
            self.stderr.write(f"Wrote {out} ({len(body):,} bytes).")
        elif format in ("png", "pdf"):
            raise CommandError(f"{format.upper()} is binary: give --out FILE.")
        else:
            sys.stdout.write(body.decode())
            if not body.endswith(b"\n"):
                sys.stdout.write("\n")
        for finding in diagram.errors:
            self.stderr.write(f"{finding.check} error: {finding.message}")
        if diagram.errors:
            sys.exit(1)
