"""Fixtures of the assessments tests.

DOMAIN.md's worked example (worked_example, dates D1 / D_WINDOW / D2), recorded through the
services; and a small SY plant for the trainer's pages: line L1 with two stations, a course
needing theory and practical, a course with a prerequisite, ten operators, and the same
set-up at DE for outsider tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.services.result_rules import ResultInput
from assessments.services.results import assessment_record, assessments_record
from tests import factories

D1 = dt.date(2026, 6, 30)
D_WINDOW = dt.date(2026, 7, 3)
D2 = dt.date(2026, 10, 1)


@pytest.fixture
def worked_example(plant_sy, trainer):
    """Plant SY, line L1, stations S1 and S2, employees A, B, C with their results."""
    area = factories.ProcessAreaFactory(code="PACK")
    # One shift (A, every employee's: the factories' default), two qualified people needed on it.
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1", shifts=1)
    s1 = factories.StationFactory(line=line, code="S1", per_shift_target=2)
    s2 = factories.StationFactory(line=line, code="S2", per_shift_target=2)
    hv = factories.CourseFactory(
        code="HV-001", process_area=area, needs_theory=True, needs_practical=True, validity_months=12, pass_mark=80
    )
    p1 = factories.CourseFactory(code="BAT-PACK-001", process_area=area, needs_theory=False, needs_practical=True)
    p2 = factories.CourseFactory(code="BAT-PACK-002", process_area=area, needs_theory=False, needs_practical=True)
    factories.RequirementFactory(course=hv, scope="plant", plant=plant_sy)
    factories.RequirementFactory(course=p1, scope="station", station=s1)
    factories.RequirementFactory(course=p2, scope="station", station=s2)
    for course in (hv, p1, p2):
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    hire = dt.date(2025, 1, 1)
    a = factories.EmployeeFactory(employee_no="A", plant=plant_sy, line=line, station=s1, hire_date=hire)
    b = factories.EmployeeFactory(employee_no="B", plant=plant_sy, line=line, station=s1, hire_date=hire)
    c = factories.EmployeeFactory(employee_no="C", plant=plant_sy, line=line, station=s2, hire_date=hire)

    def row(employee, course, kind, on, score=None, passed=None):
        return ResultInput(
            employee=employee, course=course, kind=kind, assessed_on=on, assessor=trainer, score=score, passed=passed
        )

    jan10, feb1, oct1 = dt.date(2026, 1, 10), dt.date(2026, 2, 1), dt.date(2025, 10, 1)
    assessments_record(
        rows=[
            row(a, hv, "theory", jan10, score=85),
            row(a, hv, "practical", jan10, passed=True),
            row(a, p1, "practical", feb1, passed=True),
            row(b, hv, "theory", jan10, score=79),
            row(b, hv, "practical", jan10, passed=True),
            row(b, p1, "practical", feb1, passed=True),
            row(c, hv, "theory", oct1, score=90),
            row(c, hv, "practical", oct1, passed=True),
            row(c, p2, "practical", oct1, passed=True),
            row(c, p1, "practical", oct1, passed=True),
        ],
        recorded_by=trainer,
    )
    return {"plant": plant_sy, "line": line, "s1": s1, "s2": s2, "hv": hv, "A": a, "B": b, "C": c}


def b_passes_hv_theory(worked_example: dict, trainer) -> None:
    """B retakes the HV-001 theory test and passes (92 on 2026-06-01): the worked example's line becomes 3 of 3."""
    assessment_record(
        row=ResultInput(
            employee=worked_example["B"],
            course=worked_example["hv"],
            kind="theory",
            assessed_on=dt.date(2026, 6, 1),
            assessor=trainer,
            score=92,
        ),
        recorded_by=trainer,
    )


@pytest.fixture
def today(plant_sy) -> dt.date:
    return plant_sy.local_today()


@pytest.fixture
def line_sy(plant_sy):
    return factories.ProductionLineFactory(plant=plant_sy, code="L1", name="Module line 1")


@pytest.fixture
def stations_sy(line_sy):
    return [
        factories.StationFactory(line=line_sy, code="S1", name="Stacking"),
        factories.StationFactory(line=line_sy, code="S2", name="Welding"),
    ]


@pytest.fixture
def hv_course(plant_sy, trainer):
    """HV-001: theory (pass mark 80) + practical, valid 12 months, plant-wide at SY, trainer authorised."""
    course = factories.CourseFactory(
        code="HV-001",
        title="High-voltage safety",
        needs_theory=True,
        needs_practical=True,
        validity_months=12,
        pass_mark=80,
    )
    factories.RequirementFactory(course=course, scope="plant", plant=plant_sy)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    return course


