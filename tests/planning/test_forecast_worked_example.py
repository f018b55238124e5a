"""Worked example 2's forecast (DOMAIN.md): a planned session of BAT-MOD-010 on 2027-01-15 with Q and S,
pass rate 0.8. On 2027-02-01 planned 4 (P, Q, R, S), expected 3.6; on 2027-03-31 planned 3 (R's virtual
pass has lapsed, no confirmation planned), expected 2.6."""

from __future__ import annotations

import datetime as dt

import pytest

from employees.models import Plant
from planning.forecast import forecast
from planning.inputs import load_inputs
from tests.assessments.conftest import W2_TODAY
from tests.planning.forecast_fixtures import SESSION_DAY

pytestmark = pytest.mark.django_db

# The `planned` fixture (worked example 2 on its today with the planned session of Q and S on SESSION_DAY)
# comes from tests/planning/forecast_fixtures.py.


def _line_forecast(w, rate=0.8):
    inputs = load_inputs(plant=w["plant"])
    inputs.pass_rates[w["mod"].id] = rate
    return forecast(inputs).lines[w["line"].id]


def test_today_matches_the_worked_example(planned):
    line = _line_forecast(planned)
    today = line.on(W2_TODAY)
    assert (today.headcount, today.planned_qualified, today.planned_qualified_confirmed) == (4, 2, 1)
    assert today.expected_qualified == pytest.approx(2.0)
    assert line.days[0].date == W2_TODAY


def test_planned_and_expected_on_2027_02_01(planned):
    day = _line_forecast(planned).on(dt.date(2027, 2, 1))
    assert day.planned_qualified == 4
    assert day.expected_qualified == pytest.approx(3.6)
    # Confirmed: R's virtual pass never counts; P, Q and S do.
    assert day.planned_qualified_confirmed == 3
    assert day.expected_qualified_confirmed == pytest.approx(2.6)


def test_planned_and_expected_on_2027_03_31(planned):
    line = _line_forecast(planned)
    day = line.on(dt.date(2027, 3, 31))
    assert day.planned_qualified == 3
    assert day.expected_qualified == pytest.approx(2.6)
    # The day before the window closes R still counts.
    assert line.on(dt.date(2027, 3, 30)).planned_qualified == 4
    assert line.days[-1].date == dt.date(2027, 3, 31)


def test_the_day_before_the_session_nothing_changed(planned):
    line = _line_forecast(planned)
    before, on = line.on(SESSION_DAY - dt.timedelta(days=1)), line.on(SESSION_DAY)
    assert (before.planned_qualified, on.planned_qualified) == (2, 4)


def test_target_reached_on_the_session_day_and_nobody_short_at_sop(planned):
    line = _line_forecast(planned)
    assert line.target == 4  # 100% of 4
    assert line.reaches_target_on == SESSION_DAY
    assert line.short_at_sop == 0


def test_without_the_session_two_are_short_at_sop(worked_example_2, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    line = _line_forecast(worked_example_2)
    assert line.reaches_target_on is None
    assert line.short_at_sop == 2
    assert line.on(dt.date(2027, 3, 31)).planned_qualified == 1
