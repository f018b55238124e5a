"""planning/selectors/forecasts.py: worked example 2's forecast read through the selectors, and the cache
that is recomputed when the plan or the roll-up changes (and only then)."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.readiness.recompute import plant_recompute
from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record
from planning.inputs import pass_rates
from planning.selectors.forecasts import (
    forecast_json,
    line_forecast,
    plant_forecast,
    plant_forecasts,
    table_days,
)
from tests.assessments.conftest import ALL_OK, W2_TODAY
from tests.planning.forecast_fixtures import FEB_1, MAR_31, SESSION_DAY

pytestmark = pytest.mark.django_db


def test_the_pass_rate_recorded_is_0_8(pass_rate_recorded):
    w = pass_rate_recorded
    assert pass_rates(plant_id=w["plant"].id, today=W2_TODAY).by_course[w["mod"].id] == pytest.approx(0.8)


def test_worked_example_2_from_recorded_results(pass_rate_recorded):
    line = line_forecast(line=pass_rate_recorded["line"])
    feb, mar = line.on(FEB_1), line.on(MAR_31)
    assert (feb.planned_qualified, feb.expected_qualified) == (4, pytest.approx(3.6))
    assert (mar.planned_qualified, mar.expected_qualified) == (3, pytest.approx(2.6))
    assert (line.reaches_target_on, line.short_at_sop, line.target) == (SESSION_DAY, 0, 4)


def test_worked_example_2_under_a_pass_rate_scenario(pass_rate_scenario):
    w = pass_rate_scenario
    line = line_forecast(line=w["line"], scenario=w["scenario"])
    assert (line.on(FEB_1).planned_qualified, line.on(FEB_1).expected_qualified) == (4, pytest.approx(3.6))
    assert (line.on(MAR_31).planned_qualified, line.on(MAR_31).expected_qualified) == (3, pytest.approx(2.6))
    # The live plan keeps the plant's own rate: 12 results at SY in all, fewer than 20, so 0.9.
    live = line_forecast(line=w["line"])
    assert live.on(FEB_1).expected_qualified == pytest.approx(2 + 2 * 0.9)


def test_the_plants_forecast_and_every_lines_agree(pass_rate_scenario):
    w = pass_rate_scenario
    whole = plant_forecasts(plant=w["plant"], scenario=w["scenario"])
    assert list(whole.lines) == [w["line"].id]
    assert whole.lines[w["line"].id].on(FEB_1) == line_forecast(line=w["line"], scenario=w["scenario"]).on(FEB_1)
    plant = plant_forecast(plant=w["plant"], scenario=w["scenario"])
    assert (plant.on(FEB_1).planned_qualified, plant.target, plant.sop_date) == (4, None, None)


def test_a_scenario_of_another_plant_is_refused(pass_rate_scenario, plant_de, manager):
    from planning.models import Scenario

    other = Scenario.objects.create(plant=plant_de, name="DE", created_by=manager)
    with pytest.raises(ValueError, match="not of plant SY"):
        line_forecast(line=pass_rate_scenario["line"], scenario=other)


def test_the_table_has_weekly_rows_the_sop_day_and_the_last_day(planned):
    line = line_forecast(line=planned["line"])
    dates = [day.date for day in table_days(line)]
    assert dates[:3] == [W2_TODAY, W2_TODAY + dt.timedelta(days=7), W2_TODAY + dt.timedelta(days=14)]
    assert dt.date(2027, 3, 1) in dates  # SOP
    assert dates[-1] == MAR_31
    assert dates == sorted(set(dates))


def test_forecast_json_rounds_expected_and_names_the_summary(pass_rate_scenario):
    w = pass_rate_scenario
    payload = forecast_json(line_forecast(line=w["line"], scenario=w["scenario"]))
    feb = next(day for day in payload["days"] if day["date"] == "2027-02-01")
    assert feb == {
        "date": "2027-02-01",
        "headcount": 4,
        "planned_qualified": 4,
        "expected_qualified": 3.6,
        "planned_qualified_confirmed": 3,
        "expected_qualified_confirmed": 2.6,
        "target": 4,
    }
    assert (payload["sop_date"], payload["reaches_target_on"], payload["short_at_sop"]) == (
        "2027-03-01",
        "2027-01-15",
        0,
    )


# --- The cache -------------------------------------------------------------------------------


def test_a_second_read_is_cached(planned, django_assert_max_num_queries):
    line_forecast(line=planned["line"])
    with django_assert_max_num_queries(1):  # the roll-up status only
        line_forecast(line=planned["line"])


def test_recomputed_when_the_plan_changes(planned, django_capture_on_commit_callbacks):
    w = planned
    assert line_forecast(line=w["line"]).on(FEB_1).planned_qualified == 4
    with django_capture_on_commit_callbacks(execute=True):
        w["session"].attendees.remove(w["S"])
    assert line_forecast(line=w["line"]).on(FEB_1).planned_qualified == 3
    with django_capture_on_commit_callbacks(execute=True):
        w["session"].planned_on = dt.date(2027, 2, 2)
        w["session"].save()
    assert line_forecast(line=w["line"]).on(FEB_1).planned_qualified == 2
    with django_capture_on_commit_callbacks(execute=True):
        w["session"].delete()
    assert line_forecast(line=w["line"]).on(dt.date(2027, 2, 2)).planned_qualified == 2


def test_recomputed_when_a_scenario_changes(pass_rate_scenario, django_capture_on_commit_callbacks):
    w = pass_rate_scenario
    assert line_forecast(line=w["line"], scenario=w["scenario"]).on(FEB_1).expected_qualified == pytest.approx(3.6)
    change = w["scenario"].changes.get()
    with django_capture_on_commit_callbacks(execute=True):
        change.pass_rate = 0.5
        change.save()
    assert line_forecast(line=w["line"], scenario=w["scenario"]).on(FEB_1).expected_qualified == pytest.approx(3.0)


def test_a_change_rolled_back_keeps_the_cached_forecast(planned, django_capture_on_commit_callbacks):
    """The version moves after commit only: a change whose callbacks never run (rolled back) moves nothing."""
    w = planned
    line_forecast(line=w["line"])
    with django_capture_on_commit_callbacks(execute=False):
        w["session"].attendees.remove(w["S"])
    assert line_forecast(line=w["line"]).on(FEB_1).planned_qualified == 4  # cached, version unchanged


def test_recomputed_when_the_roll_up_changes(planned, trainer, django_capture_on_commit_callbacks):
    """Results reach the certifications at once but the forecast follows the roll-up's version: the cached
    forecast stays until a roll-up runs, then it is recomputed from the new certifications."""
    w = planned
    plant_recompute(plant_id=w["plant"].id, on_date=W2_TODAY)
    assert line_forecast(line=w["line"]).on(W2_TODAY).planned_qualified == 2
    assessments_record(
        rows=[
            ResultInput(
                employee=w["S"],
                course=w["mod"],
                kind="practical",
                assessed_on=W2_TODAY,
                assessor=trainer,
                level="U",
                delivery_mode="on_the_job",
                checklist_marks=ALL_OK,
            )
        ],
        recorded_by=trainer,
    )
    assert line_forecast(line=w["line"]).on(W2_TODAY).planned_qualified == 2  # the roll-up has not run
    plant_recompute(plant_id=w["plant"].id, on_date=W2_TODAY)
    assert line_forecast(line=w["line"]).on(W2_TODAY).planned_qualified == 3
