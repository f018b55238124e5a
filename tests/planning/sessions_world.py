"""A small plant for the planned-session tests: plant SY on Tuesday 2026-12-01 (its today), line L1 (shifts A
and B), HV-001 and MOD-010 (needs HV-001 first), trainer authorised for both, trainer2 for HV-001 only, four
active employees of L1, one who left, one of plant DE."""

from __future__ import annotations

import datetime as dt

import pytest

from employees.models import Plant
from tests import factories

TODAY = dt.date(2026, 12, 1)  # a Tuesday
THU = dt.date(2026, 12, 3)
FRI = dt.date(2026, 12, 4)
SAT = dt.date(2026, 12, 5)
MON = dt.date(2026, 12, 7)


@pytest.fixture
def plan(plant_sy, plant_de, trainer, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: TODAY)
    plant_sy.shift_codes = "A,B,C"
    plant_sy.save()
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1", shifts=2)
    hv = factories.CourseFactory(code="HV-001", validity_months=12, class_size=3)
    mod = factories.CourseFactory(code="MOD-010", class_size=4, prerequisites=[hv], delivery_mode="on_the_job")
    trainer2 = factories.UserFactory(username="trainer2", first_name="Tess", last_name="Two")
    factories.PlantMembershipFactory(user=trainer2, plant=plant_sy, role="trainer")
    for course in (hv, mod):
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    factories.TrainerAuthorisationFactory(user=trainer2, course=hv, plant=plant_sy)
    people = [
        factories.EmployeeFactory(employee_no=f"SY-{i}", plant=plant_sy, line=line, shift="A") for i in range(1, 5)
    ]
    left = factories.EmployeeFactory(employee_no="SY-9", plant=plant_sy, line=line, status="left")
    outsider = factories.EmployeeFactory(employee_no="DE-1", plant=plant_de)
    return {
        "plant": plant_sy,
        "line": line,
        "hv": hv,
        "mod": mod,
        "trainer": trainer,
        "trainer2": trainer2,
        "people": people,
        "left": left,
        "outsider": outsider,
    }
