"""Read replicas against a real PostgreSQL streaming replica (issue #20).

`.ci/replica.sh start` makes one of the local server (pg_basebackup -R, port 5433) and prints
REPLICA_TEST_URL. pytest-django creates the test database on the primary; the replica receives it by
streaming replication like every other write, so the alias `replica_test` points at the replica server
with the test database's name (never a TEST MIRROR of default, which would only be a second connection
to the primary) and is the router's only replica for the test. The tests commit for real
(transactional_db): a replica sees committed rows only.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from django.core.cache import cache
from django.db import connections
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.readiness.recompute import drain_marks
from certtrack.replicas import PROBE_SQL, replica_states_forget
from certtrack.settings import database_from_url
from tests import factories

pytestmark = [pytest.mark.replica, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ALIAS = "replica_test"
ROOT = Path(__file__).resolve().parents[3]


class Replica:
    """The replica server seen from the test: a superuser connection to the test database on it."""

    def __init__(self, url: str, database: str) -> None:
        self.url = url
        self.port = urlparse(url).port or 5432
        parsed = urlparse(url)
        self.admin_url = (
            f"host={parsed.hostname} port={self.port} user={parsed.username or 'postgres'} dbname={database}"
        )
        self.admin = psycopg.connect(self.admin_url, autocommit=True)

    def sql(self, query: str, params: tuple = ()) -> tuple | None:
        cursor = self.admin.execute(query, params)
        return cursor.fetchone() if cursor.description else None

    def caught_up(self, timeout: float = 15) -> None:
        """Wait until the replica has replayed everything the primary wrote so far."""
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        while not self.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0]:
            assert time.monotonic() < deadline, f"the replica did not replay up to {target} in {timeout} s"
            time.sleep(0.05)

    def table_scans(self) -> int:
        """Scans of the test database's tables on the replica, from its statistics (flushed when a session ends)."""
        self.sql("SELECT pg_stat_clear_snapshot()")
        return int(self.sql("SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables")[0])

    def scans_above(self, before: int, timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while (now := self.table_scans()) <= before and time.monotonic() < deadline:
            time.sleep(0.1)
        return now

    def script(self, command: str) -> None:
        env = {**os.environ, "REPLICA_PORT": str(self.port)}
        subprocess.run(["bash", str(ROOT / ".ci" / "replica.sh"), command], env=env, check=True, timeout=90)


@pytest.fixture
def replica(transactional_db, settings):
    """The router's only replica, `replica_test`: the real replica serving the test database.

    A connection made here rather than a DATABASES entry: Django lets a test use a connection created
    during it, and keeps the test runner (creation, flush) away from a server that only reads.
    """
    url = os.environ["REPLICA_TEST_URL"]
    database = connections["default"].settings_dict["NAME"]
    config = database_from_url(url)
    config["NAME"] = database  # streamed from the primary: the same name on the replica
    config["OPTIONS"].setdefault("connect_timeout", "2")
    # Django fills in the keys a DATABASES entry may leave out, as at start-up.
    config = connections.configure_settings({"default": connections.settings["default"], ALIAS: config})[ALIAS]
    connections[ALIAS] = load_backend(config["ENGINE"]).DatabaseWrapper(config, ALIAS)
    settings.DATABASE_REPLICAS = [ALIAS]
    settings.REPLICA_MAX_LAG_SECONDS = 5
    settings.REPLICA_LAG_CHECK_SECONDS = 0.5
    settings.REPLICA_DOWN_SECONDS = 5
    replica_states_forget()
    server = Replica(url, database)
    try:
        yield server
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        replica_states_forget()
        # Whatever a failed test left behind: the server up, replay running, no delay.
        server.admin.close()
        server.script("up")
        with psycopg.connect(server.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_wal_replay_resume()")
            admin.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
            admin.execute("SELECT pg_reload_conf()")


def _stable(response) -> str:
    """The page without its CSRF token (masked afresh on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@contextmanager
def _queries_on(alias: str) -> Iterator[list[str]]:
    """The SQL the block ran on a connection, but the router's probe of the replica. Read at the block's end:
    the next request empties the connection's log."""
    ran: list[str] = []
    with CaptureQueriesContext(connections[alias]) as context:
        yield ran
    probe = PROBE_SQL.split()[1]
    ran.extend(query["sql"] for query in context.captured_queries if probe not in query["sql"])


def _token(user) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", user.username, "--name", "replica test", stdout=out)
    return out.getvalue().strip()


def test_it_reads_the_dashboards_and_the_api_from_the_replica(
    replica, settings, worked_example, manager, client
) -> None:
    drain_marks()  # the roll-up runs on the primary
    token = _token(manager)
    client.get("/api/v1/plants", HTTP_AUTHORIZATION=f"Bearer {token}")  # its first use writes last_used_at
    client.force_login(manager)
    replica.caught_up()
    scans_before = replica.table_scans()

    with _queries_on(ALIAS) as on_replica, _queries_on("default") as on_primary:
        plant_page = client.get("/dashboard/plants/SY/")
        line_page = client.get("/dashboard/plants/SY/lines/L1/")
        api = client.get("/api/v1/plants/SY/readiness", HTTP_AUTHORIZATION=f"Bearer {token}")
    connections[ALIAS].close()  # the replica's session ends: its statistics are flushed

    assert (plant_page.status_code, line_page.status_code, api.status_code) == (200, 200, 200)
    settings.DATABASE_REPLICAS = []
    cache.clear()  # the dashboard's body cache: render it again, from the primary
    from_primary = client.get("/dashboard/plants/SY/")
    assert _stable(plant_page) == _stable(from_primary)  # the same figures as the primary's
    assert "of 3 qualified" in " ".join(plant_page.content.decode().split())
    assert {line["code"] for line in api.json()["lines"]} == {"L1"}
    assert any("readiness" in sql for sql in on_replica), on_replica
    # On the primary: who is asking, the session and its user, read by the middleware before the view (the
    # language and terminal middleware ask for request.user), and the session's idle refresh written after
    # it; not one read of the pages' figures.
    primary_reads = [sql for sql in on_primary if sql.lstrip().upper().startswith("SELECT")]
    assert primary_reads
    who = ('FROM "django_session"', 'FROM "auth_user" WHERE "auth_user"."id" =')
    assert all(any(source in sql for source in who) for sql in primary_reads), primary_reads
    # The replica's own statistics saw the scans.
    assert replica.scans_above(scans_before) >= scans_before + len(on_replica) // 2
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        assert cursor.fetchone() == (True, replica.port)


def test_it_shows_the_trainers_result_on_their_next_page_at_once(
    replica, settings, trainer, manager, team, hv_course, today
) -> None:
    employee_url = reverse("assessments:employee-detail", args=[team[0].employee_no])
    replica.caught_up()
    # A replica 10 s behind that the router still uses (lag limit 60 s): what the trainer reads next comes
    # from the primary, or the result would be missing.
    settings.REPLICA_MAX_LAG_SECONDS = 60
    replica.sql("ALTER SYSTEM SET recovery_min_apply_delay = '10s'")
    replica.sql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    trainer_client, manager_client = Client(), Client()
    trainer_client.force_login(trainer)
    manager_client.force_login(manager)
    assert "No assessments yet." in manager_client.get(employee_url).content.decode()

    recorded = trainer_client.post(
        reverse("assessments:result-create", args=[team[0].employee_no]),
        {
            "course": hv_course.pk,
            "kind": "theory",
            "assessed_on": today.isoformat(),
            "score": "85",
            "form_key": str(uuid.uuid4()),
        },
    )
    with _queries_on(ALIAS) as on_replica:
        trainer_page = trainer_client.get(recorded["Location"])
    with _queries_on(ALIAS) as on_replica_for_manager:
        manager_page = manager_client.get(employee_url)

    assert recorded.status_code == 302
    assert recorded["Location"] == employee_url
    assert "No assessments yet." not in trainer_page.content.decode()
    assert on_replica == []
    # The manager wrote nothing: their page comes from the replica, which has not replayed the result yet.
    assert on_replica_for_manager
    assert "No assessments yet." in manager_page.content.decode()


def test_it_reads_from_the_primary_while_replay_is_paused_and_back(replica, settings, manager, plant_sy) -> None:
    token = _token(manager)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    replica.caught_up()
    with _queries_on(ALIAS) as before_pause:
        assert client.get("/api/v1/plants").status_code == 200
    assert before_pause

    replica.sql("SELECT pg_wal_replay_pause()")
    paused_at = time.monotonic()
    newcomer = factories.EmployeeFactory(employee_no="NEW1", plant=plant_sy)  # committed on the primary only
    url = f"/api/v1/employees/{newcomer.employee_no}/certifications"
    while (response := client.get(url)).status_code != 200:
        assert response.status_code == 404  # read from the paused replica: the employee is not there yet
        assert time.monotonic() - paused_at < settings.REPLICA_MAX_LAG_SECONDS
        time.sleep(0.1)
    assert time.monotonic() - paused_at < settings.REPLICA_MAX_LAG_SECONDS
    assert replica.sql("SELECT count(*) FROM employees_employee WHERE employee_no = 'NEW1'") == (0,)
    health = client.get("/healthz").json()
    assert health["replicas"][ALIAS]["state"] == "paused"

    replica.sql("SELECT pg_wal_replay_resume()")
    resumed_at = time.monotonic()
    while True:
        with _queries_on(ALIAS) as after_resume:
            response = client.get(url)
        if after_resume:
            break
        assert time.monotonic() - resumed_at < 15, "reads did not come back to the resumed replica"
        time.sleep(0.1)
    assert response.status_code == 200  # from the replica, which has replayed the newcomer by now
    assert client.get("/healthz").json()["replicas"][ALIAS]["state"] == "ok"


def test_it_never_breaks_a_page_when_the_replica_stops(replica, settings, worked_example, manager, client) -> None:
    drain_marks()
    client.force_login(manager)
    replica.caught_up()
    settings.REPLICA_LAG_CHECK_SECONDS = 60  # the router still believes it up when the server goes
    first = client.get("/dashboard/plants/SY/lines/L1/")
    assert first.status_code == 200
    replica.admin.close()

    replica.script("down")
    try:
        with _queries_on("default") as on_primary:
            started = time.monotonic()
            during = client.get("/dashboard/plants/SY/lines/L1/")
            elapsed = time.monotonic() - started
        health = client.get("/healthz")
        settings.REPLICA_DOWN_SECONDS = 0  # probe again at once: connection refused, still the primary
        again = client.get("/dashboard/plants/SY/lines/L1/")
        api = client.get("/api/v1/plants")
    finally:
        replica.script("up")

    assert during.status_code == 200
    assert _stable(during) == _stable(first)
    assert on_primary  # read again from the primary
    assert elapsed < 5
    assert health.status_code == 200
    assert health.json()["replicas"][ALIAS] == {"state": "down", "lag_seconds": None}
    assert again.status_code == 200
    assert _stable(again) == _stable(first)
    assert api.status_code == 200
