"""Invitations: a lead invites by e-mail with a role; the link signs an existing person in
and adds them, or lets a new person create an account (verify the address, land on the
review); links expire, work once, can be withdrawn and sent again; forged, used, expired
and withdrawn links get a page that says so."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, InvitationStatus, MailKind, OutboundEmail
from reviews.models import Member, Role
from tests.accounts.conftest import last_mail, link_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(client, email, name="Ada Newcomer", password="a long enough passphrase 42"):
    return client.post(
        "/accounts/signup/",
        {"email": email, "display_name": name, "password1": password, "password2": password},
    )


def test_a_new_person_signs_up_from_the_link_verifies_and_lands_on_the_review(
    client, invite, review
):
    path = invite("ada@uni.example.org", role="reviewer")
    page = client.get(path)
    assert page.status_code == 200
    assert b"Create an account" in page.content and review.title.encode() in page.content
    response = sign_up(client, "ada@uni.example.org")
    assert response.status_code == 302, response.content.decode()[:2000]
    ada = get_user_model().objects.get(email="ada@uni.example.org")
    assert ada.get_full_name() == "Ada Newcomer"
    member = Member.objects.get(review=review, user=ada)
    assert member.role == Role.REVIEWER
    invitation = Invitation.objects.get(email="ada@uni.example.org")
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == ada
    # Not signed in before the address is verified.
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(user=ada).verified
    confirm = link_in(last_mail("ada@uni.example.org"), "/confirm-email/")
    assert client.get(confirm).status_code == 200
    landed = client.post(confirm)
    assert EmailAddress.objects.get(user=ada).verified
    assert client.session["_auth_user_id"] == str(ada.pk)
    assert landed.status_code == 302 and landed.url == f"/reviews/{review.slug}/"
    assert client.get(landed.url).status_code == 200
    # The link worked once.
    again = Client().get(path)
    assert again.status_code == 410 and b"already been used" in again.content


def test_someone_with_an_account_signs_in_from_the_link_and_joins(client, invite, review, outsider):
    path = invite(outsider.email, role="lead")
    page = client.get(path)
    assert b"Sign in" in page.content
    response = client.post("/accounts/login/", {"login": "outsider", "password": PASSWORD})
    assert response.status_code == 302 and response.url == f"/reviews/{review.slug}/"
    assert Member.objects.get(review=review, user=outsider).role == Role.LEAD


def test_a_signed_in_person_joins_with_one_click(client, invite, review, outsider):
    path = invite("someone@example.org")
    client.force_login(outsider)
    page = client.get(path)
    assert b"Join as" in page.content
    assert not Member.objects.filter(review=review, user=outsider).exists()  # GET changes nothing
    response = client.post(path)
    assert response.status_code == 302 and response.url == f"/reviews/{review.slug}/"
    assert Member.objects.filter(review=review, user=outsider, role=Role.REVIEWER).exists()
    assert client.post(path).status_code == 410


def test_forged_expired_and_withdrawn_links_get_a_clear_page(client, invite, lead, review):
    forged = client.get("/accounts/invitations/not-a-real-token/")
    assert forged.status_code == 404 and b"not valid" in forged.content
    path = invite("late@example.org")
    Invitation.objects.filter(email="late@example.org").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = client.get(path)
    assert expired.status_code == 410 and b"expired" in expired.content
    assert sign_up(client, "late@example.org").status_code == 200  # no invitation: closed
    assert not get_user_model().objects.filter(email="late@example.org").exists()
    path = invite("gone@example.org")
    client.force_login(lead)
    invitation = Invitation.objects.get(email="gone@example.org")
    client.post(f"/reviews/{review.slug}/team/invitations/{invitation.pk}/revoke/")
    client.logout()
    withdrawn = client.get(path)
    assert withdrawn.status_code == 410 and b"withdrawn" in withdrawn.content
    assert client.post(path).status_code == 410


def test_a_link_taken_to_the_sign_up_page_dies_with_the_invitation(client, invite, lead, review):
    """Sign-up stays open to this browser only while its invitation is good."""
    path = invite("slow@example.org")
    client.get(path)
    Invitation.objects.filter(email="slow@example.org").update(revoked_at=timezone.now())
    response = sign_up(client, "slow@example.org")
    assert b"by invitation" in response.content
    assert not get_user_model().objects.filter(email="slow@example.org").exists()


def test_resending_makes_a_new_link_and_the_old_one_stops_working(client, invite, lead, review):
    old = invite("twice@example.org")
    invitation = Invitation.objects.get(email="twice@example.org")
    client.force_login(lead)
    client.post(f"/reviews/{review.slug}/team/invitations/{invitation.pk}/resend/")
    new = link_in(last_mail("twice@example.org"), "/invitations/")
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert Invitation.objects.filter(email="twice@example.org").count() == 1
    assert (
        OutboundEmail.objects.filter(to="twice@example.org", kind=MailKind.INVITATION).count() == 2
    )


def test_inviting_the_same_address_again_resends_rather_than_duplicating(invite):
    invite("dup@example.org")
    invite("dup@example.org", role="lead")
    invitation = Invitation.objects.get(email="dup@example.org")
    assert invitation.role == Role.LEAD


def _scrub(text: str, email: str) -> str:
    text = re.sub(r"/invitations/[\w-]+/", "/invitations/T/", text)
    return text.replace(email, "E")


def test_the_lead_learns_nothing_about_whether_an_address_has_an_account(
    client, lead, review, outsider
):
    """Inviting someone with an account and someone without: the same answer, the same
    mail (but for the address and the token), the same team page."""
    client.force_login(lead)
    answers = {}
    for email in (outsider.email, "stranger@example.org"):
        response = client.post(
            f"/reviews/{review.slug}/team/invitations/", {"email": email, "role": "reviewer"},
            follow=True,
        )  # fmt: skip
        messages = [str(m) for m in response.context["messages"]]
        mail = last_mail(email)
        answers[email] = (
            _scrub(" ".join(messages), email),
            _scrub(mail.subject + mail.body_text + mail.body_html, email),
        )
    assert answers[outsider.email] == answers["stranger@example.org"]


def test_pending_invitations_are_listed_for_leads_only(client, invite, lead, reviewer, review):
    invite("pending@example.org")
    client.force_login(lead)
    page = client.get(f"/reviews/{review.slug}/team/").content.decode()
    assert "pending@example.org" in page and "Resend" in page and "Withdraw" in page
    client.force_login(reviewer)
    page = client.get(f"/reviews/{review.slug}/team/").content.decode()
    assert "pending@example.org" not in page


def test_a_reviewer_cannot_invite_or_touch_invitations(client, invite, reviewer, review):
    invite("x@example.org")
    invitation = Invitation.objects.get(email="x@example.org")
    client.force_login(reviewer)
    base = f"/reviews/{review.slug}/team/invitations/"
    assert client.post(base, {"email": "y@example.org", "role": "lead"}).status_code == 403
    assert client.post(f"{base}{invitation.pk}/revoke/").status_code == 403
    assert client.post(f"{base}{invitation.pk}/resend/").status_code == 403
    assert not Invitation.objects.filter(email="y@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_someone_already_on_the_team_is_not_invited(client, lead, reviewer, review):
    client.force_login(lead)
    response = client.post(
        f"/reviews/{review.slug}/team/invitations/",
        {"email": reviewer.email, "role": "lead"}, follow=True,
    )  # fmt: skip
    assert b"already in this review" in response.content
    assert not Invitation.objects.exists()


def test_only_the_token_hash_is_stored(invite):
    path = invite("hash@example.org")
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get(email="hash@example.org")
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64


def test_sign_up_is_closed_without_an_invitation_unless_the_site_opens_it(client, settings):
    page = client.get("/accounts/signup/")
    assert b"by invitation" in page.content
    assert sign_up(client, "walk-in@example.org").status_code == 200
    assert not get_user_model().objects.filter(email="walk-in@example.org").exists()
    settings.SIFT_OPEN_SIGNUP = True
    assert b"Create your Sift account" in client.get("/accounts/signup/").content
    assert sign_up(client, "walk-in@example.org").status_code == 302
    user = get_user_model().objects.get(email="walk-in@example.org")
    assert not Member.objects.filter(user=user).exists()


def test_a_site_invitation_opens_sign_up_without_a_review(client, admin_user):
    client.force_login(admin_user)
    client.post("/site-admin/invitations/", {"email": "site@example.org"})
    client.logout()
    path = link_in(last_mail("site@example.org"), "/invitations/")
    assert b"Join Sift" in client.get(path).content
    assert sign_up(client, "site@example.org").status_code == 302
    user = get_user_model().objects.get(email="site@example.org")
    assert not Member.objects.filter(user=user).exists()
    assert Invitation.objects.get(email="site@example.org").accepted_by == user
