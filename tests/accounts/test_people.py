"""A person's account: display name, sign out everywhere, two-factor sign-in, deletion by
anonymisation (votes and history kept); the site administrator's people page."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from reviews.models import Member
from screening import services as screening_services
from screening.models import Decision, DecisionEvent, Stage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user, password=PASSWORD) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_sign_out_everywhere_ends_every_session(lead):
    phone, laptop = signed_in(lead), signed_in(lead)
    assert laptop.get("/reviews/").status_code == 200
    response = phone.post("/accounts/sign-out-everywhere/")
    assert response.status_code == 302
    assert laptop.get("/reviews/").status_code == 302  # sent to sign in
    assert phone.get("/reviews/").status_code == 302
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id")]


def test_a_site_administrator_deactivates_and_reactivates_someone(admin_user, reviewer):
    theirs = signed_in(reviewer)
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/site-admin/people/?q=review").content.decode()
    assert "reviewer@example.org" in page and "Deactivate" in page
    admin.post(f"/site-admin/people/{reviewer.pk}/active/", {"active": "0"})
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    assert theirs.get("/reviews/").status_code == 302, "signed out at once"
    refused = Client()
    refused.post("/accounts/login/", {"login": "reviewer", "password": PASSWORD})
    assert "_auth_user_id" not in refused.session
    admin.post(f"/site-admin/people/{reviewer.pk}/active/", {"active": "1"})
    signed_in(reviewer)


def test_people_pages_are_for_site_administrators_only(lead, reviewer):
    client = Client()
    client.force_login(lead)
    assert client.get("/site-admin/people/").status_code == 403
    assert (
        client.post(f"/site-admin/people/{reviewer.pk}/active/", {"active": "0"}).status_code == 403
    )
    reviewer.refresh_from_db()
    assert reviewer.is_active


def test_deleting_an_account_anonymises_it_and_keeps_every_vote(review, reviewer, lead, source):
    from reviews import services
    from tests.conftest import ris_upload

    batch = services.import_batch_start(
        review=review, source=source, upload=ris_upload(), filename="r.ris", user=lead,
        preview=False, enqueue=False,
    )  # fmt: skip
    services.import_batch_run(batch_id=batch.pk)
    services.dedup_request(review_id=review.pk, enqueue=False)
    services.dedup_run(review_id=review.pk)
    record = batch.records.first()
    screening_services.decision_record(
        review=review, record=record, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT,
        verdict="include",
    )  # fmt: skip
    client = signed_in(reviewer)
    assert client.post("/accounts/delete/", {"confirm": "nope"}).status_code == 200
    response = client.post("/accounts/delete/", {"confirm": "DELETE"})
    assert response.status_code == 302
    gone = get_user_model().objects.get(pk=reviewer.pk)
    assert gone.username == f"deleted-user-{gone.pk}" and gone.email == ""
    assert gone.get_full_name() == "Deleted user" and not gone.is_active
    assert not gone.has_usable_password()
    assert not Member.objects.filter(user=gone).exists()
    assert Decision.objects.filter(reviewer=gone).count() == 1
    assert DecisionEvent.objects.filter(reviewer=gone).count() == 1
    assert client.get("/reviews/").status_code == 302
    again = Client().post("/accounts/login/", {"login": "reviewer", "password": PASSWORD})
    assert again.status_code == 200


def test_the_only_lead_cannot_delete_their_account(review, lead):
    client = signed_in(lead)
    response = client.post("/accounts/delete/", {"confirm": "DELETE"})
    assert b"only lead" in response.content
    lead.refresh_from_db()
    assert lead.is_active and lead.username == "lead"


def test_two_factor_sign_in_asks_for_the_code_and_takes_a_recovery_code(lead):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = generate_totp_secret()
    TOTP.activate(lead, secret)
    codes = RecoveryCodes.activate(lead).get_unused_codes()
    client = Client()
    response = client.post("/accounts/login/", {"login": "lead", "password": PASSWORD})
    assert response.status_code == 302 and "/2fa/authenticate/" in response.url
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    code = f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"
    done = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert done.status_code == 302 and client.session["_auth_user_id"] == str(lead.pk)
    other = Client()
    other.post("/accounts/login/", {"login": "lead", "password": PASSWORD})
    other.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert other.session["_auth_user_id"] == str(lead.pk)
    assert Authenticator.objects.filter(user=lead).count() == 2


def test_accounts_made_by_an_administrator_sign_in_without_verifying(lead):
    """No allauth e-mail rows (made by createsuperuser, Django admin, the demo): the
    administrator vouched for the address."""
    assert signed_in(lead).get("/reviews/").status_code == 200


def test_password_reset_by_mail_works(client, lead):
    from tests.accounts.conftest import last_mail, link_in

    client.post("/accounts/password/reset/", {"email": lead.email})
    link = link_in(last_mail(lead.email), "/password/reset/key/")
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                           {"password1": "a brand new passphrase 7", "password2": "a brand new passphrase 7"})  # fmt: skip
    assert response.status_code == 302
    signed_in(lead, "a brand new passphrase 7")


def test_password_change(lead):
    client = signed_in(lead)
    response = client.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": "another long passphrase 9",
        "password2": "another long passphrase 9"})  # fmt: skip
    assert response.status_code == 302
    signed_in(lead, "another long passphrase 9")
