"""A lead opens the review's edit form and a search's edit form in chromium, changes one
other field and saves: the dates survive (issue #17: they were rendered as 31/01/2000, which
<input type=date> cannot show, so the browser sent them empty and saving erased them)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reviews import services
from reviews.models import Review, Search
from tests.browser.test_screening_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_saving_a_review_and_a_search_keeps_their_dates(browser, live_server, review, source, lead):
    services.review_update(review=review, title=review.title, question=review.question,
                           date_from=dt.date(1997, 1, 1), date_to=dt.date(2008, 6, 30))  # fmt: skip
    search = source.searches.get()
    services.search_update(search=search, date_run=dt.date(2008, 7, 14),
                           date_limits_from=dt.date(1997, 1, 1),
                           date_limits_to=dt.date(2008, 6, 30))  # fmt: skip

    context, page = sign_in(browser, live_server, lead, f"/reviews/{review.slug}/edit/")
    expect(page.locator("#id_date_from")).to_have_value("1997-01-01")  # the browser shows it
    expect(page.locator("#id_date_to")).to_have_value("2008-06-30")
    page.fill("#id_title", "Partnerships and public health, updated")
    page.locator("main form button.primary").click()
    page.wait_for_url(f"**/reviews/{review.slug}/")
    review = Review.objects.get(pk=review.pk)
    assert review.title == "Partnerships and public health, updated"
    assert (review.date_from, review.date_to) == (dt.date(1997, 1, 1), dt.date(2008, 6, 30))

    page.goto(f"{live_server.url}/reviews/{review.slug}/searches/{search.pk}/edit/")
    expect(page.locator("#id_date_run")).to_have_value("2008-07-14")
    page.fill("#id_label", "Main search, rerun")
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    search = Search.objects.get(pk=search.pk)
    assert search.label == "Main search, rerun"
    assert (search.date_run, search.date_limits_from, search.date_limits_to) == (
        dt.date(2008, 7, 14), dt.date(1997, 1, 1), dt.date(2008, 6, 30),
    )  # fmt: skip
    assert page.console_errors == []
    context.close()
