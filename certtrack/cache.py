"""The shared cache (CACHES["default"] when CACHE_URL is set): Redis that a page never waits on for long.

Dashboards, forecasts and the health check's broker state are cached under keys that name what they were
computed from (the roll-up's computed_at, the plan's version): every web server reads and writes the same
Redis database, so a new roll-up is seen by all of them at once and each body is computed once for all.

A cache is an optimisation, never the record: when Redis fails (down, a timeout), a read is a miss, a write
is dropped, and the page is computed from the database as it would be on a cold cache. For
CACHE_RETRY_SECONDS after an error this process leaves Redis alone, so an outage costs one short timeout
(the socket timeouts in settings) per process and interval, not one per cache call (as certtrack.sessions
does for the session copies).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# monotonic time before which this process reads and writes nothing in the shared cache (after an error)
_down_until = 0.0


def cache_pause_reset() -> None:
    """Forget a pause (tests that stop Redis and start it again)."""
    global _down_until
    _down_until = 0.0


def _usable() -> bool:
    return time.monotonic() >= _down_until


def _failed(action: str) -> None:
    global _down_until  # one flag per process, by design
    _down_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
    logger.warning(
        "shared cache: %s failed; computing from the database for %s s", action, settings.CACHE_RETRY_SECONDS
    )


def _tolerant(action: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: TolerantRedisCache, *args: Any, **kwargs: Any) -> Any:
        if not _usable():
            return fallback(*args, **kwargs)
        try:
            return getattr(super(TolerantRedisCache, self), action)(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a cache error must never fail the page; the database answers
            _failed(action)
            return fallback(*args, **kwargs)

    method.__name__ = action
    return method


def _missing_key(key: str, delta: int = 1, version: int | None = None) -> int:
    raise ValueError(f"Key '{key}' not found (the shared cache is unreachable)")


class TolerantRedisCache(RedisCache):
    """Django's Redis cache whose failures read as misses and dropped writes (module docstring)."""

    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", lambda keys, version=None: {})
    has_key = _tolerant("has_key", lambda key, version=None: False)
    set = _tolerant("set", lambda key, value, timeout=DEFAULT_TIMEOUT, version=None: None)
    add = _tolerant("add", lambda key, value, timeout=DEFAULT_TIMEOUT, version=None: False)
    touch = _tolerant("touch", lambda key, timeout=DEFAULT_TIMEOUT, version=None: False)
    delete = _tolerant("delete", lambda key, version=None: False)
    incr = _tolerant("incr", _missing_key)
    set_many = _tolerant(
        "set_many", lambda data, timeout=DEFAULT_TIMEOUT, version=None: list(data) if isinstance(data, dict) else []
    )
    delete_many = _tolerant("delete_many", lambda keys, version=None: None)
