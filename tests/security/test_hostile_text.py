"""Imported and typed text is rendered escaped: XSS payloads in titles, abstracts, author
names, journals, keywords, URLs, notes, reasons, criteria, source names and study labels
appear in no page, fragment or figure as markup (the browser check that no script runs is
tests/browser/test_hostile_input.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from reviews.models import Criterion, Record, Source
from screening.models import Study
from tests.security.conftest import _vote
from tests.security.test_url_matrix import TABLE, app_routes, call, url_of

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
    "'><svg onload=window.__xss=3>",
    "</textarea><script>window.__xss=4</script>",
    "{{ 7|add:7 }}{% csrf_token %}",
]
MARKUP = [b"<script>window.__xss", b"<img src=x onerror", b"<svg onload=", b"14{"]


def make_hostile(world) -> None:
    review = world.review
    for n, record in enumerate(Record.objects.filter(review=review)):
        p = PAYLOADS[n % len(PAYLOADS)]
        Record.objects.filter(pk=record.pk).update(
            title=f"{p} title {n}", abstract=p, authors=[p, "Smith, A."], journal=p,
            keywords=[p], url="javascript:window.__xss=5", doi=f'10.1/x"><script>{n}',
            raw_text=f"TI  - {p}\nER  - \n",
        )  # fmt: skip
    for n, source in enumerate(Source.objects.filter(review=review)):
        Source.objects.filter(pk=source.pk).update(name=f"{PAYLOADS[1]} {n}")
    for n, criterion in enumerate(Criterion.objects.filter(review=review)):
        Criterion.objects.filter(pk=criterion.pk).update(
            text=PAYLOADS[0], label=f"{PAYLOADS[2]}{n}"
        )
    Study.objects.filter(review=review).update(label=PAYLOADS[3])
    review.__class__.objects.filter(pk=review.pk).update(question=PAYLOADS[0])
    _vote(review, world.open_record, world.lead, "exclude",
          reason_other=PAYLOADS[1], note=PAYLOADS[0])  # fmt: skip


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_no_page_renders_a_payload_as_markup(world, htmx):
    make_hostile(world)
    client = Client(headers={"HX-Request": "true"} if htmx else {})
    client.force_login(world.lead)
    found, checked = [], 0
    for route in app_routes():
        if "GET" not in TABLE[route.name]:
            continue
        response = call(client, "GET", url_of(route, world.ids))
        kind = response.get("Content-Type", "")
        if "html" not in kind and "svg" not in kind:
            continue
        checked += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        hits = [m for m in MARKUP if m in body] + (
            [b"javascript:"] if b'href="javascript:' in body else []
        )
        if hits:
            found.append(f"{route.name}: {hits}")
    assert checked > 40
    assert not found, "\n".join(found)
