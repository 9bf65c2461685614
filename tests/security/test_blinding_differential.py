"""Issue #16.1, the differential test: worlds that differ only in a colleague's open vote
render the same bytes for the reviewer, on every URL of the URL matrix a reviewer may GET
(walked from `TABLE`, so a new page is covered by default), as a page and, where the view
answers htmx differently, as a fragment; plus the records downloads and the pages of each
record concerned. Tokens and times are masked (`_body`).

A vote is open while a slot of its record is open (screening.access). The colleague's open
votes tried, at each stage:
- title/abstract, a record the reviewer has not voted on: include; exclude with a reason and
  a note; include then withdrawn;
- title/abstract, a record the reviewer has voted on: the colleague voted before them and
  withdrew (with two slots, any later vote of the colleague fills the record: not open);
- full text, a retrieved report the reviewer included at title/abstract but has not voted
  on at full text: include; exclude with a reason.

The world is built once per module (a savepoint per world, rolled back), so the walk stays
in the default suite.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from reviews.models import Role
from screening import services as screening_services
from screening.access import Viewer
from screening.models import Decision, Report, Retrieval, Stage
from tests.reviews.test_dedup_service import import_text, ris, run
from tests.screening.conftest import paper
from tests.security.conftest import World, module_world
from tests.security.test_url_matrix import MEMBER, TABLE, USER, _body, app_routes, call, url_of

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
SECRET_REASON, SECRET_NOTE = "Colleague's secret reason", "Colleague's secret note"
LEAD_NOTE = "The lead's secret discussion note"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    """The module's settings (media, caches, hashers) are set once, by `shared`: the
    per-test ones of tests/conftest.py would hide the world's stored PDFs."""


@dataclass
class Shared:
    world: World
    ta_voted: object  # the reviewer voted include at title/abstract; the colleague has not
    ft_open: object  # retrieved, included at title/abstract by both; nobody voted at full text
    urls: list[tuple[str, str, bool]]  # (name, url, htmx)
    baseline: dict[tuple[str, bool], bytes]  # what the reviewer sees in the world as built


def _vote(review, record, user, verdict, stage=TA, **kw):
    return screening_services.decision_record(
        review=review, record=record, reviewer=user, stage=stage, verdict=verdict, **kw
    )