@pytest.fixture
def team(plant_sy, line_sy, stations_sy):
    """Ten active operators on L1, five at each station, hired 2024-01-01."""
    return [
        factories.EmployeeFactory(
            employee_no=f"SY{n:03d}",
            name=f"Operator {n:02d}",
            plant=plant_sy,
            line=line_sy,
            station=stations_sy[n % 2],
        )
        for n in range(1, 11)
    ]


@pytest.fixture
def employee_de(plant_de):
    return factories.EmployeeFactory(employee_no="DE001", name="Outsider", plant=plant_de)


# DOMAIN.md's Worked example 2 (levels, shifts, provisional passes): dates and the four items' marks.
W2_TODAY = dt.date(2026, 12, 1)
W2_LAST_COUNTING_DAY = dt.date(2027, 3, 30)
W2_WINDOW_CLOSED = dt.date(2027, 3, 31)  # SOP 2027-03-01 + 30 days: R's virtual pass no longer counts
ALL_OK = [True, True, True, True]


@pytest.fixture
def worked_example_2(plant_sy, trainer):
    """Plant SY (confirmation window 30 days), line L2 running shifts A and B with SOP 2027-03-01, station
    T1 (per-shift target 1, trainers needed 1) requiring BAT-MOD-010 at U (practical only, uses levels,
    checklist revision 1: four items, item 3 critical); HV-001 plant-wide; P, Q (shift A), R, S (shift B)."""
    from courses.services import ChecklistItemInput, checklist_publish

    area = factories.ProcessAreaFactory(code="MOD")
    line = factories.ProductionLineFactory(plant=plant_sy, code="L2", shifts=2, sop_date=dt.date(2027, 3, 1))
    t1 = factories.StationFactory(line=line, code="T1", per_shift_target=1, trainers_needed=1)
    hv = factories.CourseFactory(
        code="HV-001", process_area=area, needs_theory=True, needs_practical=True, validity_months=12, pass_mark=80
    )
    mod = factories.CourseFactory(
        code="BAT-MOD-010", process_area=area, needs_theory=False, needs_practical=True, uses_levels=True
    )
    checklist = checklist_publish(
        course=mod,
        items=[
            ChecklistItemInput(text="Module orientation checked"),
            ChecklistItemInput(text="Torque sequence followed"),
            ChecklistItemInput(text="HV connector locked and verified", critical=True),
            ChecklistItemInput(text="Label scanned"),
        ],
    )
    factories.RequirementFactory(course=hv, scope="plant", plant=plant_sy)
    factories.RequirementFactory(course=mod, scope="station", station=t1, min_level="U")
    for course in (hv, mod):
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    hire = dt.date(2025, 1, 1)
    people = {
        name: factories.EmployeeFactory(
            employee_no=name, plant=plant_sy, line=line, station=t1, shift=shift, hire_date=hire
        )
        for name, shift in (("P", "A"), ("Q", "A"), ("R", "B"), ("S", "B"))
    }

    def practical(employee, on, *, marks, level=None, mode="on_the_job"):
        return ResultInput(
            employee=employee,
            course=mod,
            kind="practical",
            assessed_on=on,
            assessor=trainer,
            level=level,
            delivery_mode=mode,
            checklist_marks=marks,
        )

    sep1 = dt.date(2026, 9, 1)
    rows = []
    for employee in people.values():
        rows += [
            ResultInput(employee=employee, course=hv, kind="theory", assessed_on=sep1, assessor=trainer, score=85),
            ResultInput(
                employee=employee,
                course=hv,
                kind="practical",
                assessed_on=sep1,
                assessor=trainer,
                passed=True,
                delivery_mode="classroom",
            ),
        ]
    rows += [
        practical(people["P"], dt.date(2026, 10, 1), marks=ALL_OK, level="O"),
        practical(people["Q"], dt.date(2026, 10, 5), marks=ALL_OK, level="L"),
        practical(people["R"], dt.date(2026, 11, 10), marks=ALL_OK, level="U", mode="virtual"),
        practical(people["S"], dt.date(2026, 11, 12), marks=[True, True, False, True]),
    ]
    assessments_record(rows=rows, recorded_by=trainer)
    return {"plant": plant_sy, "line": line, "t1": t1, "hv": hv, "mod": mod, "checklist": checklist, **people}
