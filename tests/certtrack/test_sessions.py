"""Sessions read through Redis (certtrack/sessions.py, on when CACHE_URL is set), and without it."""

from __future__ import annotations

import logging
from urllib.parse import urlparse, urlunparse

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from certtrack import checks, sessions
from tests.factories import PASSWORD


def _session_cache(settings, location: str) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "certtrack-test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    settings.SESSION_ENGINE = "certtrack.sessions"
    settings.SESSION_CACHE_ALIAS = "sessions"


@pytest.fixture(autouse=True)
def _cache_closed_for_nobody():
    sessions._cache_down_until = 0.0
    yield
    sessions._cache_down_until = 0.0


@pytest.fixture
def redis_sessions(settings):
    """The session cache on CACHE_URL, or else on the Redis of REDIS_URL in the database after the broker's."""
    location = settings.CACHE_URL
    if not location:
        broker = urlparse(settings.REDIS_URL)
        location = urlunparse(broker._replace(path=f"/{(int(broker.path.strip('/') or 0) + 1) % 16}"))
    _session_cache(settings, location)
    caches["sessions"].clear()
    return caches["sessions"]


@pytest.fixture
def dead_redis_sessions(settings):
    """A session cache nobody answers on (port 1 of loopback refuses at once)."""
    _session_cache(settings, "redis://127.0.0.1:1/0")
    return caches["sessions"]


def _sign_in(client: Client, username: str) -> str:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client.cookies["sessionid"].value


def _signed_in(key: str) -> bool:
    """Whether a browser that presents this session cookie gets a signed-in page."""
    client = Client()
    client.cookies["sessionid"] = key
    return client.get(reverse("employees:home")).status_code == 200


@pytest.mark.redis
def test_a_page_view_reads_the_session_from_redis_and_the_table_stays_the_record(
    redis_sessions,
    trainer,
    settings,
    django_assert_max_num_queries,
) -> None:
    client = Client()
    key = _sign_in(client, "trainer")
    assert Session.objects.get(session_key=key).get_decoded()["_auth_user_id"] == str(trainer.pk)
    assert redis_sessions.get(KEY_PREFIX + key)["_auth_user_id"] == str(trainer.pk)

    with django_assert_max_num_queries(20) as page:
        assert client.get(reverse("employees:home")).status_code == 200
    assert not [q["sql"] for q in page.captured_queries if "django_session" in q["sql"]]

    # A copy lives at most SESSION_CACHE_SECONDS, so one a failed delete left behind cannot outlive it.
    ttl = redis_sessions._cache.get_client().ttl(redis_sessions.make_key(KEY_PREFIX + key))
    assert 0 < ttl <= settings.SESSION_CACHE_SECONDS == 60

    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert redis_sessions.get(KEY_PREFIX + key) is None
    assert not _signed_in(key)


@pytest.mark.redis
def test_a_session_whose_copy_expired_is_read_back_from_the_table(redis_sessions, trainer) -> None:
    key = _sign_in(Client(), "trainer")
    redis_sessions.delete(KEY_PREFIX + key)  # as after SESSION_CACHE_SECONDS
    assert _signed_in(key)
    assert redis_sessions.get(KEY_PREFIX + key) is not None  # and copied again


def test_with_redis_down_people_sign_in_work_and_sign_out_from_the_table_alone(
    dead_redis_sessions,
    trainer,
    caplog,
) -> None:
    client = Client()
    with caplog.at_level(logging.WARNING, logger="certtrack.sessions"):
        key = _sign_in(client, "trainer")
        for _ in range(3):
            assert client.get(reverse("employees:home")).status_code == 200
        assert Session.objects.get(session_key=key).get_decoded()["_auth_user_id"] == str(trainer.pk)
        client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not _signed_in(key)
    # One failure closes the cache to this process for SESSION_CACHE_RETRY_SECONDS: one warning, not one
    # per request (each would have waited for a connection timeout on a hung Redis).
    warnings = [r for r in caplog.records if r.name == "certtrack.sessions"]
    assert len(warnings) == 1
    assert "using the database only for 30 s" in warnings[0].getMessage()


def test_after_the_retry_interval_the_cache_is_tried_again(dead_redis_sessions, trainer, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="certtrack.sessions"):
        key = _sign_in(Client(), "trainer")
        sessions._cache_down_until = 0.0  # SESSION_CACHE_RETRY_SECONDS have passed
        assert _signed_in(key)
    assert len([r for r in caplog.records if r.name == "certtrack.sessions"]) == 2


@pytest.mark.parametrize(
    ("cache_url", "errors"),
    [
        ("redis://127.0.0.1:6379/0", ["certtrack.E003"]),  # the broker's own database
        ("redis://127.0.0.1:6379", ["certtrack.E003"]),  # database 0 when none is named
        ("redis://127.0.0.1:6379/1", []),
        ("redis://cache-host:6379/0", []),
        ("", []),
    ],
)
def test_the_session_cache_must_not_share_the_brokers_database(settings, cache_url: str, errors: list) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.CACHE_URL = cache_url
    assert [error.id for error in checks.session_cache_check(None)] == errors
