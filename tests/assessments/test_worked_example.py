"""DOMAIN.md's worked example, recorded through the services (the contract's own test case).

The roll-up, the API and the dashboards repeat it end to end in
tests/assessments/test_rollup.py and the dashboard tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assessments import selectors, services
from assessments.models import Certification
from tests import factories

D1 = dt.date(2026, 6, 30)
D_WINDOW = dt.date(2026, 7, 3)
D2 = dt.date(2026, 10, 1)


@pytest.fixture
def worked_example(plant_sy, trainer):  # noqa: ANN001, ANN201
    """Plant SY, line L1, stations S1 and S2, employees A, B, C with their results."""
    area = factories.ProcessAreaFactory(code="PACK")
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    s1 = factories.StationFactory(line=line, code="S1", coverage_target=2)
    s2 = factories.StationFactory(line=line, code="S2", coverage_target=2)
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

    def row(employee, course, kind, on, score=None, passed=None):  # noqa: ANN001, ANN202
        return services.ResultInput(
            employee=employee, course=course, kind=kind, assessed_on=on, assessor=trainer, score=score, passed=passed
        )

    jan10, feb1, oct1 = dt.date(2026, 1, 10), dt.date(2026, 2, 1), dt.date(2025, 10, 1)
    services.assessments_record(
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


def test_it_certifies_exactly_as_the_worked_example_says(worked_example) -> None:  # noqa: ANN001
    hv = worked_example["hv"]
    a, b, c = worked_example["A"], worked_example["B"], worked_example["C"]
    b_hv = Certification.objects.get(employee=b, course=hv)
    c_hv = Certification.objects.get(employee=c, course=hv)

    assert b_hv.certified_on is None  # theory 79 < pass mark 80
    assert b_hv.attempts == 2
    assert c_hv.expires_on == dt.date(2026, 10, 1)
    assert c_hv.is_valid_on(D1) is True
    assert c_hv.status_on(D1, expiring_days=90) == "valid"  # 93 days left: outside the 90-day window
    assert c_hv.status_on(D_WINDOW, expiring_days=90) == "expiring"
    assert c_hv.status_on(D2) == "expired"

    on_d1 = selectors.qualifications(employees=[a, b, c], on_date=D1)
    assert {e.employee_no: q.qualified for e, q in zip((a, b, c), on_d1.values(), strict=True)} == {
        "A": True,
        "B": False,
        "C": True,
    }
    assert on_d1[b.id].required == 2
    assert on_d1[b.id].valid == 1
    assert on_d1[b.id].completion == 0.5

    on_d2 = selectors.qualifications(employees=[a, b, c], on_date=D2)
    assert [on_d2[e.id].qualified for e in (a, b, c)] == [True, False, False]
