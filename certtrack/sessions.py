"""Sessions kept in the database and read through Redis (SESSION_ENGINE when CACHE_URL is set).

Every signed-in page view loads its session. Django's `db` store reads the session table each
time; this store reads a copy from the "sessions" cache (Redis, a database of its own) and goes
to the table only when the copy is missing. The table stays the record: every save and delete
writes it first, then the cache.

Differences from Django's `cached_db`, for a plant that must keep working when Redis does not:
- Any cache error (Redis down, timeout) is logged and the request carries on with the table. For
  SESSION_CACHE_RETRY_SECONDS after an error this process does not try the cache again, so an
  outage costs one short timeout per process, not one per request.
- A copy lives at most SESSION_CACHE_SECONDS (and never past the session's own expiry). A delete
  that could not reach Redis (a logout during an outage) leaves a copy behind for at most that
  long; an unbounded copy would keep such a session alive until it expired.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)

# monotonic time before which this process leaves the cache alone (after an error)
_cache_down_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _cache_down_until


def _cache_failed(action: str) -> None:
    global _cache_down_until  # one flag per process, by design
    _cache_down_until = time.monotonic() + settings.SESSION_CACHE_RETRY_SECONDS
    logger.warning(
        "session cache: %s failed; using the database only for %s s",
        action,
        settings.SESSION_CACHE_RETRY_SECONDS,
        exc_info=True,
    )


class SessionStore(CachedDBStore):
    def _copy_seconds(self, expiry: object = None) -> int:
        age = self.get_expiry_age(expiry=expiry) if expiry is not None else self.get_expiry_age()
        return max(0, min(age, settings.SESSION_CACHE_SECONDS))

    def _cache_set(self, data: dict, seconds: int) -> None:
        if not _cache_usable():
            return
        try:
            self._cache.set(self.cache_key, data, seconds)
        except Exception:  # noqa: BLE001 - the table holds the session; the copy is an optimisation
            _cache_failed("set")

    def load(self) -> dict:
        data = None
        if _cache_usable():
            try:
                data = self._cache.get(self.cache_key)
            except Exception:  # noqa: BLE001
                _cache_failed("get")
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(data, self._copy_seconds(row.expire_date))
        return data

    def exists(self, session_key: str) -> bool:
        # A new key must be free in the table, the record; the cache cannot say more than that.
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:  # Django's signature
        DBStore.save(self, must_create)
        self._cache_set(self._session, self._copy_seconds())

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        if not _cache_usable():
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:  # noqa: BLE001
            _cache_failed("delete")
