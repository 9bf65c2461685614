"""Issue #21, dead ends: no link or button a person cannot use, and every error page in the
site frame saying why and where to go.

Each reviewer opens every page the URL matrix (`test_url_matrix.TABLE`) lets them open; every
link (`href`, `hx-get`) and every form (`action`, `hx-post`) on it is followed as a browser
would (GET for links, the form's method for forms, in a savepoint that is rolled back). None
may answer 403.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

from reviews.models import DedupPair, PairKind
from tests.security.test_url_matrix import (
    LEAD,
    MEMBER,
    TABLE,
    USER,
    app_routes,
    call,
    status_of,
    url_of,
)

pytestmark = pytest.mark.django_db


class _Targets(HTMLParser):
    """(method, url) of every link and form on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[tuple[str, str]] = set()
        self.form_method: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.found.add(("GET", a["href"]))
        if a.get("hx-get"):
            self.found.add(("GET", a["hx-get"]))
        if a.get("hx-post"):
            self.found.add(("POST", a["hx-post"]))
        if tag == "form" and a.get("action"):
            self.found.add(((a.get("method") or "get").upper(), a["action"]))


def targets(html: str) -> set[tuple[str, str]]:
    parser = _Targets()
    parser.feed(html)
    own = set()
    for method, url in parser.found:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, an anchor, a mailto:
        own.add((method, url))
    return own


def pages_for(world, persona: str) -> list[tuple[str, str]]:
    pages = []
    for route in app_routes():
        rule = TABLE[route.name].get("GET")
        who = rule[0] if isinstance(rule, tuple) else rule
        if rule is None or (isinstance(rule, tuple) and rule[1] != 200):
            continue
        if who in (USER, MEMBER) or (who == LEAD and persona == "lead"):
            pages.append((route.name, url_of(route, world.ids)))
    return pages


def add_probable_pair(world):
    """A probable pair waiting for a lead (the "Check 1 probable pair" button)."""
    DedupPair.objects.create(
        review=world.review,
        record_a_id=world.ids["record_id"],
        record_b_id=world.ids["other_id"],
        kind=PairKind.PROBABLE,
        rule="title",
        score=0.9,
    )
    return world


@pytest.fixture
def busy_world(world, django_user_model):
    """With a third reviewer who has done nothing (not one of the appraisal pair)."""
    from reviews import services as review_services
    from tests.conftest import make_user

    world.third = make_user(django_user_model, "third_reviewer")
    review_services.member_add(review=world.review, username="third_reviewer", role="reviewer")
    return add_probable_pair(world)


@pytest.mark.parametrize("persona", ["reviewer", "second_reviewer", "third"])
def test_a_reviewer_is_shown_no_link_or_button_that_answers_403(busy_world, persona):
    world = busy_world
    client = Client()
    client.force_login(getattr(world, persona))
    seen: dict[tuple[str, str], str] = {}
    for name, url in pages_for(world, persona):
        response = call(client, "GET", url)
        if status_of(response) != 200:
            continue  # a page kept from this person (blinding): the URL matrix checks those
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        for target in targets(response.content.decode()):
            seen.setdefault(target, name)
    assert len(seen) > 60
    dead = []
    for (method, url), page in sorted(seen.items()):
        if url.startswith(("/accounts/logout", "/sign-out", "/accounts/sign-out")):
            continue  # signing out is not a dead end
        got = status_of(call(client, method, url))
        if got == 403:
            dead.append(f"{page}: {method} {url}")
    assert not dead, "buttons and links that answer 403:\n" + "\n".join(dead)


# --- Error pages in the site frame ---------------------------------------------------------
def test_a_reviewer_refused_a_lead_page_sees_why_and_where_to_go_in_the_site_frame(world):
    client = Client()
    client.force_login(world.reviewer)
    url = f"/reviews/{world.ids['review']}/duplicates/queue/"
    response = client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only a lead of this review can do that." in page  # why
    assert 'aria-label="Review"' in page  # the review's menu
    assert f'href="/reviews/{world.ids["review"]}/"' in page  # where to go
    assert world.lead.username in page or world.lead.get_full_name() in page  # whom to ask


def test_a_refused_htmx_request_gets_the_reason_as_text(world):
    client = Client(headers={"HX-Request": "true"})
    client.force_login(world.reviewer)
    response = client.get(f"/reviews/{world.ids['review']}/duplicates/queue/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Only a lead of this review can do that."


def test_a_missing_page_in_a_review_keeps_the_menu_for_members_only(world, outsider):
    client = Client()
    client.force_login(world.reviewer)
    url = f"/reviews/{world.ids['review']}/records/999999/"
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'aria-label="Review"' in page
    assert world.review.title[:20] in page
    # An outsider learns nothing about the review, not even its title.
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 404
    assert world.review.title[:20] not in response.content.decode()
    assert 'href="/reviews/"' in response.content.decode()


def test_an_address_that_matches_no_url_is_a_page_in_the_frame(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/no/such/address/")
    assert response.status_code == 404
    assert 'class="topbar"' in response.content.decode()


def test_an_expired_form_says_so_in_the_frame(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lead)
    response = client.post(f"/reviews/{world.ids['review']}/duplicates/run/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "reload the page" in page and 'class="topbar"' in page


@pytest.mark.parametrize("template", ["400.html", "500.html"])
def test_the_pages_django_renders_without_a_request_are_in_the_frame(template):
    from django.template import loader

    html = loader.get_template(template).render()
    assert 'class="topbar"' in html and 'href="/reviews/"' in html
    assert "Where to go from here" in html
