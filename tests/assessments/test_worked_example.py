"""DOMAIN.md's worked example, recorded through the services (the contract's own test case).

The fixture lives in tests/assessments/conftest.py; the roll-up, the API and the
dashboards repeat the example end to end in readiness/test_rollup.py, test_api.py and readiness/test_dashboards.py.
"""

from __future__ import annotations

import datetime as dt

from assessments.models import Certification
from assessments.selectors.certifications import qualifications
from tests.assessments.conftest import D1, D2, D_WINDOW


def test_it_certifies_exactly_as_the_worked_example_says(worked_example) -> None:
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

    on_d1 = qualifications(employees=[a, b, c], on_date=D1)
    assert {e.employee_no: q.qualified for e, q in zip((a, b, c), on_d1.values(), strict=True)} == {
        "A": True,
        "B": False,
        "C": True,
    }
    assert on_d1[b.id].required == 2
    assert on_d1[b.id].met == 1
    assert on_d1[b.id].completion == 0.5

    on_d2 = qualifications(employees=[a, b, c], on_date=D2)
    assert [on_d2[e.id].qualified for e in (a, b, c)] == [True, False, False]


def test_the_certifications_api_answers_the_worked_example_on_its_dates(worked_example, manager, client) -> None:
    client.force_login(manager)

    def figures(employee_no: str, on_date: dt.date) -> tuple:
        body = client.get(f"/api/v1/employees/{employee_no}/certifications?date={on_date.isoformat()}").json()
        hv = next(row for row in body["certifications"] if row["course"] == "HV-001")
        return body["required"], body["valid"], hv["status"], hv["expires_on"]

    assert [figures(no, D1) for no in "ABC"] == [
        (2, 2, "valid", "2027-01-10"),
        (2, 1, "in_progress", None),  # theory 79 < pass mark 80
        (2, 2, "valid", "2026-10-01"),
    ]
    assert figures("C", D_WINDOW) == (2, 2, "valid", "2026-10-01")  # 90 days left: outside the API's 30-day window
    assert figures("C", dt.date(2026, 9, 1)) == (2, 2, "expiring", "2026-10-01")
    assert [figures(no, D2) for no in "ABC"] == [
        (2, 2, "valid", "2027-01-10"),
        (2, 1, "in_progress", None),
        (2, 1, "expired", "2026-10-01"),
    ]
    # Before any result: nothing attempted.
    assert figures("A", dt.date(2025, 9, 30)) == (2, 0, "missing", None)
