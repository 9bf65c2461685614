"""Sign-in and the response headers (the lockout rules: test_login_lockout.py): cookies are secure
and HttpOnly in production, CSRF is enforced everywhere (htmx sends the token), the
Content-Security-Policy allows only our own scripts, and no template has inline script or
inline event handlers; `check --deploy` is clean under production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A fresh in-process cache per test: counts never leak between tests or runs."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": f"security-{os.getpid()}"}
    }  # fmt: skip
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"login": username, "password": password}, REMOTE_ADDR=ip)


def test_cookies_are_secure_and_http_only_in_production():
    assert not django_settings.DEBUG
    assert django_settings.SESSION_COOKIE_HTTPONLY is True
    assert django_settings.SESSION_COOKIE_SECURE is True
    assert django_settings.CSRF_COOKIE_SECURE is True


def test_the_session_cookie_set_at_sign_in_is_secure_and_http_only(client, lead):
    response = _sign_in(client, "lead", PASSWORD)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["secure"]


def test_csrf_is_enforced_on_posts_and_htmx_sends_the_token(review, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    url = reverse("reviews:edit", args=[review.slug])
    assert client.post(url, {"title": "Hijacked"}).status_code == 403
    review.refresh_from_db()
    assert review.title != "Hijacked"
    page = client.get(reverse("reviews:detail", args=[review.slug])).content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)
    assert token, "the body carries the CSRF token for htmx"
    response = client.post(url, {"title": "Renamed"}, headers={"X-CSRFToken": token.group(1)})
    assert response.status_code in (200, 302)


def test_the_csrf_failure_covers_the_sign_in_form_too(lead):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"login": "lead", "password": PASSWORD})
    assert response.status_code == 403


def test_every_page_has_a_csp_that_allows_only_our_own_scripts(client, review, lead):
    client.force_login(lead)
    for url in (reverse("login"), reverse("reviews:detail", args=[review.slug])):
        csp = client.get(url).headers["Content-Security-Policy"]
        directives = dict((d.split()[0], d.split()[1:]) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == ["'self'"], csp
        assert directives["default-src"] == ["'self'"], csp
        assert directives["object-src"] == ["'none'"], csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted(
    ROOT.glob("*/templates/**/*.html")
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
HX_ON = re.compile(r"\shx-on[:a-z-]*\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_event_handlers(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script> (CSP blocks it)"
    assert not INLINE_HANDLER.search(text), "inline on...= handler (CSP blocks it)"
    assert not JS_URL.search(text), "javascript: URL"
    assert not HX_ON.search(text), "hx-on evaluates strings (CSP forbids eval)"


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 30


@pytest.mark.slow  # a second Django process: .ci/run's PostgreSQL pass
def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SIFT_", "DJANGO_"))},
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-with-entropy-0123456789",
        "ALLOWED_HOSTS": "sift.example.org",
        "SIFT_VAR_DIR": str(tmp_path),
        "SIFT_SSL_REDIRECT": "1",
        "SIFT_HSTS_SECONDS": "31536000",
        "SIFT_HSTS_PRELOAD": "1",
        "SIFT_BEHIND_PROXY": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sign_in_works_when_the_cache_is_down(client, lead, settings):
    """Redis down (nothing listens on the port): sign-in works, unlimited, instead of
    failing every request (config/cache.py)."""
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.ResilientRedisCache",
                    "LOCATION": "redis://127.0.0.1:9/0",
                    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    }  # fmt: skip
    wrong = _sign_in(client, lead.username, "wrong")
    assert wrong.status_code == 200
    right = _sign_in(client, lead.username, PASSWORD)
    assert right.status_code == 302
    assert "_auth_user_id" in client.session
