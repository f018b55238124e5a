"""The shared cache (CACHE_URL, certtrack/cache.py): Redis that never fails a page.

The two-server test of the shared dashboards is tests/assessments/readiness/test_shared_cache_servers.py.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from certtrack.cache import cache_pause_reset
from planning.selectors.forecasts import plan_version

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def dead_cache(settings):
    cache_pause_reset()
    settings.CACHE_RETRY_SECONDS = 30
    tolerant = {"BACKEND": "certtrack.cache.TolerantRedisCache", "LOCATION": DEAD}
    settings.CACHES = {**settings.CACHES, "default": tolerant}
    yield
    cache_pause_reset()


def test_an_unreachable_cache_reads_as_misses_and_drops_writes(dead_cache) -> None:
    started = time.monotonic()
    assert cache.get("figures") is None
    cache.set("figures", 1, 60)  # dropped, no error
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert cache.get_or_set("version", "fresh", None) == "fresh"
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    assert time.monotonic() - started < 2


def test_a_lost_plan_version_is_new_each_time_never_an_old_one(dead_cache) -> None:
    """With the cache gone the forecast is computed, not served from a version that may be stale."""
    assert plan_version(plant_id=1) != plan_version(plant_id=1)


@pytest.mark.django_db
def test_dashboards_and_healthz_answer_with_the_cache_down(client, manager, plant_sy, dead_cache) -> None:
    client.force_login(manager)
    assert client.get(reverse("readiness:plant", args=[plant_sy.code])).status_code == 200
    assert client.get("/healthz").json()["database"] == "ok"


def test_the_cache_must_not_be_the_brokers_database(settings) -> None:
    from certtrack.checks import session_cache_check

    settings.REDIS_URL = "redis://redis:6379/0"
    settings.CACHE_URL = "redis://redis:6379/0"
    assert [error.id for error in session_cache_check(None)] == ["certtrack.E003"]
    settings.CACHE_URL = "redis://redis:6379/1"
    assert session_cache_check(None) == []