def _urls(world: World, records) -> list[tuple[str, str]]:
    """Every URL of the matrix a member may GET, the records downloads, and each record
    concerned on the screen, its page and its duplicate cluster."""
    urls = []
    for route in app_routes():
        rule = TABLE[route.name].get("GET")
        who = rule[0] if isinstance(rule, tuple) else rule
        if who in (MEMBER, USER):
            urls.append((route.name, url_of(route, world.ids)))
    slug = world.ids["review"]
    for fmt in ("csv", "xlsx", "ris"):
        urls.append((f"records_export.{fmt}", reverse("reporting:records_export",
                                                     args=[slug, fmt])))  # fmt: skip
    for stage in (TA, FT):
        urls.append((f"screen {stage}", reverse("screening:screen", args=[slug, stage])))
    for record in records:
        for stage in (TA, FT):
            screen = reverse("screening:screen", args=[slug, stage])
            urls.append((f"screen {stage} #{record.pk}", f"{screen}?record={record.pk}"))
        for name in ("reviews:record_detail", "reviews:dedup_cluster"):
            urls.append((f"{name} #{record.pk}", reverse(name, args=[slug, record.pk])))
        for stage in (TA, FT):
            notes = reverse("screening:notes", args=[slug, stage, record.pk])
            urls.append((f"screening:notes {stage} #{record.pk}", notes))
    for report in Report.objects.filter(record__in=records):
        for name in ("screening:report", "screening:report_pdf"):
            urls.append((f"{name} #{report.pk}", reverse(name, args=[slug, report.pk])))
    return urls


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, tmp_path_factory):
    """The security world (tests/security/conftest.py) and three more records, built once
    and rolled back at the end of the module."""
    with module_world(django_db_blocker, tmp_path_factory, "blinding-differential") as world:
        review, lead, reviewer = world.review, world.lead, world.reviewer
        second = world.second_reviewer
        source = review.sources.get(name="Medline")
        batch = import_text(
            review, source, lead,
            ris(*(paper(300 + n, doi=f"10.5555/d.{n}") for n in range(2))), name="more.ris",
        )  # fmt: skip
        run(review)
        ta_voted, ft_open = batch.records.order_by("ordinal")
        _vote(review, ta_voted, reviewer, "include")
        _vote(review, ft_open, reviewer, "include")
        _vote(review, ft_open, second, "include")
        screening_services.report_set_retrieval(
            review=review, report=Report.objects.get(record=ft_open),
            retrieval=Retrieval.RETRIEVED, user=lead, link="https://example.org/ft",
        )  # fmt: skip
        # The lead's notes on the records whose slots are open: hidden from the reviewer
        # in every world (rule 5); a leak shows as "secret" in a page.
        for record, stage in ((world.open_record, TA), (ta_voted, TA), (ft_open, FT)):
            _note(review, lead, record, stage)
        client = Client()
        client.force_login(reviewer)
        fragment = Client(headers={"HX-Request": "true"})
        fragment.force_login(reviewer)
        urls, baseline = [], {}
        for name, url in _urls(world, [world.open_record, ta_voted, ft_open]):
            urls.append((name, url, False))
            baseline[name, False] = _body(call(client, "GET", url))
            # A fragment too where the view answers htmx with something else.
            as_fragment = _body(call(fragment, "GET", url))
            if as_fragment != baseline[name, False]:
                urls.append((name, url, True))
                baseline[name, True] = as_fragment
        yield Shared(world, ta_voted, ft_open, urls, baseline)


def _render(shared: Shared, change=None) -> dict[tuple[str, bool], bytes]:
    """The reviewer's every URL in a world changed by `change` (rolled back after)."""
    world = shared.world
    clients = {}
    for htmx in (False, True):
        clients[htmx] = Client(headers={"HX-Request": "true"} if htmx else {})
        clients[htmx].force_login(world.reviewer)
    with transaction.atomic():
        if change is not None:
            change(shared)
        bodies = {(n, h): _body(call(clients[h], "GET", u)) for n, u, h in shared.urls}
        transaction.set_rollback(True)
    return bodies


def _colleague(record_of, verdict, stage=TA, withdraw=False, **kw):
    def change(shared: Shared) -> None:
        world = shared.world
        record = record_of(shared)
        _vote(world.review, record, world.second_reviewer, verdict, stage=stage, **kw)
        if withdraw:
            screening_services.decision_withdraw_last(
                review=world.review, reviewer=world.second_reviewer, stage=stage
            )

    return change


def _withdrawn_before_the_reviewer_voted(shared: Shared) -> None:
    """The colleague voted on `ta_voted` before the reviewer did, then withdrew: the same
    world but for the colleague's open (withdrawn) vote in the history."""
    world, record = shared.world, shared.ta_voted
    mine = Decision.objects.get(paper=record, reviewer=world.reviewer, stage=TA)
    fields = {f.attname: getattr(mine, f.attname) for f in Decision._meta.concrete_fields}
    mine.delete()
    _vote(world.review, record, world.second_reviewer, "exclude",
          reason_other=SECRET_REASON, note=SECRET_NOTE)  # fmt: skip
    screening_services.decision_withdraw_last(
        review=world.review, reviewer=world.second_reviewer, stage=TA
    )
    restored = Decision.objects.create(**fields)
    Decision.objects.filter(pk=restored.pk).update(
        created_at=fields["created_at"], updated_at=fields["updated_at"]
    )


def _note(review, lead, record, stage, text=LEAD_NOTE):
    return screening_services.note_add(
        viewer=Viewer(review, lead.pk, Role.LEAD), paper=record, stage=stage, user=lead, text=text
    )


