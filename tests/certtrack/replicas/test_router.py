"""The read-replica router without a replica server: settings, nothing changed without replicas, the
read-your-writes cookie, and a replica that is not there (PostgreSQL only: a port nothing listens on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connections
from django.db.utils import load_backend

from certtrack.replicas import STICKY_COOKIE, ReplicaRouter, replica_reads, replica_states_forget
from employees.models import Employee

ROOT = Path(__file__).resolve().parents[3]


def test_it_adds_one_alias_per_replica_url_mirrored_in_tests() -> None:
    program = (
        "import json, django; django.setup(); from django.conf import settings; from django.db import router;"
        "print(json.dumps({'replicas': settings.DATABASE_REPLICAS,"
        " 'databases': {a: [d['HOST'], d['PORT'], d['NAME'], d['OPTIONS'], d['TEST']['MIRROR']]"
        " for a, d in settings.DATABASES.items()},"
        " 'migrate': [router.allow_migrate(a, 'employees') for a in settings.DATABASES]}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certtrack.settings",
        "DATABASE_URL": "postgres://certtrack@db.plant.example:5432/certtrack",
        "DATABASE_REPLICA_URLS": "postgres://ro@replica-a:5432/certtrack, postgres://ro@replica-b:6432/certtrack?sslmode=require",
    }
    out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)

    assert found["replicas"] == ["replica_1", "replica_2"]
    assert found["databases"]["replica_1"] == [
        "replica-a",
        "5432",
        "certtrack",
        {"connect_timeout": "2"},
        "default",
    ]
    assert found["databases"]["replica_2"][:4] == [
        "replica-b",
        "6432",
        "certtrack",
        {"sslmode": "require", "connect_timeout": "2"},
    ]
    assert found["migrate"] == [True, False, False]  # default only


def test_it_refuses_replicas_without_a_primary_url() -> None:
    env = {**os.environ, "DATABASE_URL": "", "DATABASE_REPLICA_URLS": "postgres://ro@replica-a/certtrack"}
    out = subprocess.run(
        [sys.executable, "-c", "import certtrack.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "DATABASE_REPLICA_URLS needs DATABASE_URL" in out.stderr


def test_it_answers_none_without_a_replica(settings) -> None:
    settings.DATABASE_REPLICAS = []
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Employee) is None
        assert router.db_for_write(Employee) is None
    assert router.allow_migrate("default", "employees") is None


@pytest.mark.django_db
def test_it_sets_no_cookie_without_a_replica(client, settings, manager) -> None:
    settings.DATABASE_REPLICAS = []
    client.force_login(manager)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert STICKY_COOKIE not in response.cookies


@pytest.mark.django_db
def test_it_keeps_a_writers_reads_on_the_primary_for_the_sticky_seconds(client, settings, manager) -> None:
    settings.DATABASE_REPLICAS = ["replica_1"]  # never connected to: the cookie needs only the setting
    settings.REPLICA_STICKY_SECONDS = 10
    anonymous = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    client.force_login(manager)
    read = client.get("/accounts/profile/")

    response = client.post("/i18n/setlang/", {"language": "de", "next": "/"})

    assert STICKY_COOKIE not in anonymous.cookies  # nobody signed in: nothing of theirs to read back
    assert STICKY_COOKIE not in read.cookies
    cookie = response.cookies[STICKY_COOKIE]
    assert cookie["max-age"] == 10
    assert cookie["httponly"]
    assert 8 <= int(cookie.value) - time.time() <= 10


def test_it_sends_writes_and_reads_after_a_write_to_the_primary(settings) -> None:
    settings.DATABASE_REPLICAS = ["replica_1"]
    router = ReplicaRouter()
    assert router.db_for_read(Employee) == "default"  # no opt-in: the primary
    with replica_reads() as reads:
        reads.alias = "replica_1"  # as chosen at the request's first read
        assert router.db_for_read(Employee) == "replica_1"
        assert router.db_for_write(Employee) == "default"
        assert router.db_for_read(Employee) == "default"
    assert router.allow_migrate("replica_1", "employees") is False


@pytest.fixture
def absent_replica(transactional_db, settings):
    """A replica alias on a port nothing listens on (1): refused at once, like a stopped server."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("the probe of a replica needs PostgreSQL")
    config = {**connections.settings["default"], "HOST": "127.0.0.1", "PORT": "1"}
    connections["replica_absent"] = load_backend(config["ENGINE"]).DatabaseWrapper(config, "replica_absent")
    settings.DATABASE_REPLICAS = ["replica_absent"]
    replica_states_forget()
    yield
    connections["replica_absent"].close()
    del connections["replica_absent"]
    replica_states_forget()


@pytest.mark.postgres
def test_it_serves_pages_from_the_primary_when_the_replica_is_down(absent_replica, client, manager) -> None:
    client.force_login(manager)
    started = time.monotonic()
    dashboard = client.get("/dashboard/")
    api = client.get("/api/v1/plants")
    health = client.get("/healthz")

    assert (dashboard.status_code, api.status_code, health.status_code) == (200, 200, 200)
    assert [plant["code"] for plant in api.json()["plants"]] == ["SY"]
    assert health.json()["replicas"] == {"replica_absent": {"state": "down", "lag_seconds": None}}
    assert time.monotonic() - started < 3


@pytest.mark.django_db
def test_a_sign_in_by_get_keeps_the_users_reads_on_the_primary(rf, settings, manager) -> None:
    """The OIDC callback is a GET that creates users and grants memberships: a sign-in sets the cookie too."""
    from django.contrib.auth import login
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from certtrack.middleware import ReadYourWritesMiddleware

    settings.DATABASE_REPLICAS = ["replica_1"]  # never connected to: the cookie needs only the setting
    settings.REPLICA_STICKY_SECONDS = 10

    def callback(request):
        login(request, manager, backend=settings.LOCAL_PASSWORD_BACKEND)
        return HttpResponse("signed in")

    def plain_get(request):
        return HttpResponse("read")

    signing_in = rf.get("/sso/oidc/callback/")
    signing_in.session, signing_in.user = SessionStore(), AnonymousUser()
    reading = rf.get("/")
    reading.session, reading.user = SessionStore(), manager

    response = ReadYourWritesMiddleware(callback)(signing_in)
    read = ReadYourWritesMiddleware(plain_get)(reading)

    assert 8 <= int(response.cookies[STICKY_COOKIE].value) - time.time() <= 10
    assert STICKY_COOKIE not in read.cookies
