"""A small SY plant for the trainer's pages: line L1 with two stations, a course needing theory and
practical, a course with a prerequisite, ten operators, and the same set-up at DE for outsider tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories


@pytest.fixture
def today(plant_sy) -> dt.date:  # noqa: ANN001
    return plant_sy.local_today()


@pytest.fixture
def line_sy(plant_sy):  # noqa: ANN001, ANN201
    return factories.ProductionLineFactory(plant=plant_sy, code="L1", name="Module line 1")


@pytest.fixture
def stations_sy(line_sy):  # noqa: ANN001, ANN201
    return [
        factories.StationFactory(line=line_sy, code="S1", name="Stacking"),
        factories.StationFactory(line=line_sy, code="S2", name="Welding"),
    ]


@pytest.fixture
def hv_course(plant_sy, trainer):  # noqa: ANN001, ANN201
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
def team(plant_sy, line_sy, stations_sy):  # noqa: ANN001, ANN201
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
def employee_de(plant_de):  # noqa: ANN001, ANN201
    return factories.EmployeeFactory(employee_no="DE001", name="Outsider", plant=plant_de)
