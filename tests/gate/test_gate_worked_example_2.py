"""Worked example 2 through the station gate (DOMAIN.md), at the moments it names, on both of the gate's
paths: the stored certifications (D on or after the plant's today) and the history (a past D)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from employees.models import Plant
from gate.selectors import gate_check
from gate.services import gate_decide, override_grant
from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def plant_time(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture(params=["stored", "computed"])
def gate_path(request, monkeypatch):
    """stored: the plant's today is before every moment asked (the stored rows answer); computed: after
    them all (each moment is a past D, computed from the recorded results)."""
    today = dt.date(2026, 11, 13) if request.param == "stored" else dt.date(2030, 1, 1)
    monkeypatch.setattr(Plant, "local_today", lambda self: today)
    return request.param


def reasons(decision):
    return [r.as_json() for r in decision.reasons]


def test_it_answers_the_worked_example_on_2026_12_01(worked_example_2, gate_path):
    t1, at = worked_example_2["t1"], plant_time(W2_TODAY, 8)

    q = gate_check(station=t1, employee_no="Q", at=at)
    assert q.decision == "deny"
    assert reasons(q) == [{"code": "level_below", "course": "BAT-MOD-010", "held": "L", "needed": "U"}]
    assert q.computed is (gate_path == "computed")

    s = gate_check(station=t1, employee_no="S", at=at)
    assert s.decision == "deny"
    assert reasons(s) == [{"code": "in_progress", "course": "BAT-MOD-010"}]

    p = gate_check(station=t1, employee_no="P", at=at)
    assert (p.decision, p.reasons, p.notes, p.override) == ("allow", (), (), None)

    r = gate_check(station=t1, employee_no="R", at=at)  # the virtual pass counts until SOP + 30 days
    assert r.decision == "allow"
    assert p.date == W2_TODAY


def test_it_denies_r_once_the_window_has_closed(worked_example_2, gate_path):
    r = gate_check(station=worked_example_2["t1"], employee_no="R", at=plant_time(W2_WINDOW_CLOSED, 8))
    assert r.decision == "deny"
    assert reasons(r) == [{"code": "provisional_lapsed", "course": "BAT-MOD-010", "lapsed_on": "2027-03-31"}]
    # The last day it counts, R may still work.
    assert gate_check(station=worked_example_2["t1"], employee_no="R", at=plant_time(dt.date(2027, 3, 30), 23)).allowed


def test_the_override_window_allows_from_0600_until_1400_exclusive(worked_example_2, gate_path, manager):
    t1, r = worked_example_2["t1"], worked_example_2["R"]
    override = override_grant(
        employee=r,
        station=t1,
        starts_at=plant_time(W2_WINDOW_CLOSED, 6),
        ends_at=plant_time(W2_WINDOW_CLOSED, 14),
        reason="Line stop recovery, trainer beside R",
        granted_by=manager,
    )

    at_eight = gate_decide(station=t1, employee_no="R", at=plant_time(W2_WINDOW_CLOSED, 8), actor=manager)
    assert at_eight.decision == "allow"
    assert at_eight.as_json()["override"] == {
        "id": override.id,
        "granted_by": "manager",
        "reason": "Line stop recovery, trainer beside R",
        "from": "2027-03-31T06:00:00+08:00",
        "until": "2027-03-31T14:00:00+08:00",
    }
    # What the override covers is still said.
    assert [r["code"] for r in at_eight.as_json()["reasons"]] == ["provisional_lapsed"]

    at_two = gate_check(station=t1, employee_no="R", at=plant_time(W2_WINDOW_CLOSED, 14))
    assert (at_two.decision, at_two.override) == ("deny", None)
    before = gate_check(station=t1, employee_no="R", at=plant_time(W2_WINDOW_CLOSED, 6) - dt.timedelta(seconds=1))
    assert before.decision == "deny"


def test_the_api_answer_has_the_issues_shape(worked_example_2, gate_path):
    answer = gate_check(station=worked_example_2["t1"], employee_no="Q", at=plant_time(W2_TODAY, 8)).as_json()
    assert answer == {
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
