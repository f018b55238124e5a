"""The roll-up engine on DOMAIN.md's worked example, idempotency, incremental updates and the outbox."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import (
    CourseReadiness,
    EmployeeReadiness,
    LineSnapshot,
    PlantSnapshot,
    ReadinessMark,
    ReadinessState,
    StationCoverage,
    StationQualification,
)
from assessments.readiness.figures import plant_figures_compute
from assessments.readiness.outbox import readiness_mark
from assessments.readiness.recompute import drain_marks, plant_recompute, plants_due_for_new_day
from assessments.readiness.store import EMPLOYEE_ROWS, QUALIFICATION_ROWS
from employees.models import Employee
from tests import factories
from tests.assessments.conftest import D1, D2, D_WINDOW, b_passes_hv_theory


def _table_rows() -> dict[str, list[tuple]]:
    """Every roll-up row without IDs and timestamps, for comparing two runs."""
    return {
        "course": sorted(
            CourseReadiness.objects.values_list(
                "employee_id", "course_id", "plant_id", "line_id", "is_met", "is_met_confirmed", "level", "expires_on"
            )
        ),
        "employee": sorted(EmployeeReadiness.objects.values_list(*EMPLOYEE_ROWS.keys, *EMPLOYEE_ROWS.values)),
        "station": sorted(
            StationCoverage.objects.values_list(
                "station_id", "line_id", "on_date", "course_count", "qualified", "target", "covered", "single_point"
            )
        ),
        "qualification": sorted(
            StationQualification.objects.values_list(*QUALIFICATION_ROWS.keys, *QUALIFICATION_ROWS.values)
        ),
        "line": sorted(
            LineSnapshot.objects.values_list(
                "line_id",
                "on_date",
                "headcount",
                "qualified",
                "readiness",
                "expiring_30",
                "expiring_60",
                "expiring_90",
                "gaps",
                "stations",
                "stations_covered",
                "single_points",
            )
        ),
        "plant": sorted(
            PlantSnapshot.objects.values_list(
                "plant_id",
                "on_date",
                "headcount",
                "qualified",
                "readiness",
                "expiring_30",
                "expiring_60",
                "expiring_90",
                "gaps",
                "stations",
                "stations_covered",
                "single_points",
            )
        ),
    }


def _qualified_pairs() -> set[tuple[str, str]]:
    return set(StationQualification.objects.values_list("employee__employee_no", "station__code"))


def test_it_rolls_up_the_worked_example_on_both_dates(worked_example) -> None:
    plant, line, s1, s2 = (worked_example[k] for k in ("plant", "line", "s1", "s2"))

    plant_recompute(plant_id=plant.id, on_date=D1)

    snapshot = LineSnapshot.objects.get(line=line, on_date=D1)
    assert (snapshot.headcount, snapshot.qualified) == (3, 2)
    assert snapshot.readiness == pytest.approx(2 / 3)
    assert (snapshot.expiring_30, snapshot.expiring_60, snapshot.expiring_90) == (0, 0, 0)
    assert snapshot.gaps == 1  # B lacks HV-001
    assert (snapshot.stations, snapshot.stations_covered, snapshot.single_points) == (2, 1, 1)
    s1_cov, s2_cov = StationCoverage.objects.get(station=s1), StationCoverage.objects.get(station=s2)
    assert (s1_cov.qualified, s1_cov.target, s1_cov.covered, s1_cov.single_point) == (2, 2, True, False)
    assert (s2_cov.qualified, s2_cov.target, s2_cov.covered, s2_cov.single_point) == (1, 2, False, True)
    assert _qualified_pairs() == {("A", "S1"), ("C", "S1"), ("C", "S2")}  # the people those counts count
    b = EmployeeReadiness.objects.get(employee=worked_example["B"])
    assert (b.required_count, b.met_count, b.qualified, b.completion) == (2, 1, False, 0.5)
    c = EmployeeReadiness.objects.get(employee=worked_example["C"])
    assert c.next_expiry == dt.date(2026, 10, 1)
    plant_snapshot = PlantSnapshot.objects.get(plant=plant, on_date=D1)
    assert (plant_snapshot.headcount, plant_snapshot.qualified) == (3, 2)
    assert ReadinessState.objects.get(plant=plant).on_date == D1

    plant_recompute(plant_id=plant.id, on_date=D_WINDOW)
    assert LineSnapshot.objects.get(line=line, on_date=D_WINDOW).expiring_90 == 1  # C's HV-001, 90 days left

    plant_recompute(plant_id=plant.id, on_date=D2)
    snapshot = LineSnapshot.objects.get(line=line, on_date=D2)
    assert (snapshot.headcount, snapshot.qualified) == (3, 1)
    assert snapshot.readiness == pytest.approx(1 / 3)
    assert StationCoverage.objects.get(station=s1).qualified == 1  # only A: C's HV-001 expired
    assert StationCoverage.objects.get(station=s2).qualified == 0
    assert _qualified_pairs() == {("A", "S1")}
    # Earlier snapshots are kept for the trend.
    assert LineSnapshot.objects.filter(line=line).count() == 3


def test_it_computes_the_same_figures_on_the_fly_without_storing(worked_example) -> None:
    plant, line, s2 = worked_example["plant"], worked_example["line"], worked_example["s2"]

    figures = plant_figures_compute(plant_id=plant.id, on_date=D1)

    assert (figures.plant.headcount, figures.plant.qualified) == (3, 2)
    assert figures.lines[line.id].readiness == pytest.approx(2 / 3)
    station = next(s for s in figures.stations if s.station_id == s2.id)
    assert (station.qualified, station.target, station.covered, station.single_point) == (1, 2, False, True)
    assert not LineSnapshot.objects.exists()
    assert not EmployeeReadiness.objects.exists()
    assert plant_figures_compute(plant_id=plant.id, on_date=D2).plant.qualified == 1


def test_it_gives_no_readiness_figure_for_a_line_without_employees(plant_sy) -> None:
    line = factories.ProductionLineFactory(plant=plant_sy, code="EMPTY")

    plant_recompute(plant_id=plant_sy.id, on_date=D1)

    snapshot = LineSnapshot.objects.get(line=line, on_date=D1)
    assert (snapshot.headcount, snapshot.qualified, snapshot.readiness) == (0, 0, None)
    assert PlantSnapshot.objects.get(plant=plant_sy, on_date=D1).readiness is None


def test_it_is_idempotent(worked_example) -> None:
    plant = worked_example["plant"]
    plant_recompute(plant_id=plant.id, on_date=D1)
    first = _table_rows()

    plant_recompute(plant_id=plant.id, on_date=D1)

    assert _table_rows() == first
    assert LineSnapshot.objects.count() == 1


def test_it_drains_the_outbox_incrementally(worked_example, trainer, monkeypatch) -> None:

    plant, line, b = worked_example["plant"], worked_example["line"], worked_example["B"]
    monkeypatch.setattr(type(plant), "local_today", lambda self: D1)
    # One mark per employee and course of the fixture's batch: A and B (HV-001, BAT-PACK-001), C (three).
    assert set(ReadinessMark.objects.filter(plant=plant).values_list("employee__employee_no", "course__code")) == {
        ("A", "HV-001"),
        ("A", "BAT-PACK-001"),
        ("B", "HV-001"),
        ("B", "BAT-PACK-001"),
        ("C", "HV-001"),
        ("C", "BAT-PACK-001"),
        ("C", "BAT-PACK-002"),
    }
    assert drain_marks() == 7
    assert not ReadinessMark.objects.exists()
    assert LineSnapshot.objects.get(line=line, on_date=D1).qualified == 2

    b_passes_hv_theory(worked_example, trainer)
    assert ReadinessMark.objects.filter(employee=b).count() == 1

    assert drain_marks() == 1
    assert LineSnapshot.objects.get(line=line, on_date=D1).qualified == 3
    assert StationCoverage.objects.get(station=worked_example["s1"]).qualified == 3
    assert ("B", "S1") in _qualified_pairs()
    incremental = _table_rows()
    plant_recompute(plant_id=plant.id, on_date=D1)
    assert _table_rows() == incremental


def test_a_move_to_another_line_moves_the_employees_qualification_with_them(worked_example, monkeypatch) -> None:
    plant, a, s1 = worked_example["plant"], worked_example["A"], worked_example["s1"]
    monkeypatch.setattr(type(plant), "local_today", lambda self: D1)
    line2 = factories.ProductionLineFactory(plant=plant, code="L2", shifts=1)
    s3 = factories.StationFactory(line=line2, code="S3", per_shift_target=1)
    factories.RequirementFactory(course=s1.requirements.get().course, scope="station", station=s3)  # BAT-PACK-001
    drain_marks()
    plant_recompute(plant_id=plant.id, on_date=D1)
    assert StationCoverage.objects.get(station=s1).qualified == 2  # A and C
    assert StationCoverage.objects.get(station=s3).qualified == 0  # nobody on L2 yet

    a.line, a.station = line2, s3
    a.save()
    readiness_mark(employees=[a], reason="employee-changed")
    assert drain_marks() == 1

    assert {p for p in _qualified_pairs() if p[0] == "A"} == {("A", "S3")}
    assert StationCoverage.objects.get(station=s1).qualified == 1  # C
    s3_coverage = StationCoverage.objects.get(station=s3)
    assert (s3_coverage.qualified, s3_coverage.covered, s3_coverage.single_point) == (1, True, True)
    incremental = _table_rows()
    plant_recompute(plant_id=plant.id, on_date=D1)
    assert _table_rows() == incremental


def test_it_recomputes_fully_when_the_local_date_moved_on(worked_example, monkeypatch) -> None:
    plant, line = worked_example["plant"], worked_example["line"]
    plant_recompute(plant_id=plant.id, on_date=D1)
    monkeypatch.setattr(type(plant), "local_today", lambda self: D2)

    assert plants_due_for_new_day() == [plant.id]
    ReadinessMark.objects.create(employee=worked_example["A"], plant=plant, reason="test")
    drain_marks()

    assert ReadinessState.objects.get(plant=plant).on_date == D2
    assert LineSnapshot.objects.get(line=line, on_date=D2).qualified == 1
    assert EmployeeReadiness.objects.get(employee=worked_example["C"]).met_count == 1  # HV-001 expired
    assert plants_due_for_new_day() == []


def test_a_full_recompute_takes_over_the_rows_of_an_employee_who_moved_in(worked_example, plant_de) -> None:
    sy, a = worked_example["plant"], worked_example["A"]
    plant_recompute(plant_id=sy.id)
    assert set(CourseReadiness.objects.filter(employee=a).values_list("plant_id", flat=True)) == {sy.id}
    ReadinessMark.objects.all().delete()
    a.plant, a.line, a.station = plant_de, None, None
    a.save()

    plant_recompute(plant_id=plant_de.id)

    assert EmployeeReadiness.objects.get(employee=a).plant_id == plant_de.id
    assert set(CourseReadiness.objects.filter(employee=a).values_list("plant_id", flat=True)) <= {plant_de.id}
    assert EmployeeReadiness.objects.filter(plant=sy).count() == 2  # B and C stay at SY
    assert list(ReadinessMark.objects.values_list("employee_id", "plant_id", "reason")) == [
        (a.id, sy.id, "moved-plant")
    ]
    # A's qualification rows at SY went with the rest; SY's station counts follow when it drains that mark.
    assert not StationQualification.objects.filter(employee=a).exists()
    s1 = worked_example["s1"]
    assert StationCoverage.objects.get(station=s1).qualified == 1  # A (C's HV-001 expired before today)
    drain_marks()
    assert StationCoverage.objects.get(station=s1).qualified == 0
    assert not EmployeeReadiness.objects.filter(employee=a, plant=sy).exists()


def test_course_readiness_rows_go_with_their_course_without_a_database_foreign_key(worked_example) -> None:
    # CourseReadiness has no database FKs (a roll-up rewrites its rows, BENCHMARKS.md §1): Django cascades.
    plant = worked_example["plant"]
    new = factories.CourseFactory(code="EHS-NEW", needs_theory=False, needs_practical=True)
    requirement = factories.RequirementFactory(course=new, scope="plant", plant=plant)
    plant_recompute(plant_id=plant.id)
    assert CourseReadiness.objects.filter(course=new, is_met=False).count() == 3

    requirement.delete()  # requirements protect their course
    new.delete()

    assert not CourseReadiness.objects.filter(course_id=new.id).exists()


def test_qualification_rows_go_with_their_station_without_a_database_foreign_key(worked_example) -> None:
    plant_recompute(plant_id=worked_example["plant"].id, on_date=D1)
    s2 = worked_example["s2"]
    assert StationQualification.objects.filter(station=s2).count() == 1

    s2.requirements.all().delete()  # requirements and primary stations protect a station
    Employee.objects.filter(station=s2).update(station=None)
    s2.delete()

    assert not StationQualification.objects.filter(station_id=s2.id).exists()
    assert _qualified_pairs() == {("A", "S1"), ("C", "S1")}
