"""The outcome tables in RevMan's layout (#20): one row per comparison, the experimental
group (the first arm entered) then the control, under the column names of RevMan's CSV data
import (`Study ID, Experimental events, Experimental total, Control events, Control total`;
`Experimental mean, Experimental SD, Experimental total, Control ...`). The file is read
back with that documented column set and every value is checked as a number."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from appraisal import services
from tests.appraisal.conftest import extract

pytestmark = pytest.mark.django_db

# The documented column sets (appraisal/README.md, "RevMan"), in RevMan's data table order.
DICHOTOMOUS = [
    "Study ID",
    "Outcome",
    "Time point",
    "Experimental group",
    "Control group",
    "Experimental events",
    "Experimental total",
    "Control events",
    "Control total",
]
CONTINUOUS = ["Study ID", "Outcome", "Time point", "Experimental group", "Control group",
              "Experimental mean", "Experimental SD", "Experimental total", "Control mean",
              "Control SD", "Control total"]  # fmt: skip

FORM = """## Results
results | Outcomes by arm | table | outcome; timepoint; arm; n; events; mean; sd
"""
TABLE = (
    "quit | 12m | drug | 100 | 30 | | \n"
    "quit | 12m | placebo | 98 | 12 | | \n"
    "SBP | 12m | drug | 100 | | -4.25 | 10.5\n"
    "SBP | 12m | placebo | 98 | | 0.5 | 11\n"
    "SBP | 12m | exercise | 97 | | -2 | 9.75"
)


def _rows(client, review, form, kind) -> tuple[list[str], list[dict]]:
    response = client.get(reverse("appraisal:outcomes_csv", args=[review.slug, form.pk, kind]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(body))
    return list(reader.fieldnames or []), list(reader)


def _number(cell: str) -> float:
    assert cell and not cell.startswith("'"), cell  # a bare number, never text
    return float(cell)


def test_revman_layout_reads_back_with_the_documented_columns_as_numbers(
    client, review, lead, reviewer, second_reviewer, study
):
    form = services.form_create(review=review, user=lead, name="Outcomes", definition=FORM)
    version = form.versions.get()
    for user in (reviewer, second_reviewer):
        extract(review, study, version, user, results=TABLE)
    client.force_login(reviewer)
    header, rows = _rows(client, review, form, "dichotomous_revman")
    assert header == DICHOTOMOUS and len(rows) == 1
    row = rows[0]
    assert (row["Study ID"], row["Outcome"], row["Time point"]) == (study.label, "quit", "12m")
    assert (row["Experimental group"], row["Control group"]) == ("drug", "placebo")
    assert [_number(row[c]) for c in DICHOTOMOUS[5:]] == [30, 100, 12, 98]
    assert all(row[c].isdigit() for c in DICHOTOMOUS[5:])  # counts are whole numbers
    header, rows = _rows(client, review, form, "continuous_revman")
    assert header == CONTINUOUS and len(rows) == 2  # drug v placebo, drug v exercise
    assert [r["Control group"] for r in rows] == ["placebo", "exercise"]
    assert [_number(rows[0][c]) for c in CONTINUOUS[5:]] == [-4.25, 10.5, 100, 0.5, 11, 98]
    assert [_number(rows[1][c]) for c in CONTINUOUS[5:]] == [-4.25, 10.5, 100, -2, 9.75, 97]
    # The metafor file holds the same numbers in the same order.
    header, metafor = _rows(client, review, form, "continuous")
    assert [list(r.values())[5:] for r in metafor] == [list(r.values())[5:] for r in rows]
    assert client.get(reverse("appraisal:outcomes_csv",
                              args=[review.slug, form.pk, "continuous_other"])).status_code == 404  # fmt: skip
