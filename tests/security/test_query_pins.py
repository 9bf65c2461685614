"""Issue #22: no page's query count grows with the rows it lists. Every GET page and download
of the URL matrix a member may open (walked from `TABLE`, so a new page is pinned by
default), at both stages and, where the view answers htmx with something else, as a
fragment too, is read by the lead and by a reviewer in the security world (`build_world`)
grown by one unit of rows of every kind (`grow`: records of another search, a copy and a
near copy, votes at both stages, a conflict, a retrieved report with its PDF, a study with
its design, appraisals and extractions, an invitation), then again after a second unit:
the queries must not change in number. A failure names the statements that grew.

Built once per module (a savepoint rolled back at the end), like the blinding walk.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import invitations as invitation_services
from appraisal import services as appraisal_services
from appraisal.models import Design
from lib.fulltext import make_pdf
from reviews import services as review_services
from reviews.models import Role, SourceType
from screening import services as screening_services
from screening.models import Report
from tests.appraisal.conftest import appraise, extract
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import paper
from tests.security.conftest import FT, TA, World, _vote, module_world
from tests.security.test_url_matrix import (
    LEAD,
    MEMBER,
    TABLE,
    USER,
    _body,
    app_routes,
    call,
    url_of,
)

pytestmark = pytest.mark.django_db

# Pages whose count follows something that does not grow with the rows, with the reason.
# (None today: add a page here only with a reason a reader can check.)
NOT_ROWS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    """The module's settings are set once, by `shared` (as in the blinding walk)."""


def grow(world: World, k: int) -> None:
    """One more unit of every listed kind in the world's review: a search and its records,
    their copies, votes, a conflict, a report, a study and the work on it, an invitation."""
    review, lead, reviewer, second = world.review, world.lead, world.reviewer, world.second_reviewer
    source = review_services.source_create(
        review=review, name=f"Medline {k}", source_type=SourceType.DATABASE
    )
    review_services.search_create(source=source, label=f"Main {k}", strategy="1. x.ti.")
    papers = [paper(100 * k + n, doi=f"10.5555/g{k}.{n}") for n in range(6)]
    batch = import_text(review, source, lead, ris(*papers), name=f"more{k}.ris")
    # A copy, and a near copy (no DOI, other pages) for the duplicate queue.
    near = papers[3] | {"title": papers[3]["title"].upper(), "ep": "99", "doi": ""}
    import_text(review, source, lead, ris(papers[3], near), name=f"copies{k}.ris")
    run(review)
    records = list(batch.records.order_by("ordinal"))
    included, conflicted = records[0], records[1]
    _vote(review, included, reviewer, "include")
    _vote(review, included, second, "include")
    _vote(review, conflicted, reviewer, "include")
    _vote(review, conflicted, second, "exclude", reason_other="Not a partnership")
    _vote(review, records[2], reviewer, "exclude", reason_other="Not a partnership")
    report = Report.objects.get(record=included)
    upload = SimpleUploadedFile("ft.pdf", make_pdf(included.title, doi=included.doi))
    screening_services.report_attach_pdf(
        review=review, report=report, upload=upload, filename=f"ft{k}.pdf", user=lead
    )
    _vote(review, included, reviewer, "include", stage=FT)
    _vote(review, included, second, "include", stage=FT)
    report.refresh_from_db()
    study = report.study
    checklist = review.checklists.get()
    appraisal_services.study_design_set(
        review=review, user=lead, study=study, design=Design.QUALITATIVE
    )
    version = checklist.versions.get()
    appraise(review, study, version, reviewer, Q1="no")
    appraise(review, study, version, second)
    form_version = review.extraction_forms.get().versions.get()
    extract(review, study, form_version, reviewer)
    extract(review, study, form_version, second, setting="Rural")
    invitation_services.invitation_create(
        review=review, email=f"grown{k}@example.org", role=Role.REVIEWER,
        invited_by=lead, base_url="http://testserver/",
    )  # fmt: skip


