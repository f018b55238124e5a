"""GET /api/v1/plants/<plant>/lines/<line>/forecast[?scenario=<id>]: worked example 2's forecast (DOMAIN.md),
scopes and plant limits of tokens, 404s with a reason, 400 for a malformed scenario id."""

from __future__ import annotations

import pytest

from planning.models import Scenario, ScenarioStatus
from tests import factories
from tests.api.helpers import bearer, make_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/plants/SY/lines/L2/forecast"


def _day(body: dict, on: str) -> dict:
    return next(day for day in body["days"] if day["date"] == on)


def test_it_answers_worked_example_2_from_recorded_results(pass_rate_recorded, manager, client) -> None:
    body = client.get(URL, **bearer(make_token(manager, "read"))).json()
    assert (body["line"], body["plant"], body["scenario"]) == ("L2", "SY", None)
    assert (body["sop_date"], body["target"], body["target_pct"]) == ("2027-03-01", 4, 100)
    assert (body["reaches_target_on"], body["short_at_sop"]) == ("2027-01-15", 0)
    assert _day(body, "2027-02-01") == {
        "date": "2027-02-01",
        "headcount": 4,
        "planned_qualified": 4,
        "expected_qualified": 3.6,
        "planned_qualified_confirmed": 3,
        "expected_qualified_confirmed": 2.6,
        "target": 4,
    }
    mar = _day(body, "2027-03-31")
    assert (mar["planned_qualified"], mar["expected_qualified"]) == (3, 2.6)
    assert (body["days"][0]["date"], body["days"][-1]["date"]) == ("2026-12-01", "2027-03-31")
    assert len(body["days"]) == 121


def test_it_answers_under_a_pass_rate_scenario(pass_rate_scenario, manager, client) -> None:
    scenario = pass_rate_scenario["scenario"]
    client.force_login(manager)  # a browser session works as well as a token
    body = client.get(URL, {"scenario": scenario.id}).json()
    assert body["scenario"] == scenario.id
    feb = _day(body, "2027-02-01")
    assert (feb["planned_qualified"], feb["expected_qualified"]) == (4, 3.6)
    assert _day(body, "2027-03-31")["expected_qualified"] == 2.6
    live = client.get(URL).json()  # without the scenario: SY's 12 results are too few, so 0.9
    assert _day(live, "2027-02-01")["expected_qualified"] == 3.8


def test_without_the_plan_two_are_short_at_sop(worked_example_2, manager, client, monkeypatch) -> None:
    from employees.models import Plant
    from tests.assessments.conftest import W2_TODAY

    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    body = client.get(URL, **bearer(make_token(manager, "read"))).json()
    assert (body["reaches_target_on"], body["short_at_sop"]) == (None, 2)


@pytest.mark.parametrize(
    ("url", "query", "detail"),
    [
        ("/api/v1/plants/XX/lines/L2/forecast", {}, "no plant 'XX' among yours"),
        ("/api/v1/plants/SY/lines/L9/forecast", {}, "no active line 'L9' at plant SY"),
        (URL, {"scenario": "99999"}, "no draft scenario 99999 at plant SY"),
    ],
)
def test_unknown_plant_line_or_scenario_is_a_404_with_a_reason(planned, manager, client, url, query, detail) -> None:
    response = client.get(url, query, **bearer(make_token(manager, "read")))
    assert response.status_code == 404
    assert response.json() == {"error": "not found", "detail": detail}


def test_another_plants_or_a_promoted_scenario_is_a_404(pass_rate_scenario, plant_de, manager, client) -> None:
    token = make_token(manager, "read")
    other = Scenario.objects.create(plant=plant_de, name="DE", created_by=manager)
    promoted = pass_rate_scenario["scenario"]
    promoted.status = ScenarioStatus.PROMOTED
    promoted.save()
    for scenario in (other, promoted):
        response = client.get(URL, {"scenario": scenario.id}, **bearer(token))
        assert response.status_code == 404, scenario
        assert response.json()["detail"] == f"no draft scenario {scenario.id} at plant SY"


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", str(2**40)])
def test_a_malformed_scenario_id_is_a_400(planned, manager, client, value) -> None:
    response = client.get(URL, {"scenario": value}, **bearer(make_token(manager, "read")))
    assert response.status_code == 400
    assert response.json()["error"] == "bad request"
    assert "scenario" in response.json()["detail"]


def test_a_token_limited_to_another_plant_or_without_read_is_refused(planned, manager, plant_de, client) -> None:
    factories.PlantMembershipFactory(user=manager, plant=plant_de, role="manager")
    assert client.get(URL, **bearer(make_token(manager, "read", plants=[plant_de]))).status_code == 404
    response = client.get(URL, **bearer(make_token(manager, "gate")))
    assert response.status_code == 403
    assert client.get(URL).status_code == 401


def test_view_plan_roles_only(planned, trainer, supervisor, auditor, hr, manager_de, client) -> None:
    for user in (trainer, supervisor, auditor):
        assert client.get(URL, **bearer(make_token(user, "read"))).status_code == 200, user
    for user in (hr, manager_de):
        assert client.get(URL, **bearer(make_token(user, "read"))).status_code == 404, user


def test_it_is_in_the_openapi_document(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/plants/{code}/lines/{line_code}/forecast"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["code", "line_code", "scenario"]
    assert "LineForecastOut" in document["components"]["schemas"]
