"""DOMAIN.md's Worked example 2 at the roll-up layer: the current tables on explicit dates (plant_recompute),
the midnight job when R's confirmation window closes, and the on-the-fly figures on 2026-12-01 and
2027-03-31 (plant_figures_compute)."""

from __future__ import annotations

import pytest

from assessments.models import (
    CourseReadiness,
    EmployeeReadiness,
    LineSnapshot,
    StationCoverage,
    StationQualification,
    StationShiftCoverage,
)
from assessments.readiness import tasks
from assessments.readiness.figures import ShiftCoverage, plant_figures_compute
from assessments.readiness.recompute import plant_recompute, plants_due_for_new_day
from employees.models import Plant
from tests.assessments.conftest import W2_LAST_COUNTING_DAY, W2_TODAY, W2_WINDOW_CLOSED

pytestmark = pytest.mark.django_db


def _stored(example: dict) -> dict:
    people = {example[name].id: name for name in "PQRS"}
    t1 = example["t1"]
    coverage = StationCoverage.objects.get(station=t1)
    snapshot = LineSnapshot.objects.get(line=example["line"], on_date=coverage.on_date)
    return {
        "qualified": sorted(people[r.employee_id] for r in EmployeeReadiness.objects.filter(qualified=True)),
        "qualified_confirmed": sorted(
            people[r.employee_id] for r in EmployeeReadiness.objects.filter(qualified_confirmed=True)
        ),
        "cells": [
            (c.shift, c.qualified, c.target, c.single_point)
            for c in StationShiftCoverage.objects.filter(station=t1).order_by("position")
        ],
        "station": (coverage.qualified, coverage.target, coverage.trainers, coverage.trainers_needed, coverage.covered),
        "trainers": sorted(
            people[q.employee_id] for q in StationQualification.objects.filter(station=t1, is_trainer=True)
        ),
        "line": (snapshot.headcount, snapshot.qualified, snapshot.qualified_confirmed, snapshot.single_points),
    }


def test_it_stores_the_figures_of_2026_12_01(worked_example_2) -> None:
    plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_TODAY)

    assert _stored(worked_example_2) == {
        "qualified": ["P", "R"],
        "qualified_confirmed": ["P"],
        "cells": [("A", 1, 1, True), ("B", 1, 1, True)],  # P on A, R on B: both single points of failure
        "station": (2, 2, 1, 1, True),
        "trainers": ["P"],
        "line": (4, 2, 1, 2),
    }
    mod = {
        r.employee_id: (r.is_met, r.is_met_confirmed, r.level, r.provisional)
        for r in CourseReadiness.objects.filter(course=worked_example_2["mod"])
    }
    assert mod == {
        worked_example_2["P"].id: (True, True, "O", False),
        worked_example_2["Q"].id: (False, False, "L", False),  # valid, below the U the station needs
        worked_example_2["R"].id: (True, False, "U", True),
        worked_example_2["S"].id: (False, False, None, False),
    }


def test_the_midnight_job_drops_r_when_the_window_closes(worked_example_2, monkeypatch) -> None:
    plant = worked_example_2["plant"]
    plant_recompute(plant_id=plant.id, on_date=W2_LAST_COUNTING_DAY)
    assert _stored(worked_example_2)["qualified"] == ["P", "R"]

    # Midnight passes with no new result: the window closes like an expiry.
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_WINDOW_CLOSED)
    assert plants_due_for_new_day() == [plant.id]
    tasks.readiness_new_day()

    assert _stored(worked_example_2) == {
        "qualified": ["P"],
        "qualified_confirmed": ["P"],
        "cells": [("A", 1, 1, True), ("B", 0, 1, False)],
        "station": (1, 2, 1, 1, False),
        "trainers": ["P"],
        "line": (4, 1, 1, 1),
    }
    assert plants_due_for_new_day() == []


def test_it_computes_the_figures_on_both_dates(worked_example_2) -> None:
    plant_id, line, t1 = worked_example_2["plant"].id, worked_example_2["line"], worked_example_2["t1"]

    before = plant_figures_compute(plant_id=plant_id, on_date=W2_TODAY)
    after = plant_figures_compute(plant_id=plant_id, on_date=W2_WINDOW_CLOSED)

    assert (before.lines[line.id].qualified, before.lines[line.id].qualified_confirmed) == (2, 1)
    assert (before.plant.headcount, before.plant.qualified, before.plant.qualified_confirmed) == (4, 2, 1)
    (station,) = [s for s in before.stations if s.station_id == t1.id]
    assert station.shifts == [ShiftCoverage("A", 1, 1, True), ShiftCoverage("B", 1, 1, True)]
    assert (station.trainers, station.trainers_needed, station.day_staff_qualified) == (1, 1, 0)
    assert (station.qualified, station.target, station.covered) == (2, 2, True)
    assert before.lines[line.id].single_points == 2

    assert (after.lines[line.id].qualified, after.lines[line.id].qualified_confirmed) == (1, 1)
    (station,) = [s for s in after.stations if s.station_id == t1.id]
    assert station.shifts == [ShiftCoverage("A", 1, 1, True), ShiftCoverage("B", 0, 1, False)]
    assert (station.qualified, station.covered, station.trainers) == (1, False, 1)
