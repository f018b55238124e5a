"""The read-only JSON API: DOMAIN.md's worked example, authentication, scoping and bad parameters."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from assessments.models import ApiToken, ReadinessState
from assessments.readiness.recompute import drain_marks
from employees.models import Plant
from tests.assessments.conftest import D1, D2


@pytest.fixture
def token(manager) -> str:
    out = StringIO()
    call_command("create_api_token", manager.username, "--name", "BI", stdout=out)
    return out.getvalue().strip()


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _line(body: dict, code: str) -> dict:
    return next(line for line in body["lines"] if line["code"] == code)


def test_it_reports_the_worked_example_on_both_dates(worked_example, token, client, monkeypatch) -> None:
    monkeypatch.setattr(Plant, "local_today", lambda self: D1)
    drain_marks()

    stored = client.get("/api/v1/plants/SY/readiness", **_bearer(token)).json()
    computed = client.get("/api/v1/plants/SY/readiness?date=2026-10-01", **_bearer(token)).json()

    assert stored["source"] == "rollup"
    assert stored["date"] == "2026-06-30"
    assert (stored["headcount"], stored["qualified"], stored["readiness"]) == (3, 2, 0.6667)
    l1 = _line(stored, "L1")
    assert (l1["headcount"], l1["qualified"], l1["readiness"]) == (3, 2, 0.6667)
    assert (l1["qualified_confirmed"], l1["readiness_confirmed"]) == (2, 0.6667)  # no provisional pass
    assert l1["stations"] == [
        {
            "code": "S1",
            "name": "Station S1",
            "qualified": 2,
            "target": 2,
            "covered": True,
            "single_point_of_failure": False,
            "shifts": [{"shift": "A", "qualified": 2, "target": 2, "single_point_of_failure": False}],
            "day_staff_qualified": 0,
            "trainers": 0,
            "trainers_needed": 0,
        },
        {
            "code": "S2",
            "name": "Station S2",
            "qualified": 1,
            "target": 2,
            "covered": False,
            "single_point_of_failure": True,
            "shifts": [{"shift": "A", "qualified": 1, "target": 2, "single_point_of_failure": True}],
            "day_staff_qualified": 0,
            "trainers": 0,
            "trainers_needed": 0,
        },
    ]
    assert computed["source"] == "computed"
    assert computed["date"] == D2.isoformat()
    assert (computed["qualified"], _line(computed, "L1")["qualified"]) == (1, 1)
    assert _line(computed, "L1")["stations"][0]["shifts"] == [
        {"shift": "A", "qualified": 1, "target": 2, "single_point_of_failure": True}
    ]
    window = client.get("/api/v1/plants/SY/readiness?date=2026-07-03", **_bearer(token)).json()
    assert (window["expiring_30"], window["expiring_60"], window["expiring_90"]) == (0, 0, 1)


def test_it_reports_an_employees_certifications(worked_example, token, client) -> None:
    body = client.get("/api/v1/employees/C/certifications?date=2026-06-30", **_bearer(token)).json()

    assert (body["required"], body["valid"]) == (2, 2)
    by_course = {row["course"]: row for row in body["certifications"]}
    assert by_course["HV-001"]["expires_on"] == "2026-10-01"
    assert by_course["HV-001"]["required"] is True
    assert by_course["BAT-PACK-001"]["required"] is False  # cross-trained: counts for S1's coverage
    assert by_course["BAT-PACK-001"]["valid"] is True
    later = client.get("/api/v1/employees/C/certifications?date=2026-10-01", **_bearer(token)).json()
    assert later["valid"] == 1


def test_it_lists_only_the_users_plants(plant_sy, plant_de, manager, client) -> None:
    client.force_login(manager)  # session authentication works too
    body = client.get("/api/v1/plants").json()
    assert [plant["code"] for plant in body["plants"]] == ["SY"]
    assert body["plants"][0]["readiness_url"] == "http://testserver/api/v1/plants/SY/readiness"


def test_it_answers_401_without_credentials(plant_sy, client) -> None:
    for headers in ({}, _bearer("ct_not-a-token"), {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}):
        response = client.get("/api/v1/plants/SY/readiness", **headers)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_answers_404_for_another_plant(plant_sy, plant_de, manager_de, worked_example, client) -> None:
    client.force_login(manager_de)
    for url in ("/api/v1/plants/SY/readiness", "/api/v1/employees/A/certifications", "/api/v1/plants/XX/readiness"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"error": "not found"}


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-6-1", "2026-02-30", "", "9999-12-31", "0001-01-01"])
def test_it_answers_400_for_a_bad_date(plant_sy, token, client, value) -> None:
    response = client.get(f"/api/v1/plants/SY/readiness?date={value}", **_bearer(token))
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"] or "between 1970-01-01 and 2199-12-31" in response.json()["detail"]


def test_it_is_read_only(plant_sy, token) -> None:
    client = Client(enforce_csrf_checks=True)  # as a real token client meets it: JSON 405, not the CSRF page
    response = client.post("/api/v1/plants", **_bearer(token))
    assert response.status_code == 405
    assert response.json() == {"error": "method not allowed", "detail": "This API is read-only."}


def test_it_stores_only_a_hash_and_notes_the_last_use(plant_sy, manager, token, client) -> None:
    api_token = ApiToken.objects.get(user=manager)
    assert token not in (api_token.token_hash, api_token.prefix)
    assert api_token.last_used_at is None

    client.get("/api/v1/plants", **_bearer(token))

    api_token.refresh_from_db()
    assert api_token.last_used_at is not None
    manager.is_active = False
    manager.save()
    assert client.get("/api/v1/plants", **_bearer(token)).status_code == 401


def test_it_creates_tokens_in_the_admin(admin_user, manager, client) -> None:
    client.force_login(admin_user)
    response = client.post("/admin/assessments/apitoken/add/", {"user": manager.id, "name": "dashboard"}, follow=True)

    assert response.status_code == 200
    api_token = ApiToken.objects.get(user=manager)
    shown = next(str(m) for m in response.context["messages"]).rsplit(" ", 1)[-1]
    assert client.get("/api/v1/plants", **_bearer(shown)).status_code == 200
    assert api_token.name == "dashboard"


def test_it_prints_a_summary_per_line(worked_example, monkeypatch) -> None:
    monkeypatch.setattr(Plant, "local_today", lambda self: D1)
    out = StringIO()

    call_command("rollup_readiness", "--plant", "SY", stdout=out)
    call_command("rollup_readiness", "--plant", "SY", "--date", "2026-10-01", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("SY 2026-06-30: 2/3 qualified (66.7%)")
    assert lines[1].split()[:3] == ["L1", "2/3", "66.7%"]
    assert lines[2].startswith("SY 2026-10-01: 1/3 qualified (33.3%)")
    # Another date stores that date's snapshots only: the current tables still describe today.
    assert ReadinessState.objects.get().on_date == D1
