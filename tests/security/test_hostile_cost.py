"""Hostile input that costs time or memory (issue #16): every page, fragment and download
the world serves stays cheap when the lead's highlight terms are catastrophic for a
backtracking regex and every text holds one enormous word (a new page is covered by being
in the URL matrix); and every class of expanding or over-long import file is refused by
the upload's preview with a message naming the file and the entry, leaving no record and
no stored file (a new format joins `HOSTILE_FILES`; tests/lib/test_import_bounds.py runs
the field bounds over every format's fixture). The watchdog turns a hang into a failure
(not a timing assertion)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reviews import services as review_services
from reviews.models import BatchStatus, Record
from screening.models import Stage, StageSettings
from tests.lib.test_import_bounds import doubling_bib
from tests.lib.test_screening_highlight import HOSTILE_TERMS
from tests.lib.xlsx_parts import shared_strings_workbook
from tests.security.test_url_matrix import TABLE, app_routes, call, url_of

pytestmark = pytest.mark.django_db


def make_costly(world) -> None:
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        StageSettings.objects.update_or_create(
            review=world.review,
            stage=stage,
            defaults={
                "include_terms": "\n".join(HOSTILE_TERMS),
                "exclude_terms": "\n".join(reversed(HOSTILE_TERMS)),
            },
        )
    word = "a" * 20_000
    Record.objects.filter(review=world.review).update(
        title=f"{word} title", abstract=f"{word} {'a ' * 2_000}{'a-' * 2_000}end"
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_catastrophic_highlight_terms_cost_no_page_anything(world, htmx, watchdog):
    make_costly(world)
    checked = 0
    for user in (world.lead, world.reviewer):
        client = Client(headers={"HX-Request": "true"} if htmx else {})
        client.force_login(user)
        for route in app_routes():
            if "GET" not in TABLE[route.name]:
                continue
            with watchdog(15):
                response = call(client, "GET", url_of(route, world.ids))
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
            checked += 1
    assert checked > 80


def _xlsx_bomb(tmp_path) -> bytes:
    path = shared_strings_workbook(
        tmp_path / "bomb.xlsx", [[0, 1], [2, 3]],
        ["Title", "Year", "A title", "2001", *(f"s{i}" for i in range(200_000))],
    )  # fmt: skip
    return path.read_bytes()


def _csv(abstract: str) -> bytes:
    return f"Title,Abstract,Year\nFirst,short,2001\nSecond,{abstract},2002\n".encode()


# name -> (bytes of the file, what the message must say besides the file's name)
HOSTILE_FILES = {
    "amplified.bib": (lambda tmp: doubling_bib(30).encode(),
                      "@string a16: expands to more than 1,000,000 characters (line 17)"),
    "concatenated.bib": (lambda tmp: doubling_bib(16, in_entry=True).encode(),
                         "entry bomb: a field expands to more than"),
    "bomb.xlsx": (_xlsx_bomb, "shared-strings table holds more strings"),
    "long-title.ris": (lambda tmp: f"TY  - JOUR\nTI  - {'t' * 10_001}\nER  - \n".encode(),
                       "title is 10,001 characters long; Sift keeps at most 10,000 (record 1"),
    "long-abstract.csv": (lambda tmp: _csv("a" * 200_001),
                          "abstract is 200,001 characters long; Sift keeps at most 200,000 "
                          "(record 2"),
    "deep.json": (lambda tmp: ('[{"title": "x", "type": "article", "note": '
                               + "[" * 100_000 + "]" * 100_000 + "}]").encode(),
                  "nests values too deeply"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_a_hostile_file_is_refused_by_the_preview_naming_it_and_leaves_nothing(
    name, review, source, lead, tmp_path, settings, watchdog, django_capture_on_commit_callbacks
):
    make, message = HOSTILE_FILES[name]
    batch = review_services.import_batch_start(
        review=review, source=source, upload=SimpleUploadedFile(name, make(tmp_path)), filename=name,
        user=lead, enqueue=False,
    )  # fmt: skip
    with watchdog(30), django_capture_on_commit_callbacks(execute=True):
        review_services.import_batch_preview_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    (error,) = batch.errors
    assert error.startswith(name) and message in error, error
    assert not Record.objects.filter(batch=batch).exists()
    media = [p for p in (settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert media == []
