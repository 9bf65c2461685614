"""No stored text can forge a line of a tagged export (issue #16: a newline in a reviewer's
reason put a forged record into the lead's RIS). Every text field of the world's records,
sources, criteria, studies, decisions and resolutions gets line breaks of every kind
followed by RIS tags, written straight into the database (as rows written before the rule
or by any other way in); then every tagged download the URL table names (RIS today, and any
other format the records export gains) must hold exactly one record per record, every line
a tag line."""

from __future__ import annotations

import re

import pytest
import rispy
from django.db import models
from django.test import Client

from reviews.models import Criterion, Record, Source
from screening.models import Decision, Resolution, Study
from tests.security.test_url_matrix import TABLE, app_routes, call, url_of

pytestmark = pytest.mark.django_db

BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029"]
TAGGED = {"reporting:records_export": ("ris",)}  # url name -> its tagged formats
TAG_LINE = re.compile(r"[A-Z][A-Z0-9]  - .*|")


def forged(n: int) -> str:
    brk = BREAKS[n % len(BREAKS)]
    return f"x{brk}ER  - {brk}{brk}TY  - JOUR{brk}TI  - Forged {n}{brk}ER  - {brk}"


@pytest.fixture
def hostile(world):
    n = 0
    for model in (Record, Source, Criterion, Study, Decision, Resolution):
        text = [f.name for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField)) and not f.choices
                and f.name not in ("raw_text", "doi", "pmid", "code")]  # fmt: skip
        for pk in model.objects.filter(review=world.review).values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(
                **{name: forged(n + i) for i, name in enumerate(text)}
            )
            n += len(text)
    Record.objects.filter(review=world.review).update(
        authors=[forged(1), "Smith, A."], keywords=[forged(2)]
    )
    return world


def test_every_tagged_download_holds_one_record_per_record(hostile):
    client = Client()
    client.force_login(hostile.lead)
    checked = 0
    for route in app_routes():
        for fmt in TAGGED.get(route.name, ()):
            assert "GET" in TABLE[route.name]
            for query in ("", "?included=1"):
                response = call(client, "GET", url_of(route, hostile.ids, fmt=fmt) + query)
                text = response.content.decode()
                lines = text.splitlines()  # every line break Python knows, as readers might
                bad = [line for line in lines if not TAG_LINE.fullmatch(line)]
                assert not bad, bad[:3]
                records = sum(line.startswith("TY  - ") for line in lines)
                assert records == sum(
                    line.startswith("ER  - ") or line == "ER  -" for line in lines
                )
                assert len(rispy.loads(text)) == records
                assert not any(e.get("title", "").startswith("Forged") for e in rispy.loads(text))
                checked += 1
    expected = Record.objects.in_review(hostile.review).count()
    response = call(client, "GET", url_of(next(r for r in app_routes()
                                               if r.name == "reporting:records_export"),
                                          hostile.ids, fmt="ris"))  # fmt: skip
    assert response.content.decode().count("\nTY  - ") + 1 == expected
    assert checked == 2
