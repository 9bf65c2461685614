"""Every CSV and XLSX download neutralises formula injection: text starting with `=`, `+`,
`-`, `@`, tab or CR, imported or typed, is written as text (a leading apostrophe in CSV,
a string cell in XLSX). The downloads are found by walking the URL table, not listed."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from appraisal.models import Answer, Appraisal, Value
from reviews.models import Criterion, Record, Source
from screening.models import Study
from tests.security.conftest import _vote
from tests.security.test_url_matrix import TABLE, app_routes, call, url_of

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3+cmd",
            "@SUM(1+1)*cmd", "\t=1+1", "\r=1+1"]  # fmt: skip
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"reporting:records_export": ("csv", "xlsx"), "appraisal:table_download": ("csv", "xlsx"),
           "appraisal:characteristics": ("csv", "xlsx")}  # fmt: skip


@pytest.fixture
def hostile(world):
    """Every kind of text a download carries, starting with a formula."""
    review = world.review
    for n, record in enumerate(Record.objects.filter(review=review)):
        p = PAYLOADS[n % len(PAYLOADS)]
        Record.objects.filter(pk=record.pk).update(
            title=p + " title", authors=[p, "Smith, A."], journal=p, abstract=p, keywords=[p]
        )
    for n, source in enumerate(Source.objects.filter(review=review)):
        Source.objects.filter(pk=source.pk).update(name=f"{PAYLOADS[n]} {n}")
    for n, criterion in enumerate(Criterion.objects.filter(review=review)):
        Criterion.objects.filter(pk=criterion.pk).update(
            text=PAYLOADS[1], label=f"{PAYLOADS[3]}{n}"
        )
    Study.objects.filter(review=review).update(label=PAYLOADS[2])
    Appraisal.objects.filter(review=review).update(comment=PAYLOADS[3])
    Answer.objects.filter(appraisal__review=review).update(support_text=PAYLOADS[0], page_ref="-4")
    Value.objects.filter(extraction__review=review).update(source_location=PAYLOADS[4])
    _vote(review, world.open_record, world.reviewer, "exclude",
          reason_other=PAYLOADS[0], note=PAYLOADS[3])  # fmt: skip
    return world


def downloads(world) -> list[tuple[str, str]]:
    out = []
    for route in app_routes():
        if "GET" not in TABLE[route.name]:
            continue
        for fmt in FORMATS.get(route.name, (None,)):
            extra = {"fmt": fmt} if fmt else {}
            out.append((f"{route.name}.{fmt or ''}", url_of(route, world.ids, **extra)))
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_every_csv_and_xlsx_download_writes_formulas_as_text(hostile):
    client = Client()
    client.force_login(hostile.lead)
    checked, problems = [], []
    for name, url in downloads(hostile):
        response = call(client, "GET", url)
        kind = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if "csv" in kind:
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
            cells = [c for row in rows for c in row]
            bad = [c for c in cells if c.startswith(DANGEROUS) and not _is_number(c)]
        elif "spreadsheet" in kind:
            book = load_workbook(io.BytesIO(body))
            cells = [c for ws in book for row in ws.iter_rows() for c in row]
            bad = [c.value for c in cells if c.data_type == "f"]
            bad += [c.value for c in cells if isinstance(c.value, str)
                    and c.value.startswith(DANGEROUS) and c.data_type != "s"]  # fmt: skip
        else:
            continue
        checked.append(name)
        if bad:
            problems.append(f"{name}: {bad[:3]}")
    assert not problems, "\n".join(problems)
    # Every CSV/XLSX download named in the app READMEs is among those checked.
    for expected in ("reviews:dedup_report", "reviews:dedup_sources", "reviews:dedup_log",
                     "screening:agreement_csv", "reporting:prisma_s_csv",
                     "reporting:records_export", "reporting:screening_log",
                     "reporting:audit_csv",
                     "appraisal:long_csv", "appraisal:table_download", "appraisal:summary_csv",
                     "appraisal:wide_csv", "appraisal:robvis_csv", "appraisal:characteristics",
                     "appraisal:results_csv", "appraisal:extraction_long_csv"):  # fmt: skip
        assert any(c.startswith(expected + ".") for c in checked), expected
    assert sum(c.endswith("xlsx") for c in checked) == 3


def test_the_payloads_reach_the_exports_as_text(hostile):
    """The neutralised text is still there (an apostrophe added, nothing dropped)."""
    client = Client()
    client.force_login(hostile.lead)
    url = dict(downloads(hostile))["reporting:records_export.csv"]
    response = call(client, "GET", url)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(" in body and "'@SUM(1+1)*cmd" in body
