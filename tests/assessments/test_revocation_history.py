"""A certification revoked twice: every reader of a date D applies the revocation in force on D
(issue #14, item 1 review; DOMAIN.md: a revocation cancels from its date until a new passing result
dated after it).

HV-001 passed 2026-01-10, revoked 2026-03-01, passed again 2026-03-10 (restored), revoked again
2026-06-01. On 2026-03-05 it is revoked (the first revocation cancels the January pass), on
2026-03-20 valid (the March pass), on 2026-06-02 revoked again. The certifications API, the
readiness API, the dashboard's gap list and the prerequisite check answer so on every date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments import validity
from assessments.models import AuditAction, AuditEvent, Certification, CertificationRevocation
from assessments.services.certifications import certification_revoke
from assessments.services.result_rules import assessments_validate
from employees.models import Plant
from tests import factories
from tests.assessments.helpers import certify, result

pytestmark = pytest.mark.django_db

PASSED, REVOKED, RESTORED, REVOKED_AGAIN = (
    dt.date(2026, 1, 10),
    dt.date(2026, 3, 1),
    dt.date(2026, 3, 10),
    dt.date(2026, 6, 1),
)
TODAY = dt.date(2026, 7, 1)
MAR05, MAR20, JUN02 = dt.date(2026, 3, 5), dt.date(2026, 3, 20), dt.date(2026, 6, 2)


@pytest.fixture
def revoked_twice(plant_sy, line_sy, hv_course, trainer, manager, monkeypatch):
    """SY001's HV-001 through the services, each step on its own day; a course needing HV-001 first."""
    operator = factories.EmployeeFactory(employee_no="SY001", plant=plant_sy, line=line_sy)
    module = factories.CourseFactory(code="BAT-MOD-010", needs_theory=False, needs_practical=True)
    module.prerequisites.add(hv_course)
    factories.TrainerAuthorisationFactory(user=trainer, course=module, plant=plant_sy)

    def on(day: dt.date) -> None:
        monkeypatch.setattr(Plant, "local_today", lambda self: day)

    def revoke(reason: str) -> None:
        certification = Certification.objects.get(employee=operator, course=hv_course)
        certification_revoke(certification=certification, actor=manager, reason=reason)

    on(PASSED)
    certify(operator, hv_course, PASSED, trainer)
    on(REVOKED)
    revoke("weld inspection skipped")
    on(RESTORED)
    certify(operator, hv_course, RESTORED, trainer)
    on(REVOKED_AGAIN)
    revoke("lock-out not applied")
    on(TODAY)
    return {"operator": operator, "module": module}


def _certification(client, on_date: dt.date) -> tuple:
    body = client.get(f"/api/v1/employees/SY001/certifications?date={on_date.isoformat()}").json()
    row = next(row for row in body["certifications"] if row["course"] == "HV-001")
    return (row["status"], row["valid"], row["certified_on"], row["revoked_on"])


def _readiness(client, on_date: dt.date) -> tuple[int, int, int]:
    body = client.get(f"/api/v1/plants/SY/readiness?date={on_date.isoformat()}").json()
    return (body["headcount"], body["qualified"], body["gaps"])


def _gaps(client, on_date: dt.date) -> list[str]:
    response = client.get("/dashboard/plants/SY/figures/gaps/", {"date": on_date.isoformat()})
    assert response.status_code == 200
    return [f"{row.employee_no}/{row.course_code}/{row.status}" for row in response.context["d"].rows]


def _prerequisite_refused(revoked_twice: dict, trainer, on_date: dt.date) -> bool:
    row = result(revoked_twice["operator"], revoked_twice["module"], "practical", on_date, trainer, passed=True)
    errors = assessments_validate(rows=[row], recorded_by=trainer)
    return any(refusal.code == "prerequisite" for refusal in errors.get(0, []))


def _answers(client, revoked_twice: dict, trainer, on_date: dt.date) -> dict:
    """What each reader says on D, side by side (a failure shows all four)."""
    return {
        "certifications api": _certification(client, on_date),
        "readiness api": _readiness(client, on_date),
        "gap list": _gaps(client, on_date),
        "prerequisite refused": _prerequisite_refused(revoked_twice, trainer, on_date),
    }


