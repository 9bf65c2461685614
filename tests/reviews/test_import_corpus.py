"""Every file of ../shared/data/imports (every format) imported through the service into the
database: exactly the MANIFEST's record count stored, titles stored as read.

Skipped where ../shared is absent (tests/corpus.py reads the MANIFEST).
"""

from __future__ import annotations

import pytest
from django.core.files import File

from reviews import services
from reviews.models import BatchStatus, Record
from tests.corpus import CORPUS, READABLE, needs_corpus

pytestmark = [pytest.mark.corpus, needs_corpus, pytest.mark.django_db]


def _import(review, source, lead, name):
    with (CORPUS / name).open("rb") as handle:
        batch = services.import_batch_start(
            review=review,
            source=source,
            upload=File(handle, name=name),
            filename=name,
            user=lead,
            preview=False,
            enqueue=False,
            allow_duplicate=True,
        )
    return services.import_batch_run(batch_id=batch.pk)


@pytest.mark.parametrize(("name", "expected"), READABLE)
def test_every_record_is_stored(review, source, lead, name, expected):
    batch = _import(review, source, lead, name)
    assert batch.status == BatchStatus.DONE, batch.errors
    assert batch.records_found == batch.records_stored == expected
    stored = Record.objects.visible().filter(batch=batch)
    assert stored.count() == expected
    assert sum(1 for r in stored if r.raw_text) == expected
