"""PRISMA downloads as files (issues #16 and #17): the PNG says it is 300 dpi, the PRISMA2020
CSV guards formula cells like every other download, and the database list is alphabetical
as a reader expects (CareData before COPAC), in the diagram and every file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from PIL import Image

from lib.spreadsheet import needs_guard
from reporting import rendering
from reviews import services
from reviews.models import SourceType

pytestmark = pytest.mark.django_db


@pytest.fixture
def databases(review):
    """Three databases whose names sort differently with and without case; one a formula."""
    for name, n in (("COPAC", 12), ("CareData", 173), ("assia", 25), ("=1+2", 4)):
        source = services.source_create(review=review, name=name,
                                        source_type=SourceType.DATABASE)  # fmt: skip
        services.search_create(source=source, label="Main", records_reported=n)
    return review


def _get(client, review, fmt) -> bytes:
    response = client.get(reverse("reporting:prisma_download", args=[review.slug, fmt]))
    assert response.status_code == 200, response.status_code
    return response.content


@pytest.mark.slow  # renders a figure (matplotlib): .ci/run's PostgreSQL pass
def test_the_png_carries_300_dpi(client, lead, databases):
    client.force_login(lead)
    image = Image.open(io.BytesIO(_get(client, databases, "png")))
    image.load()  # a broken chunk would fail here
    assert (
        tuple(round(d) for d in image.info["dpi"]) == (rendering.DPI, rendering.DPI) == (300, 300)
    )


def test_png_with_dpi_replaces_an_existing_phys_chunk():
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), "white").save(buffer, "PNG", dpi=(72, 72))
    image = Image.open(io.BytesIO(rendering.png_with_dpi(buffer.getvalue(), 600)))
    image.load()
    assert tuple(round(d) for d in image.info["dpi"]) == (600, 600) and image.size == (3, 2)


def test_the_prisma2020_csv_guards_formula_cells(client, lead, databases):
    client.force_login(lead)
    rows = list(csv.reader(io.StringIO(_get(client, databases, "csv").decode(), newline="")))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if needs_guard(c)], "a cell a spreadsheet would evaluate"
    specific = next(r for r in rows if r[0] == "database_specific_results")
    assert specific[-1].startswith("'=1+2, 4;")


def test_databases_are_listed_alphabetically_whatever_their_case(client, lead, databases):
    client.force_login(lead)
    want = ["=1+2", "assia", "CareData", "COPAC"]
    diagram = rendering.diagram(databases)
    assert [line.label for line in diagram.flow.databases] == want
    body = json.loads(_get(client, databases, "json"))
    assert [d["label"] for d in body["database_specific_results"]] == want
    svg = _get(client, databases, "svg").decode()
    positions = [svg.index(f">  {name} (n =") for name in ("assia", "CareData", "COPAC")]
    assert positions == sorted(positions)
    rows = list(csv.reader(io.StringIO(_get(client, databases, "csv").decode(), newline="")))
    specific = next(r for r in rows if r[0] == "database_specific_results")[-1]
    assert specific == "'=1+2, 4; assia, 25; CareData, 173; COPAC, 12"