def _urls(world: World) -> list[tuple[str, str, str, bool]]:
    """(persona, label, url, htmx) for every GET a member may open, at each stage: the
    lead's and, where a reviewer may open it too, the reviewer's (the blinded reads take
    other paths); as a fragment too where the view answers htmx with something else."""
    pages = []
    for route in app_routes():
        rule = TABLE[route.name].get("GET")
        who, status = rule if isinstance(rule, tuple) else (rule, None)
        if who not in (MEMBER, LEAD, USER) or status not in (None, 200):
            continue
        # A stage's pages at both stages (the world's record ids are title/abstract's).
        stages = (TA, FT) if set(route.kwargs) == {"review", "stage"} else (None,)
        for stage in stages:
            label = f"{route.name} [{stage}]" if stage else route.name
            url = url_of(route, world.ids, **({"stage": stage} if stage else {}))
            pages.append(("lead", label, url))
            if who in (MEMBER, USER):
                pages.append(("reviewer", label, url))
    clients = _clients(world)
    out = []
    for persona, label, url in pages:
        out.append((persona, label, url, False))
        page = _body(call(clients[persona, False], "GET", url))
        if _body(call(clients[persona, True], "GET", url)) != page:
            out.append((persona, f"{label} (htmx)", url, True))
    return out


def _clients(world: World) -> dict[tuple[str, bool], Client]:
    clients = {}
    for persona, user in (("lead", world.lead), ("reviewer", world.reviewer)):
        for htmx in (False, True):
            clients[persona, htmx] = Client(headers={"HX-Request": "true"} if htmx else {})
            clients[persona, htmx].force_login(user)
    return clients


def _count(client: Client, url: str) -> list[str]:
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        transaction.set_rollback(True)
    assert response.status_code in (200, 286), (
        url,
        response.status_code,
    )  # 286: htmx, stop polling
    return [_masked(q["sql"]) for q in queries.captured_queries]


def _masked(sql: str) -> str:
    """The statement without its values (ids, lists of ids, session keys, times)."""
    return re.sub(r"\b\d+\b", "#", re.sub(r"IN \([^)]*\)|'[^']*'", "?", sql))


def _counts(world: World, urls) -> dict[tuple[str, str], list[str]]:
    clients = _clients(world)
    counts = {}
    for persona, label, url, htmx in urls:  # the second read: a first may fill a cache
        _count(clients[persona, htmx], url)
        counts[persona, label] = _count(clients[persona, htmx], url)
    return counts


@dataclass
class Shared:
    urls: list[tuple[str, str, str, bool]]
    small: dict[tuple[str, str], list[str]]  # the SQL run, numbers masked
    large: dict[tuple[str, str], list[str]]


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, tmp_path_factory):
    with module_world(django_db_blocker, tmp_path_factory, "query-pins") as world:
        grow(world, 1)
        urls = _urls(world)
        small = _counts(world, urls)
        grow(world, 2)
        large = _counts(world, urls)
        yield Shared(urls, small, large)


def test_the_walk_covers_the_list_pages(shared):
    names = {label.split(" ")[0] for _, label, _, _ in shared.urls}
    assert any(htmx for *_, htmx in shared.urls), "no fragment walked"
    for page in (
        "reviews:records", "reviews:dedup_queue", "reviews:batches", "reviews:team",
        "reviews:detail", "reviews:dedup_log", "screening:overview", "screening:conflicts",
        "screening:agreement", "screening:reports", "screening:studies", "screening:mine",
        "appraisal:overview", "appraisal:extraction", "appraisal:table", "reporting:prisma",
        "reporting:prisma_s", "reporting:screening_log", "reporting:records_export",
    ):  # fmt: skip
        assert page in names, page


def test_no_page_runs_a_query_per_row(shared):
    grown = []
    for persona, name, _, _ in shared.urls:
        small, large = shared.small[persona, name], shared.large[persona, name]
        if len(large) != len(small) and name not in NOT_ROWS:
            more = Counter(large) - Counter(small)
            grown.append(f"{persona} {name}: {len(small)} -> {len(large)}, repeated:")
            grown += [f"    {n} x {sql[:300]}" for sql, n in more.most_common(3)]
    assert not grown, "Queries that grow with the rows:\n" + "\n".join(grown)
