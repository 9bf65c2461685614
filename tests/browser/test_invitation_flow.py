"""The whole way in for a new colleague, in the browser: the lead invites by e-mail from
the team page; the invited person opens the link from the mail, creates an account,
confirms their address from the second mail, lands on the review and screens a record by
keyboard. Mail is read from Sift's outbox (where `make run` shows it too)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import OutboundEmail
from reviews import services
from reviews.models import Member, Role
from screening.models import Decision
from tests.browser.test_screening_flow import settled, sign_in
from tests.conftest import ris_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+")
NEWCOMER = "newcomer@uni.example.org"


@pytest.fixture
def records(review, source, lead):
    text = "".join(
        f"TY  - JOUR\nAU  - Author{i}, A.\nTI  - Partnership paper {i}\nPY  - 200{i}\n"
        f"AB  - Abstract {i}.\nER  - \n\n"
        for i in range(3)
    )
    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(text), filename="three.ris", user=lead,
        preview=False, enqueue=False,
    )  # fmt: skip
    services.import_batch_run(batch_id=batch.pk)
    services.dedup_request(review_id=review.pk, enqueue=False)
    services.dedup_run(review_id=review.pk)


def link_from_mail(to: str, contains: str) -> str:
    email = OutboundEmail.objects.filter(to=to).order_by("-pk").first()
    assert email is not None, f"no mail to {to}"
    return next(u for u in LINK.findall(email.body_text) if contains in u)


def test_invite_sign_up_verify_and_screen(browser, live_server, review, lead, records, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    team = f"/reviews/{review.slug}/team/"
    lead_ctx, lead_page = sign_in(browser, live_server, lead, team)
    lead_page.fill("#id_invite_email", NEWCOMER)
    lead_page.select_option("#id_invite_role", "reviewer")
    lead_page.get_by_role("button", name="Send invitation").click()
    lead_page.wait_for_url(f"**{team}")
    expect(lead_page.locator("#flash")).to_contain_text(f"Invitation sent to {NEWCOMER}")
    expect(lead_page.locator("#pending-invitations")).to_contain_text(NEWCOMER)

    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.goto(link_from_mail(NEWCOMER, "/invitations/"))
    expect(page.locator("h1")).to_contain_text(review.title)
    page.get_by_role("link", name="Create an account").click()
    expect(page.locator("#id_email")).to_have_value(NEWCOMER)
    page.fill("#id_display_name", "Nora Newcomer")
    page.fill("#id_password1", "a long enough passphrase 42")
    page.fill("#id_password2", "a long enough passphrase 42")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("main")).to_contain_text("Verify")
    newcomer = get_user_model().objects.get(email=NEWCOMER)
    assert Member.objects.get(review=review, user=newcomer).role == Role.REVIEWER

    page.goto(link_from_mail(NEWCOMER, "/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"**/reviews/{review.slug}/")
    expect(page.locator(".topbar .user")).to_contain_text("Nora Newcomer")

    page.goto(f"{live_server.url}/reviews/{review.slug}/screening/title_abstract/screen/")
    settled(page)
    page.keyboard.press("i")
    expect(page.locator("#screen-card .msg.success")).to_be_visible()
    assert Decision.objects.filter(review=review, reviewer=newcomer, verdict="include").count() == 1
    assert page.console_errors == []

    lead_page.reload()
    expect(lead_page.locator("table").first).to_contain_text("Nora Newcomer")
    expect(lead_page.locator("#pending-invitations")).to_have_count(0)
    lead_ctx.close()
    context.close()
