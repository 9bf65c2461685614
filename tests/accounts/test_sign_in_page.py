"""The sign-in page shows the single sign-on providers that are on, and only those."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_no_provider_configured_no_button(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Or sign in with" not in page
    assert 'id="id_username"' in page and "Forgotten your password?" in page


def test_a_configured_provider_shows_its_button(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{
            "provider_id": "university", "name": "Uni of Example sign-in",
            "client_id": "c", "secret": "s",
            "settings": {"server_url": "https://idp.example.org"},
        }]}
    }  # fmt: skip
    page = client.get("/accounts/login/").content.decode()
    assert "Or sign in with" in page and "Uni of Example sign-in" in page
    assert 'action="/accounts/oidc/university/login/' in page  # a POST: no login CSRF
