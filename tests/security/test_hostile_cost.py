"""Hostile input that costs time or memory (issue #16): every page, fragment and download
the world serves stays cheap when the lead's highlight terms are catastrophic for a
backtracking regex and every text holds one enormous word. A new page is covered by being
in the URL matrix; the watchdog turns a hang into a failure (not a timing assertion)."""

from __future__ import annotations

import pytest
from django.test import Client

from reviews.models import Record
from screening.models import Stage, StageSettings
from tests.lib.test_screening_highlight import HOSTILE_TERMS
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
