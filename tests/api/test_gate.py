"""The gate over the API: Worked example 2 at the moments it names (with the override window), the bulk
form, 404s with a reason, a bad moment, and the scope and plant limits of tokens."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.test import Client

from assessments.models import AuditEvent
from employees.models import Plant, PlantMembership
from gate.services import override_grant
from tests.api.helpers import bearer, make_token
from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED
from tests.gate.test_gate_worked_example_2 import plant_time

GATE = "/api/v1/plants/SY/lines/L2/stations/T1/gate"


@pytest.fixture
def gate_token(manager) -> str:
    return make_token(manager, "gate")


@pytest.fixture(autouse=True)
def _stored_rows(monkeypatch):
    """The plant's today before every moment asked: the stored certifications answer (the hot path)."""
    monkeypatch.setattr(Plant, "local_today", lambda self: dt.date(2026, 11, 13))


def _ask(client: Client, token: str, employee: str, at: dt.datetime, url: str = GATE):
    return client.get(f"{url}?employee={employee}&at={quote(at.isoformat())}", **bearer(token))


def test_it_answers_worked_example_2_on_december_1(worked_example_2, gate_token, client) -> None:
    at = plant_time(W2_TODAY, 8)
    q = _ask(client, gate_token, "Q", at)

    assert q.status_code == 200
    assert q.json() == {
        "decision": "deny",
        "employee": "Q",
        "plant": "SY",
        "line": "L2",
        "station": "T1",
        "at": "2026-12-01T08:00:00+08:00",
        "date": "2026-12-01",
        "reasons": [{"code": "level_below", "course": "BAT-MOD-010", "held": "L", "needed": "U"}],
        "notes": [],
        "override": None,
    }
    s = _ask(client, gate_token, "S", at).json()
    assert (s["decision"], s["reasons"]) == ("deny", [{"code": "in_progress", "course": "BAT-MOD-010"}])
    assert _ask(client, gate_token, "P", at).json()["decision"] == "allow"


def test_the_override_window_through_the_api(worked_example_2, gate_token, manager, client) -> None:
    r_at = plant_time(W2_WINDOW_CLOSED, 8)
    assert _ask(client, gate_token, "R", r_at).json()["reasons"] == [
        {"code": "provisional_lapsed", "course": "BAT-MOD-010", "lapsed_on": "2027-03-31"}
    ]
    override = override_grant(
        employee=worked_example_2["R"],
        station=worked_example_2["t1"],
        starts_at=plant_time(W2_WINDOW_CLOSED, 6),
        ends_at=plant_time(W2_WINDOW_CLOSED, 14),
        reason="Line stop recovery",
        granted_by=manager,
    )
    used_before = AuditEvent.objects.filter(action="override.used").count()

    at_eight = _ask(client, gate_token, "R", r_at).json()
    at_two = _ask(client, gate_token, "R", plant_time(W2_WINDOW_CLOSED, 14)).json()

    assert at_eight["decision"] == "allow"
    assert at_eight["override"] == {
        "id": override.id,
        "granted_by": "manager",
        "reason": "Line stop recovery",
        "from": "2027-03-31T06:00:00+08:00",
        "until": "2027-03-31T14:00:00+08:00",
    }
    assert (at_two["decision"], at_two["override"]) == ("deny", None)
    assert AuditEvent.objects.filter(action="override.used").count() == used_before + 1


def test_the_bulk_form_answers_every_pair_in_order(worked_example_2, gate_token, client) -> None:
    body = {
        "at": "2026-12-01T08:00:00",  # plant time
        "checks": [
            {"employee": "Q", "line": "L2", "station": "T1"},
            {"employee": "P", "line": "L2", "station": "T1"},
            {"employee": "NOBODY", "line": "L2", "station": "T1"},
            {"employee": "P", "line": "L2", "station": "T9"},
        ],
    }
    response = client.post("/api/v1/plants/SY/gate", body, content_type="application/json", **bearer(gate_token))

    assert response.status_code == 200
    answer = response.json()
    assert (answer["plant"], answer["at"]) == ("SY", "2026-12-01T08:00:00+08:00")
    assert [a.get("decision") for a in answer["answers"]] == ["deny", "allow", None, None]
    assert answer["answers"][0] == _ask(client, gate_token, "Q", plant_time(W2_TODAY, 8)).json()
    assert answer["answers"][2] == {
        "employee": "NOBODY",
        "line": "L2",
        "station": "T1",
        "error": "not found",
        "detail": "no employee NOBODY",
    }
    assert answer["answers"][3]["detail"] == "no station SY/L2/T9"
    too_many = {"checks": [{"employee": "P", "line": "L2", "station": "T1"}] * 501}
    response = client.post("/api/v1/plants/SY/gate", too_many, content_type="application/json", **bearer(gate_token))
    assert response.status_code == 400
    assert "at most 500" in response.json()["detail"]


def test_unknown_employees_and_stations_are_404_with_a_reason(worked_example_2, gate_token, client) -> None:
    at = plant_time(W2_TODAY, 8)
    nobody = _ask(client, gate_token, "NOBODY", at)
    assert (nobody.status_code, nobody.json()) == (404, {"error": "not found", "detail": "no employee NOBODY"})
    no_station = _ask(client, gate_token, "P", at, url="/api/v1/plants/SY/lines/L2/stations/T9/gate")
    assert (no_station.status_code, no_station.json()["detail"]) == (404, "no station SY/L2/T9")
    assert client.get(f"{GATE}", **bearer(gate_token)).status_code == 400  # employee is required


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T08:00", "9999-01-01T00:00:00"])
def test_a_bad_moment_is_a_400(worked_example_2, gate_token, client, value) -> None:
    response = client.get(f"{GATE}?employee=P&at={quote(value)}", **bearer(gate_token))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("at must")


def test_scope_capability_and_plant_limits(worked_example_2, manager, trainer, plant_de, client) -> None:
    at = plant_time(W2_TODAY, 8)
    read_only = make_token(manager, "read")
    response = _ask(client, read_only, "P", at)
    assert (response.status_code, response.json()) == (
        403,
        {"error": "forbidden", "detail": "this token lacks the scope 'gate'"},
    )
    # A trainer's gate-scoped token: the trainer holds no GATE_CHECK, the station is as unknown as any.
    assert _ask(client, make_token(trainer, "gate"), "P", at).status_code == 404
    # A manager of SY and DE whose token is limited to DE: SY's station is out of reach.
    PlantMembership.objects.create(user=manager, plant=plant_de, role="manager")
    de_only = make_token(manager, "gate", plants=[plant_de])
    assert _ask(client, de_only, "P", at).status_code == 404
    bulk = {"checks": [{"employee": "P", "line": "L2", "station": "T1"}]}
    assert (
        client.post("/api/v1/plants/SY/gate", bulk, content_type="application/json", **bearer(de_only)).status_code
        == 404
    )
    assert _ask(client, make_token(manager, "gate", plants=[worked_example_2["plant"]]), "P", at).status_code == 200


def test_a_gate_check_through_the_api_is_two_queries(
    worked_example_2, gate_token, client, django_assert_num_queries
) -> None:
    """Whatever the station's requirements: 1 the token with its user, its plants and the user's roles,
    2 the gate's one statement (gate/sql.py). No write: the token's last use was stamped a moment ago."""
    at = plant_time(W2_TODAY, 8)
    _ask(client, gate_token, "Q", at)  # stamps last_used_at (at most once a minute)
    with django_assert_num_queries(2):
        answer = _ask(client, gate_token, "S", at)
    assert answer.json()["decision"] == "deny"
