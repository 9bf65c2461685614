"""Failed sign-ins (issue #16, "Sign-in lockout behind the proxy"): one limiter, allauth's
`login_failed` rate, keyed on (login name, client address) as django-axes' combined keying,
with a ceiling per client address; the client address is the one the trusted proxy reports.

The regressions: behind a proxy every request came from the proxy's address, so 25 failed
guesses with random names locked everyone out; and anyone could lock a colleague out by
guessing wrong five times with their name. The requests post the login name as both
`login` (allauth's form) and `username` (the form before allauth), so these tests say the
same thing about either and fail on the limiter they replaced."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # the TLS proxy in front of gunicorn: REMOTE_ADDR of every request
ATTACKER, COLLEAGUE = "203.0.113.5", "198.51.100.7"


@pytest.fixture(autouse=True)
def _limits(settings):
    """A fresh cache per test and the production limits: 5 per name and address, 25 per
    address, 15 minutes."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": f"lockout-{os.getpid()}"}
    }  # fmt: skip
    from django.core.cache import cache

    cache.clear()
    settings.SIFT_LOGIN_MAX_FAILURES = 5  # read by the limiter this replaced
    settings.SIFT_LOGIN_LOCKOUT_SECONDS = 900
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "25/900s/ip,5/900s/key"}
    yield
    cache.clear()


def sign_in(name, password, *, remote=PROXY, forwarded=None, client=None):
    client = client or Client()
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = client.post(
        reverse("login"), {"login": name, "username": name, "password": password},
        REMOTE_ADDR=remote, headers=headers,
    )  # fmt: skip
    return response, "_auth_user_id" in client.session


def test_behind_the_proxy_random_guesses_lock_out_only_the_guesser(lead, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(30):
        sign_in(f"nobody{n}", "wrong", forwarded=ATTACKER)
    # Everyone else behind the same proxy signs in as usual...
    _, signed_in = sign_in("lead", PASSWORD, forwarded=COLLEAGUE)
    assert signed_in
    # ...while the guesser's own address is over its ceiling, even with a right password.
    response, signed_in = sign_in("lead", PASSWORD, forwarded=ATTACKER)
    assert not signed_in
    assert b"Too many" in response.content


def test_a_stranger_cannot_lock_out_a_named_user(lead):
    for _ in range(10):
        _, signed_in = sign_in("lead", "guess", remote=ATTACKER)
        assert not signed_in
    _, signed_in = sign_in("lead", PASSWORD, remote=COLLEAGUE)
    assert signed_in, "the lead, from their own address, is not locked out"
    # The stranger is: the sixth guess is refused before the password is even checked.
    response, signed_in = sign_in("lead", PASSWORD, remote=ATTACKER)
    assert not signed_in
    assert b"Too many failed login attempts" in response.content


def test_a_stranger_on_many_addresses_cannot_lock_out_a_named_user(lead, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(40):
        sign_in("lead", "guess", forwarded=f"203.0.113.{n}")
    assert sign_in("lead", PASSWORD, forwarded=COLLEAGUE)[1]


def test_five_wrong_passwords_lock_that_name_from_that_address(lead):
    for _ in range(5):
        sign_in("lead", "wrong", remote=ATTACKER)
    assert not sign_in("lead", PASSWORD, remote=ATTACKER)[1]
    assert not sign_in("LEAD", PASSWORD, remote=ATTACKER)[1], "case does not dodge the count"
    assert not sign_in("lead@example.org", "wrong", remote=ATTACKER)[1]


def test_the_lockout_ends_when_the_window_passes(lead):
    from django.core.cache import cache

    for _ in range(5):
        sign_in("lead", "wrong", remote=ATTACKER)
    assert not sign_in("lead", PASSWORD, remote=ATTACKER)[1]
    cache.clear()  # the window passing
    assert sign_in("lead", PASSWORD, remote=ATTACKER)[1]


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(lead):
    """Off by default: a client inventing X-Forwarded-For values gains nothing."""
    for n in range(30):
        sign_in(f"nobody{n}", "wrong", remote=ATTACKER, forwarded=f"192.0.2.{n}")
    assert not sign_in("lead", PASSWORD, remote=ATTACKER, forwarded=COLLEAGUE)[1]
    assert sign_in("lead", PASSWORD, remote=COLLEAGUE)[1]


def test_a_forged_forwarded_prefix_does_not_dodge_the_trusted_proxys_entry(lead, settings):
    """The proxy appends the address it saw: with one trusted proxy the last entry counts,
    whatever the client put before it."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        sign_in("lead", "wrong", forwarded=f"192.0.2.{n}, {ATTACKER}")
    assert not sign_in("lead", PASSWORD, forwarded=f"192.0.2.99, {ATTACKER}")[1]
    assert sign_in("lead", PASSWORD, forwarded=COLLEAGUE)[1]


def test_a_trusted_client_ip_header_is_used_when_configured(lead, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    for _ in range(5):
        Client().post(reverse("login"), {"login": "lead", "password": "x"},
                      REMOTE_ADDR=PROXY, headers={"X-Real-IP": ATTACKER})  # fmt: skip
    client = Client()
    client.post(reverse("login"), {"login": "lead", "password": PASSWORD},
                REMOTE_ADDR=PROXY, headers={"X-Real-IP": COLLEAGUE})  # fmt: skip
    assert "_auth_user_id" in client.session


def test_a_success_does_not_wipe_the_failures_before_it(lead):
    """allauth rolls back only the successful attempt's own count: a brute force cannot
    interleave the right password of another account to keep going."""
    for _ in range(4):
        sign_in("lead", "wrong", remote=ATTACKER)
    assert sign_in("lead", PASSWORD, remote=ATTACKER)[1]
    sign_in("lead", "wrong", remote=ATTACKER)
    assert not sign_in("lead", PASSWORD, remote=ATTACKER)[1]


def test_the_settings_build_the_rate_from_the_environment():
    from config.settings import login_failed_rate

    assert login_failed_rate(5, 25, 900) == "25/900s/ip,5/900s/key"
    assert login_failed_rate(5, 0, 900) == "5/900s/key"
