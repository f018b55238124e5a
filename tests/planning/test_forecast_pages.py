"""The forecast pages (/planning/<plant>/forecast/, /planning/<plant>/lines/<line>/forecast/) and the forecast
on the readiness pages: worked example 2's figures, ?scenario=, who may see them."""

from __future__ import annotations

import json
import re

import pytest

from planning.models import Scenario

pytestmark = pytest.mark.django_db

LINE_URL = "/planning/SY/lines/L2/forecast/"
PLANT_URL = "/planning/SY/forecast/"


def _row(html: str, on: str) -> list[str]:
    row = re.search(rf'<tr data-date="{on}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1:]]


def test_the_line_page_shows_worked_example_2(pass_rate_recorded, manager, client) -> None:
    client.force_login(manager)
    response = client.get(LINE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    # headcount, target, planned, expected, planned confirmed, expected confirmed
    assert _row(html, "2026-12-01") == ["4", "4", "2", "2", "1", "1"]
    assert _row(html, "2027-03-01") == ["4", "4", "4", "3.6", "3", "2.6"]  # the SOP day
    assert _row(html, "2027-03-31") == ["4", "4", "3", "2.6", "3", "2.6"]  # the last day
    assert "Reaches the target on 2027-01-15" in html
    days = [day.date.isoformat() for day in response.context["page"].rows]
    assert days[1] == "2026-12-08"  # weekly
    chart = json.loads(re.search(r'id="forecast-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert chart["planned"][chart["dates"].index("2027-02-01")] == 4
    assert chart["expected"][chart["dates"].index("2027-02-01")] == 3.6
    assert chart["sop_date"] == "2027-03-01"


def test_the_line_page_under_a_scenario(pass_rate_scenario, manager, client) -> None:
    client.force_login(manager)
    scenario = pass_rate_scenario["scenario"]
    html = client.get(LINE_URL, {"scenario": scenario.id}).content.decode()
    assert _row(html, "2027-03-31") == ["4", "4", "3", "2.6", "3", "2.6"]
    assert "Pass rate 0.8" in html
    live = client.get(LINE_URL).content.decode()
    assert _row(live, "2027-03-31")[3] == "2.8"  # 0.9 without the scenario: 1 + 0.9 + 0.9


def test_short_at_sop_without_the_plan(worked_example_2, manager, client, monkeypatch) -> None:
    from employees.models import Plant
    from tests.assessments.conftest import W2_TODAY

    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    client.force_login(manager)
    assert "2 people short at SOP" in client.get(LINE_URL).content.decode()


@pytest.mark.parametrize("value", ["abc", "0", "99999", str(2**40), "１"])
def test_a_scenario_that_is_no_draft_of_the_plant_is_a_404(pass_rate_scenario, manager, client, value) -> None:
    client.force_login(manager)
    assert client.get(LINE_URL, {"scenario": value}).status_code == 404
    assert client.get(PLANT_URL, {"scenario": value}).status_code == 404


def test_another_plants_scenario_is_a_404(pass_rate_scenario, plant_de, manager, client) -> None:
    other = Scenario.objects.create(plant=plant_de, name="DE", created_by=manager)
    client.force_login(manager)
    assert client.get(LINE_URL, {"scenario": other.id}).status_code == 404


def test_the_plant_page_lists_the_lines_and_the_plants_totals(pass_rate_recorded, manager, client) -> None:
    client.force_login(manager)
    response = client.get(PLANT_URL)
    html = response.content.decode()
    line_row = re.search(r'<tr data-line="L2">(.*?)</tr>', html, re.S).group(1)
    assert "2027-03-01" in line_row and ">3.6<" in line_row and "Reaches the target on 2027-01-15" in line_row
    # The plant's totals count its 16 employees without a line too.
    plant = response.context["page"].forecast
    assert plant.on(response.context["page"].rows[0].date).headcount == 20
    assert "/planning/SY/lines/L2/forecast/" in html


def test_who_may_see_the_pages(planned, trainer, auditor, supervisor, hr, manager_de, client) -> None:
    for user, status in ((trainer, 200), (auditor, 200), (supervisor, 200), (hr, 403), (manager_de, 404)):
        client.force_login(user)
        assert client.get(LINE_URL).status_code == status, user
        assert client.get(PLANT_URL).status_code == status, user
    client.force_login(trainer)
    assert client.get("/planning/SY/lines/L9/forecast/").status_code == 404


def test_the_readiness_pages_show_the_forecast_and_link_it(pass_rate_recorded, manager, client) -> None:
    client.force_login(manager)
    line_page = client.get("/dashboard/plants/SY/lines/L2/").content.decode()
    assert 'data-forecast-chart="forecast-chart-data"' in line_page
    assert 'href="/planning/SY/lines/L2/forecast/"' in line_page
    plant_page = client.get("/dashboard/plants/SY/").content.decode()
    data = json.loads(re.search(r'id="forecast-data"[^>]*>(.*?)</script>', plant_page, re.S).group(1))
    (line,) = data["lines"]
    at = line["dates"].index("2027-02-01")
    assert (line["code"], line["sop_date"], line["target_pct"]) == ("L2", "2027-03-01", 100)
    assert (line["planned"][at], line["expected"][at]) == (100.0, 90.0)  # 4 and 3.6 of 4
    assert 'href="/planning/SY/forecast/"' in plant_page


def test_the_plant_forecast_is_recomputed_when_the_plan_changes(
    planned, manager, client, django_capture_on_commit_callbacks
) -> None:
    client.force_login(manager)
    assert _row(client.get(LINE_URL).content.decode(), "2027-03-01")[2] == "4"
    with django_capture_on_commit_callbacks(execute=True):
        planned["session"].attendees.remove(planned["Q"])
    assert _row(client.get(LINE_URL).content.decode(), "2027-03-01")[2] == "3"
