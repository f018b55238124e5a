"""Shared fixtures: service gates (skip, or fail under CERTTRACK_REQUIRE_SERVICES=1) and personas.

Personas, as in healthchecks' tests: each role at plant SY, the same role at
plant DE (the cross-plant outsider), and a company-wide admin.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

REQUIRE_SERVICES = os.environ.get("CERTTRACK_REQUIRE_SERVICES") == "1"


def _redis_missing() -> str | None:
    url = settings.REDIS_URL
    if not url:
        return "REDIS_URL is not set (Celery runs eagerly)"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return None
    except OSError as exc:
        return f"Redis at {url} is unreachable: {exc}"


def _worker_missing() -> str | None:
    missing = _redis_missing()
    if missing:
        return missing
    from certtrack.celery import app

    replies = app.control.ping(timeout=2.0)
    return None if replies else "no Celery worker answered a ping on REDIS_URL"


def _chromium_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not shutil.which(os.environ.get("CHROMIUM_PATH", "chromium")):
        return "Chromium is not installed (apt-get install chromium)"
    return None


def _postgres_missing() -> str | None:
    if connection.vendor != "postgresql":
        return "the database is not PostgreSQL (set DATABASE_URL=postgres://...)"
    return None


def _gettext_missing() -> str | None:
    return None if shutil.which("xgettext") else "GNU gettext (xgettext) is not installed (apt-get install gettext)"


def _libreoffice_missing() -> str | None:
    return None if shutil.which("soffice") else "LibreOffice (soffice) is not installed"


def _smtp_missing() -> str | None:
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        return "aiosmtpd is not installed (pip install -r requirements-dev.txt)"
    return None


def _oidc_provider_missing() -> str | None:
    folder = Path(__file__).resolve().parent / "sso" / "oidc_provider"
    if not shutil.which("node"):
        return "node is not installed (apt-get install nodejs npm)"
    if not (folder / "node_modules" / "oidc-provider").is_dir():
        return f"the test OIDC provider's packages are not installed (cd {folder} && npm ci)"
    return None


def _slapd_missing() -> str | None:
    if not Path("/usr/sbin/slapd").exists():
        return "OpenLDAP's slapd is not installed (apt-get install slapd)"
    if not shutil.which("ldapadd"):
        return "ldap-utils (ldapadd) is not installed (apt-get install ldap-utils)"
    return None


def _s3_missing() -> str | None:
    """A real S3 HTTP server to start on loopback (moto's, requirements-dev.txt) and django-storages."""
    try:
        import boto3  # noqa: F401
        import storages  # noqa: F401
    except ImportError:
        return "django-storages[s3] and boto3 are not installed (pip install -r requirements-dev.txt)"
    import sys
    from pathlib import Path

    if not ((Path(sys.executable).parent / "moto_server").exists() or shutil.which("moto_server")):
        return "moto_server is not installed (pip install -r requirements-dev.txt: moto[server])"
    return None


def _shared_cache_missing() -> str | None:
    """CACHE_URL: the Redis database of the shared cache (dashboards, forecasts, sessions)."""
    url = settings.CACHE_URL
    if not url:
        return "CACHE_URL is not set (the cache is each process's memory)"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return None
    except OSError as exc:
        return f"the shared cache at {url} is unreachable: {exc}"


def _replica_missing() -> str | None:
    """A real streaming replica of the test database's server (.ci/replica.sh start prints its URL)."""
    missing = _postgres_missing()
    if missing:
        return missing
    url = os.environ.get("REPLICA_TEST_URL")
    if not url:
        return "REPLICA_TEST_URL is not set (.ci/replica.sh start makes a streaming replica and prints it)"
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=2) as conn:
            standby = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    except psycopg.Error as exc:
        return f"the replica at REPLICA_TEST_URL is unreachable: {exc}"
    return None if standby else "REPLICA_TEST_URL is not a standby (pg_is_in_recovery() is false)"


SERVICE_GATES = {
    "postgres": _postgres_missing,
    "redis": _redis_missing,
    "celery_worker": _worker_missing,
    "chromium": _chromium_missing,
    "libreoffice": _libreoffice_missing,
    "gettext": _gettext_missing,
    "smtp": _smtp_missing,
    "oidc_provider": _oidc_provider_missing,
    "slapd": _slapd_missing,
    "s3": _s3_missing,
    "shared_cache": _shared_cache_missing,
    "replica": _replica_missing,
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name, gate in SERVICE_GATES.items():
        if item.get_closest_marker(name) is None:
            continue
        reason = gate()
        if reason:
            if REQUIRE_SERVICES:
                pytest.fail(f"CERTTRACK_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _english_fast_hashes_and_no_lockouts(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.AXES_ENABLED = False
    # Real hashing costs ~0.3 s per user; tests that check passwords still check them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with empty caches: two tests' databases can repeat IDs, roll-up times and sessions."""
    from django.core.cache import caches

    for alias in settings.CACHES:  # "sessions" too, when CACHE_URL puts sessions in Redis (CI does)
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    """Uploaded and exported spreadsheets land in the test's own directory, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _celery_eager_unless_marked(request: pytest.FixtureRequest, settings) -> None:
    """Run tasks inline, deterministically, except in tests marked redis or celery_worker.

    Those marked tests exercise the real broker and worker (CI runs them against Redis and a
    worker); every other test asserts what a task did right after the request that queued it.
    """
    if request.node.get_closest_marker("redis") or request.node.get_closest_marker("celery_worker"):
        yield
        return
    from certtrack.celery import app

    saved = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def browser():
    """Headless Chromium (tests/browser.py), closed after the test."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


# --- Plants and personas ---------------------------------------------------------


@pytest.fixture
def plant_sy(db):
    return factories.PlantFactory(code="SY", name="Shenyang", country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def plant_de(db):
    return factories.PlantFactory(code="DE", name="Debrecen", country="HU", time_zone="Europe/Budapest")


def _member(username: str, plant, role: str):
    user = factories.UserFactory(username=username)
    factories.PlantMembershipFactory(user=user, plant=plant, role=role)
    return user


@pytest.fixture
def trainer(plant_sy):
    return _member("trainer", plant_sy, "trainer")


@pytest.fixture
def manager(plant_sy):
    return _member("manager", plant_sy, "manager")


@pytest.fixture
def hr(plant_sy):
    return _member("hr", plant_sy, "hr")


@pytest.fixture
def auditor(plant_sy):
    return _member("auditor", plant_sy, "auditor")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def trainer_de(plant_de):
    return _member("trainer-de", plant_de, "trainer")


@pytest.fixture
def manager_de(plant_de):
    return _member("manager-de", plant_de, "manager")


@pytest.fixture
def hr_de(plant_de):
    return _member("hr-de", plant_de, "hr")


@pytest.fixture
def supervisor(plant_sy):
    return _member("supervisor", plant_sy, "supervisor")


@pytest.fixture
def supervisor_de(plant_de):
    return _member("supervisor-de", plant_de, "supervisor")
