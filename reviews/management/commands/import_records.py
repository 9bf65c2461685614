"""Import a search-results file from the shell: the same services as the web upload."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from lib.imports import TARGET_FIELDS, ImportFileError, open_export
from reviews import services
from reviews.models import Review, Source


class Command(BaseCommand):
    help = (
        "Import a search-results file (RIS, PubMed MEDLINE or XML, Web of Science, EndNote XML "
        "or tagged, BibTeX, Ovid, CSL-JSON, CSV/TSV, XLSX; the format is read from the "
        "content) into a source of a review."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--review", required=True, help="review id or slug")
        parser.add_argument("--source", required=True, help="source name, as in the review")
        parser.add_argument("--search", default="", help="label of one of the source's searches")
        parser.add_argument("--dry-run", action="store_true", help="read and report, store nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--force", action="store_true", help="import even if this file was imported before"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help=f"spreadsheet column -> field ({', '.join(TARGET_FIELDS)}, ignore); repeatable",
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        result = {"format": None, "records": 0, "warnings": [], "errors": []}
        try:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            review = self._review(options["review"])
            source = self._source(review, options["source"])
            search = self._search(source, options["search"])
            mapping = {**source.column_mapping, **self._mapping(options["map"])}
            if options["dry_run"]:
                self._dry_run(path, mapping, result)
            else:
                self._import(path, review, source, search, options["force"], mapping, result)
        except (CommandError, ImportFileError, ValidationError) as error:
            message = getattr(error, "message", None) or " ".join(
                getattr(error, "messages", [str(error)])
            )
            result["errors"].append(message)
        except services.BatchBusy:
            result["errors"].append("Another run is importing this batch; nothing was changed.")
        except KeyboardInterrupt:
            result["errors"].append("Interrupted: the import was stopped and nothing was kept.")
        except Exception as error:  # the batch is already marked failed, its rows deleted
            result["errors"].append(f"Internal error ({type(error).__name__}): nothing was kept.")
        self._report(result, options["json"])
        if result["errors"]:
            raise SystemExit(1)

    def _review(self, key: str) -> Review:
        review = Review.objects.filter(slug=key).first()
        if review is None and key.isdigit():
            review = Review.objects.filter(pk=int(key)).first()
        if review is None:
            raise CommandError(f"No review with id or slug {key!r}.")
        return review

    def _source(self, review: Review, name: str) -> Source:
        source = review.sources.filter(name__iexact=name.strip()).first()
        if source is None:
            names = ", ".join(review.sources.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"Review {review.slug!r} has no source {name!r} (sources: {names}).")
        return source

    def _search(self, source: Source, label: str):
        if not label:
            return None
        search = source.searches.filter(label__iexact=label.strip()).first()
        if search is None:
            raise CommandError(f"Source {source.name!r} has no search labelled {label!r}.")
        return search

    def _mapping(self, pairs: list[str]) -> dict[str, str]:
        mapping = {}
        for pair in pairs:
            header, sep, field = pair.rpartition("=")
            if not sep or not header or field not in (*TARGET_FIELDS, "ignore"):
                raise CommandError(
                    f"--map {pair!r}: write HEADER=FIELD, FIELD one of "
                    f"{', '.join(TARGET_FIELDS)}, ignore."
                )
            mapping[header] = field
        return mapping

    def _dry_run(self, path: Path, mapping: dict, result: dict) -> None:
        with open_export(path, filename=path.name, column_mapping=mapping or None) as reader:
            result["format"] = reader.format
            count = 0
            for parsed in reader:
                count += 1
                result["warnings"].extend(
                    f"Record {parsed.ordinal} (line {parsed.line}): {w}" for w in parsed.warnings
                )
            result["records"] = count
            result["warnings"][:0] = reader.warnings

    def _import(self, path, review, source, search, force, mapping, result) -> None:
        try:
            with path.open("rb") as handle:
                batch = services.import_batch_start(
                    review=review,
                    source=source,
                    search=search,
                    upload=File(handle, name=path.name),
                    filename=path.name,
                    allow_duplicate=force,
                    column_mapping=mapping,
                    preview=False,
                    enqueue=False,
                )
        except services.DuplicateFileWarning as warning:
            raise CommandError(
                f"{warning.message} Nothing was imported; add --force to import it again."
            ) from None
        batch = services.import_batch_run(batch_id=batch.pk)
        result["format"] = batch.format or None
        result["records"] = batch.records_stored
        result["warnings"] = list(batch.warnings)
        result["errors"] = list(batch.errors)

    def _report(self, result: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for warning in result["warnings"]:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        for error in result["errors"]:
            self.stderr.write(self.style.ERROR(f"error: {error}"))
        if not result["errors"]:
            self.stdout.write(
                self.style.SUCCESS(f"{result['records']} records ({result['format']})")
            )
