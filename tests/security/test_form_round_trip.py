"""Every edit form round-trips: open it, submit exactly what a browser would (no field
touched), and nothing stored changes. Dates were rendered as 31/01/2000 (en-gb), which an
<input type=date> cannot show, so saving a review or a search erased its dates (issue #17).

The forms are discovered, not listed: every page the URL matrix's world serves to a lead or
a reviewer (tests/security/test_url_matrix.py: TABLE) is opened and every POST form on it
is parsed (tests/security/browser_forms.py) and submitted. A form whose only controls are
hidden inputs and a button is an action (undo, run, delete): pressing it is meant to
change something. `ACTIONS` names the other forms that act rather than edit, each with its
reason; a new form that is neither a round-trip nor in `ACTIONS` fails.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import resolve

from tests.security.browser_forms import forms_of, payload
from tests.security.test_url_matrix import LEAD, MEMBER, TABLE, USER, app_routes, url_of

pytestmark = pytest.mark.django_db

# Forms with visible fields whose submission is an action, by the URL name they post to.
ACTIONS: dict[str, str] = {
    "reviews:search_create": "adds a search (its fields may all be blank)",
    "screening:decide": "the verdict buttons are the submit buttons: pressing one votes",
    "screening:bulk_confirm": "attaches the matched PDFs",
    "account_request_reauthentication_code": "sends a sign-in code by mail",
}

_SKIPPED_APPS = {"sessions", "admin"}  # Django's own bookkeeping


def snapshot() -> dict[tuple[str, object], dict]:
    """Every stored value: (model, pk) -> {field: value}, without auto_now timestamps."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in _SKIPPED_APPS or model._meta.proxy:
            continue
        names = [f.attname for f in model._meta.concrete_fields
                 if not (isinstance(f, models.DateTimeField) and f.auto_now)]  # fmt: skip
        for row in model._default_manager.values(*names):
            rows[(model._meta.label, row[model._meta.pk.attname])] = row
    return rows


def changes(before: dict, after: dict) -> list[str]:
    out = [f"deleted {key}" for key in before.keys() - after.keys()]
    out += [f"added {key}: {after[key]}" for key in after.keys() - before.keys()]
    for key in before.keys() & after.keys():
        diff = {k: (v, after[key][k]) for k, v in before[key].items() if after[key][k] != v}
        if diff:
            out.append(f"changed {key}: {diff}")
    return out


def _pages(world, persona: str) -> list[tuple[str, str]]:
    pages = []
    for route in app_routes():
        rule = TABLE[route.name].get("GET")
        who = rule[0] if isinstance(rule, tuple) else rule
        if rule is None or isinstance(rule, tuple):
            continue
        if who in (USER, MEMBER) or (who == LEAD and persona == "lead"):
            pages.append((route.name, url_of(route, world.ids)))
    return pages


@pytest.fixture
def dated_world(world):
    """The world with every date a form shows filled in, and other values a careless form
    could lose (a PRISMA column chosen by the lead, a platform, limits, a records count)."""
    import datetime as dt

    from reviews import services
    from reviews.models import Search, Source

    review = world.review
    services.review_update(review=review, title=review.title, question=review.question,
                           date_from=dt.date(1997, 1, 1), date_to=dt.date(2008, 6, 30))  # fmt: skip
    search = Search.objects.get(pk=world.ids["search_id"])
    services.search_update(search=search, date_run=dt.date(2008, 7, 14),
                           date_limits_from=dt.date(1997, 1, 1),
                           date_limits_to=dt.date(2008, 6, 30), limits="English only",
                           filters="SIGN RCT filter", records_reported=286)  # fmt: skip
    source = Source.objects.get(pk=world.ids["source_id"])
    services.source_update(source=source, name=source.name, source_type=source.source_type,
                           platform="Ovid", arm="other", pooled_into_screening=True,
                           notes="Searched twice\nonce per database")  # fmt: skip
    return world


def _round_trips(world, persona: str):
    client = Client()
    client.force_login(getattr(world, persona))
    tried, failures, unclassified = [], [], []
    for name, url in _pages(world, persona):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for index, form in enumerate(forms_of(response.content.decode())):
            if form.method != "post":
                continue
            action = form.action or url
            target = resolve(action.split("?")[0]).view_name
            label = f"{name} form {index} -> {target}"
            if target in ACTIONS:
                continue
            if not form.visible:
                continue  # a button: an action by its nature
            before = snapshot()
            with transaction.atomic():
                answer = client.post(action, payload(form))
                after = snapshot()
                transaction.set_rollback(True)
            tried.append(label)
            found = changes(before, after)
            if answer.status_code >= 400:
                failures.append(f"{label}: HTTP {answer.status_code}")
            elif found:
                unclassified.append(f"{label}:\n    " + "\n    ".join(found[:6]))
    return tried, failures, unclassified


@pytest.mark.parametrize("persona", ["lead", "reviewer"])
def test_every_edit_form_submitted_untouched_changes_nothing(dated_world, persona):
    tried, failures, changed = _round_trips(dated_world, persona)
    assert not failures, "\n".join(failures)
    assert not changed, "forms that changed stored values when submitted untouched:\n" + "\n".join(
        changed
    )
    targets = {label.rsplit(" -> ", 1)[1] for label in tried}
    # The edit pages with dates and choices are among the forms tried.
    expected = {"reviews:edit", "reviews:search_edit", "reviews:source_edit", "screening:settings",
                "appraisal:settings", "appraisal:checklist", "appraisal:extraction_form",
                "reviews:member_role"} if persona == "lead" else {
                "appraisal:appraise", "appraisal:extract"}  # fmt: skip
    assert expected <= targets, sorted(targets)
