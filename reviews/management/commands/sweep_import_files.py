"""Delete stored import files that no import will read again (failed, undone, cancelled,
or named by no batch): the same sweep a starting worker runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reviews import services


class Command(BaseCommand):
    help = "Delete the stored files of failed, undone and cancelled imports, and orphaned uploads."

    def handle(self, *args, **options):
        deleted = services.import_files_sweep()
        for name in deleted:
            self.stdout.write(f"deleted {name}")
        self.stdout.write(f"{len(deleted)} file(s) deleted")
