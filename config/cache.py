"""Django's Redis cache, but with Redis down it answers like an empty cache instead of
raising. The cache holds only the sign-in rate limits (allauth's): with Redis gone people
must still be able to sign in (unlimited, logged), never be locked out all together."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
_warned_at = 0.0


def _down(operation: str) -> None:
    global _warned_at
    if time.monotonic() - _warned_at > 60:  # once a minute, not once a request
        _warned_at = time.monotonic()
        log.warning("cache (Redis) unavailable during %s: sign-in is not rate-limited", operation)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError:
            _down("get")
            return default

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError:
            _down("add")
            return True  # allauth's lock: "acquired", so the request goes on

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError:
            _down("set")

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError:
            _down("delete")
            return False

    def clear(self):
        try:
            return super().clear()
        except RedisError:
            _down("clear")
            return False
