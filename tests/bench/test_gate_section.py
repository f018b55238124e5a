"""The gate section of the benchmark (bench/sections/gate.py, issue #17): its bare reference reads the rows
the gate decides on, its query count tells the gate's reads from the caller's, and its wrk script walks the
list of random pairs with the bearer token on every request."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Certification
from bench.load import wrk_script
from bench.reference import gate_rows
from bench.sections import ALIASES, SECTIONS
from bench.sections.gate import bulk_body, gate_figures, gate_url, query_kinds
from gate.selectors import gate_check, gate_station_for_user
from tests.assessments.conftest import worked_example_2  # noqa: F401 - fixture


def test_the_gate_section_is_registered_under_its_number_and_its_name() -> None:
    assert SECTIONS[ALIASES["gate"]][1] is gate_figures
    assert ALIASES["gate"] == "7"


def test_its_urls_and_bulk_body_follow_the_issue() -> None:
    assert gate_url("SY", "L2", "T 1", "E/1") == "/api/v1/plants/SY/lines/L2/stations/T%201/gate?employee=E%2F1"
    assert bulk_body([("P", "L2", "T1"), ("Q", "L2", "T1")]) == {
        "checks": [{"employee": "P", "line": "L2", "station": "T1"}, {"employee": "Q", "line": "L2", "station": "T1"}]
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_bare_reference_reads_the_rows_the_gate_decides_on(worked_example_2) -> None:  # noqa: F811
    checks = [("P", "L2", "T1"), ("Q", "L2", "T1"), ("S", "L2", "T1"), ("NOBODY", "L2", "T1"), ("P", "L2", "T9")]

    found = gate_rows(plant="SY", checks=checks, at=timezone.now())

    assert sorted(found) == [1, 2, 3]  # an unknown employee or station reads nothing
    for position, employee in ((1, "P"), (2, "Q"), (3, "S")):
        rows = found[position]
        assert [(code, min_level) for code, min_level, *_rest in rows] == [("BAT-MOD-010", "U"), ("HV-001", "U")]
        stored = {
            c.course.code: c
            for c in Certification.objects.filter(employee=worked_example_2[employee]).select_related("course")
        }
        assert [row[2] for row in rows] == [stored[code].id if code in stored else None for code, *_r in rows]
    # The level the gate compares (the stored certification's): P holds O and Q holds L of BAT-MOD-010.
    assert (found[1][0][5], found[2][0][5]) == ("O", "L")
    assert gate_check(station=worked_example_2["t1"], employee_no="Q").reasons[0].held == "L"


@pytest.mark.django_db
def test_it_counts_the_gate_s_reads_apart_from_the_caller_s(worked_example_2, manager) -> None:  # noqa: F811
    with CaptureQueriesContext(connection) as captured:
        user = get_user_model().objects.get(pk=manager.pk)
        station = gate_station_for_user(user=user, plant_code="SY", line_code="L2", station_code="T1")
        gate_check(station=station, employee_no="P")

    # The user and their memberships (the caller's); the station, then the gate's one statement (gate/sql.py:
    # the employee, the override in force, the requirements with the stored certifications).
    assert len(captured.captured_queries) == 4
    assert query_kinds(captured.captured_queries) == (2, 2)


def test_its_query_kinds_go_by_the_first_table() -> None:
    queries = [
        {"sql": 'SELECT "assessments_apitoken"."id" FROM "assessments_apitoken" INNER JOIN "auth_user" ON x'},
        {"sql": 'UPDATE "assessments_apitoken" SET "last_used_at" = now()'},
        {"sql": 'SELECT "gate_override"."id" FROM "gate_override" INNER JOIN "auth_user" ON x'},
        {"sql": 'SELECT (SELECT U0."id" FROM "gate_override" U0) AS "o" FROM "employees_employee"'},
    ]
    assert query_kinds(queries) == (2, 2)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.seen.append((self.path, self.headers.get("Authorization")))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_the_wrk_script_walks_the_pairs_with_the_token(tmp_path: Path) -> None:
    paths = [gate_url("SY", "L2", "T1", name) for name in ("P", "Q", "R")]
    script = tmp_path / "gate.lua"
    script.write_text(wrk_script(paths))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        completed = subprocess.run(
            ["wrk", "-t1", "-c1", "-d1s", "-s", str(script), "-H", "Authorization: Bearer ct_x"]
            + [f"http://127.0.0.1:{server.server_port}{paths[0]}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    assert "WRK {" in completed.stdout
    assert {path for path, _auth in _Recorder.seen} == set(paths)
    assert {auth for _path, auth in _Recorder.seen} == {"Bearer ct_x"}
    # Round the list, one path after the other (the pairs are shuffled when the list is made).
    counts = [sum(1 for path, _auth in _Recorder.seen if path == p) for p in paths]
    assert max(counts) - min(counts) <= 2