def _lead_notes(record_of, stage=TA):
    """A world with one more note of the lead's, on a record the reviewer has not voted on
    (at `stage`): the reviewer's pages must not change."""

    def change(shared: Shared) -> None:
        world = shared.world
        _note(world.review, world.lead, record_of(shared), stage, text="Another secret remark")

    return change


def _open(shared):
    return shared.world.open_record


def _ft(shared):
    return shared.ft_open


WORLDS = {
    "TA, not voted by the reviewer: include": _colleague(_open, "include"),
    "TA, not voted by the reviewer: exclude": _colleague(
        _open, "exclude", reason_other=SECRET_REASON, note=SECRET_NOTE
    ),
    "TA, not voted by the reviewer: include, withdrawn": _colleague(
        _open, "include", withdraw=True
    ),
    "TA, voted by the reviewer: the colleague's withdrawn vote": (
        _withdrawn_before_the_reviewer_voted
    ),
    "TA, not voted by the reviewer: the lead's note": _lead_notes(_open),
    "FT, not voted by the reviewer at FT: the lead's note": _lead_notes(_ft, stage=FT),
    "FT, not voted by the reviewer at FT: include": _colleague(_ft, "include", stage=FT),
    "FT, not voted by the reviewer at FT: exclude": _colleague(
        _ft, "exclude", stage=FT, reason_other=SECRET_REASON, note=SECRET_NOTE
    ),
}


def test_the_walk_covers_the_url_matrix(shared):
    names = {name for name, _, _ in shared.urls}
    members = {r.name for r in app_routes() if TABLE[r.name].get("GET") in (MEMBER, USER)}
    assert members <= names
    assert any(htmx for _, _, htmx in shared.urls)  # some fragments too
    assert len(shared.urls) > 50


# One world per case in the default suite; the rest (CI's slow pass) vary the verdict.
QUICK = (
    "TA, not voted by the reviewer: exclude",
    "TA, not voted by the reviewer: the lead's note",
    "TA, voted by the reviewer: the colleague's withdrawn vote",
    "FT, not voted by the reviewer at FT: exclude",
)


@pytest.mark.parametrize(
    "world",
    [w if w in QUICK else pytest.param(w, marks=pytest.mark.slow) for w in sorted(WORLDS)],
)
def test_a_colleagues_open_vote_changes_nothing_the_reviewer_sees(shared, world):
    baseline = shared.baseline
    bodies = _render(shared, WORLDS[world])
    leaks = sorted(
        {f"{n}{' (htmx)' if h else ''}" for n, h in bodies if bodies[n, h] != baseline[n, h]}
    )
    leaks += [f"{n}: secret" for (n, _), body in bodies.items() if b"secret" in body]
    assert not leaks, f"pages that tell the colleague's open vote ({world}): {leaks}"


def test_the_world_is_what_the_test_says(shared):
    """The records are as the worlds assume: open slots where the colleague votes."""
    world = shared.world
    assert not Decision.objects.filter(paper=world.open_record).exists()
    assert list(
        Decision.objects.filter(paper=shared.ta_voted).values_list("reviewer", flat=True)
    ) == [world.reviewer.pk]
    assert not Decision.objects.filter(paper=shared.ft_open, stage=FT).exists()
    assert Report.objects.get(record=shared.ft_open).retrieval == Retrieval.RETRIEVED


def test_the_leads_note_shows_once_the_reviewers_vote_is_fixed(shared):
    """The other side of rule 5: the colleague's vote fills the last slot of `ta_voted`
    (not open: the votes are fixed), and the lead's note shows on its notes page."""
    record = shared.ta_voted
    name = f"screening:notes {TA} #{record.pk}"
    assert LEAD_NOTE.encode() not in shared.baseline[name, False]
    change = _colleague(lambda s: s.ta_voted, "exclude", reason_other="Not a partnership")
    bodies = _render(shared, change)
    assert LEAD_NOTE.encode() in bodies[name, False].replace(b"&#x27;", b"'")
