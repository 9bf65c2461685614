"""Sign-in with failed attempts rate-limited (password guessing).

django-axes does not list Django 6.1 and its backend refuses `authenticate()` without a
request (management commands, tests), so this is a small limiter on Django's cache:
after SIFT_LOGIN_MAX_FAILURES failed attempts for one username, or five times as many
from one address, within SIFT_LOGIN_LOCKOUT_SECONDS, sign-in answers 429 without checking
the password until the window passes. A successful sign-in clears the username's count.
The cache is Redis when REDIS_URL is set (shared by every web process), else per process.
If the cache cannot be reached (Redis down), sign-in still works, unlimited, and the failure
is logged: the limiter must never lock every user out.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)


def _locked(request: HttpRequest) -> bool:
    try:
        return any((cache.get(key) or 0) >= limit for key, limit in _keys(request))
    except Exception:  # the cache backend's own errors (redis.ConnectionError ...)
        log.warning("sign-in limiter: cache unavailable, not limiting", exc_info=True)
        return False


def _count_failure(request: HttpRequest) -> None:
    window = settings.SIFT_LOGIN_LOCKOUT_SECONDS
    try:
        for key, _limit in _keys(request):
            # add() then incr(): atomic on Redis, so parallel guesses all count.
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=window)
    except Exception:
        log.warning("sign-in limiter: cache unavailable, failure not counted", exc_info=True)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _keys(request: HttpRequest) -> list[tuple[str, int]]:
    limit = settings.SIFT_LOGIN_MAX_FAILURES
    keys = [(_key("ip", request.META.get("REMOTE_ADDR", "")), limit * 5)]
    username = request.POST.get("username", "")
    if username:
        keys.append((_key("user", username), limit))
    return keys


class RateLimitedLoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _locked(request):
            response = self.render_to_response(
                self.get_context_data(form=self.get_form(), locked_out=True)
            )
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        _count_failure(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        try:
            cache.delete(_key("user", self.request.POST.get("username", "")))
        except Exception:
            log.warning("sign-in limiter: cache unavailable", exc_info=True)
        return super().form_valid(form)