def test_every_reader_of_a_date_applies_the_revocation_in_force_on_it(revoked_twice, client, manager, trainer) -> None:
    client.force_login(manager)

    def answers(on_date: dt.date) -> dict:
        return _answers(client, revoked_twice, trainer, on_date)

    # 03-05: the first revocation cancels the January pass; the March pass is not dated yet.
    assert answers(MAR05) == {
        "certifications api": ("revoked", False, None, "2026-03-01"),
        "readiness api": (1, 0, 1),
        "gap list": ["SY001/HV-001/revoked"],
        "prerequisite refused": True,
    }
    # 03-20: restored by the pass dated after that revocation.
    assert answers(MAR20) == {
        "certifications api": ("valid", True, "2026-03-10", "2026-03-01"),
        "readiness api": (1, 1, 0),
        "gap list": [],
        "prerequisite refused": False,
    }
    # 06-02: the second revocation cancels the March pass too.
    assert answers(JUN02) == {
        "certifications api": ("revoked", False, None, "2026-06-01"),
        "readiness api": (1, 0, 1),
        "gap list": ["SY001/HV-001/revoked"],
        "prerequisite refused": True,
    }
    # Before the first revocation the January pass counts.
    assert answers(dt.date(2026, 2, 28)) == {
        "certifications api": ("valid", True, "2026-01-10", None),
        "readiness api": (1, 1, 0),
        "gap list": [],
        "prerequisite refused": False,
    }
    # Today the stored row (the latest revocation) and the roll-up tables answer the same.
    assert _certification(client, TODAY) == ("revoked", False, None, "2026-06-01")
    assert _readiness(client, TODAY) == (1, 0, 1)
    assert _gaps(client, TODAY) == ["SY001/HV-001/revoked"]


def test_it_keeps_every_revocation_and_the_latest_on_the_certification(revoked_twice, hv_course, manager) -> None:
    operator = revoked_twice["operator"]

    history = CertificationRevocation.objects.filter(employee=operator, course=hv_course).order_by("revoked_on")
    assert [(r.revoked_on, r.revoked_by, r.reason) for r in history] == [
        (REVOKED, manager, "weld inspection skipped"),
        (REVOKED_AGAIN, manager, "lock-out not applied"),
    ]
    certification = Certification.objects.get(employee=operator, course=hv_course)
    assert (certification.revoked_on, certification.revoke_reason) == (REVOKED_AGAIN, "lock-out not applied")
    assert certification.revoked_at == history.last().revoked_at
    assert AuditEvent.objects.filter(action=AuditAction.CERTIFICATION_REVOKED, employee=operator).count() == 2


def test_a_double_submit_revokes_once(plant_sy, line_sy, hv_course, trainer, manager, today) -> None:
    operator = factories.EmployeeFactory(employee_no="SY001", plant=plant_sy, line=line_sy)
    certify(operator, hv_course, today, trainer)
    # Both requests read the row before either revoked it.
    first, second = (Certification.objects.get(employee=operator, course=hv_course) for _n in range(2))

    certification_revoke(certification=first, actor=manager, reason="incident")
    with pytest.raises(ValidationError, match="nothing to revoke"):
        certification_revoke(certification=second, actor=manager, reason="incident")

    assert CertificationRevocation.objects.filter(employee=operator).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CERTIFICATION_REVOKED).count() == 1


def test_the_employee_page_lists_every_revocation(revoked_twice, client, manager) -> None:
    client.force_login(manager)

    page = client.get("/employees/SY001/").content.decode()

    row = page.split('data-course="HV-001"')[1].split("</tr>")[0]
    assert row.count("data-revocation") == 2
    assert row.index("Revoked 2026-06-01") < row.index("Revoked 2026-03-01")
    assert "lock-out not applied" in row and "weld inspection skipped" in row


@pytest.mark.parametrize(
    ("on_date", "in_force"),
    [
        (dt.date(2026, 2, 28), None),
        (REVOKED, REVOKED),
        (MAR20, REVOKED),
        (REVOKED_AGAIN, REVOKED_AGAIN),
        (TODAY, REVOKED_AGAIN),
    ],
)
def test_the_revocation_in_force_is_the_latest_on_or_before_the_date(on_date: dt.date, in_force) -> None:
    assert validity.revocation_in_force([REVOKED_AGAIN, REVOKED], on_date) == in_force
