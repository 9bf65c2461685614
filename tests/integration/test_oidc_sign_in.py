"""Single sign-on against a real OpenID Connect provider process (django-oauth-toolkit in
a tiny Django project of its own, tests/integration/oidc_provider/), standing in for a
university's identity provider: discovery, the authorisation code flow with PKCE, the
token exchange and the user info all go over HTTP between two processes.

An invited person signs in through the provider, gets an account and lands on the review;
without an invitation the provider's people are refused (sign-up is by invitation); the
second time the same provider account signs in to the same Sift account."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
from html import unescape

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts.services.invitations import invitation_create
from reviews.models import Member, Role
from tests.accounts.conftest import last_mail, link_in
from tests.integration.test_celery_worker import ROOT, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENT_ID, CLIENT_SECRET = "sift-test-client", secrets.token_urlsafe(24)
PERSON = {"user": "uma", "password": "provider password 1", "email": "uma@uni.example.org"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    port, folder = _free_port(), tmp_path_factory.mktemp("oidc")
    env = {
        **os.environ,
        "OIDC_DB": str(folder / "idp.sqlite3"), "OIDC_PORT": str(port),
        "OIDC_REDIRECT_URI": f"{live_server.url}/accounts/oidc/university/login/callback/",
        "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_USER": PERSON["user"], "OIDC_PASSWORD": PERSON["password"],
        "OIDC_EMAIL": PERSON["email"],
    }  # fmt: skip
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.oidc_provider.serve"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).ok
        except requests.ConnectionError:
            return False

    assert wait_for(up, timeout=60), (folder / "provider.log").read_text()[-3000:]
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def sso(settings, provider):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [{
                "provider_id": "university", "name": "University sign-in",
                "client_id": CLIENT_ID, "secret": CLIENT_SECRET,
                "settings": {"server_url": f"{provider}/o",
                             "token_auth_method": "client_secret_basic"},
            }],
        }
    }  # fmt: skip
    # The live server speaks plain HTTP: cookies that need not be Secure.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return provider


def _csrf(page: requests.Response) -> str:
    return unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1))


def sign_in_with_the_provider(http: requests.Session, live_server) -> requests.Response:
    login = http.get(f"{live_server.url}/accounts/login/")
    assert "University sign-in" in login.text, "the login page shows what is on"
    start = http.post(
        f"{live_server.url}/accounts/oidc/university/login/",
        data={"csrfmiddlewaretoken": _csrf(login)},
    )
    assert "/login/" in start.url and "University sign-in" in start.text, start.text[:500]
    return http.post(
        start.url,
        data={"csrfmiddlewaretoken": _csrf(start), "username": PERSON["user"],
              "password": PERSON["password"]},
    )  # fmt: skip


def test_an_invited_person_signs_in_with_the_university_and_lands_on_the_review(
    sso, live_server, review, lead
):
    invitation_create(
        review=review, email=PERSON["email"], role=Role.REVIEWER, invited_by=lead,
        base_url=live_server.url,
    )  # fmt: skip
    http = requests.Session()
    http.get(live_server.url + link_in(last_mail(PERSON["email"]), "/invitations/"))
    landed = sign_in_with_the_provider(http, live_server)
    assert landed.status_code == 200, landed.text[:1000]
    assert landed.url == f"{live_server.url}/reviews/{review.slug}/", landed.url
    uma = get_user_model().objects.get(email=PERSON["email"])
    assert uma.get_full_name().startswith("Uma")
    assert Member.objects.get(review=review, user=uma).role == Role.REVIEWER
    assert uma.socialaccount_set.get().provider == "university"
    # Another browser, another day: the same account, straight in.
    again = sign_in_with_the_provider(requests.Session(), live_server)
    assert again.status_code == 200 and again.url.endswith("/reviews/")
    assert get_user_model().objects.filter(email=PERSON["email"]).count() == 1


def test_without_an_invitation_the_providers_people_are_refused(sso, live_server):
    refused = sign_in_with_the_provider(requests.Session(), live_server)
    assert "Sign-up is by invitation" in refused.text
    assert not get_user_model().objects.filter(email=PERSON["email"]).exists()
