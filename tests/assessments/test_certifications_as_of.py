"""Per-person certifications as of a date D (issue #14, item 1): computed from the results dated on or
before D and a revocation only from its date, never from today's stored row; the API, the
selectors and the roster export all answer so, as the readiness API does."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Certification
from assessments.selectors.certifications import certifications_as_of, qualifications
from assessments.services.certifications import certification_revoke
from assessments.services.results import assessments_record
from employees.models import Plant
from spreadsheets.exports.roster import FILL_VALID, roster_workbook_write
from tests import factories
from tests.assessments.helpers import certify, result
from tests.spreadsheets.helpers import open_back

TODAY = dt.date(2026, 9, 15)
D = dt.date(2026, 6, 30)
JAN10, AUG1 = dt.date(2026, 1, 10), dt.date(2026, 8, 1)


@pytest.fixture
def today(monkeypatch) -> dt.date:
    monkeypatch.setattr(Plant, "local_today", lambda self: TODAY)
    return TODAY


@pytest.fixture
def operator(plant_sy, line_sy):
    return factories.EmployeeFactory(employee_no="SY001", plant=plant_sy, line=line_sy)


def _api(client, user, employee_no: str, on_date: dt.date | None) -> dict:
    client.force_login(user)
    query = f"?date={on_date.isoformat()}" if on_date else ""
    response = client.get(f"/api/v1/employees/{employee_no}/certifications{query}")
    assert response.status_code == 200, response.content
    return response.json()


def _hv(body: dict) -> dict:
    return next(row for row in body["certifications"] if row["course"] == "HV-001")


def _fields(row: dict) -> tuple:
    return (row["status"], row["valid"], row["certified_on"], row["expires_on"], row["revoked_on"])


def test_it_reports_a_pass_renewed_after_d_as_valid_from_the_earlier_pass(
    today, operator, hv_course, trainer, manager, client
) -> None:
    certify(operator, hv_course, JAN10, trainer)
    certify(operator, hv_course, AUG1, trainer)

    on_d = _api(client, manager, "SY001", D)

    assert _fields(_hv(on_d)) == ("valid", True, "2026-01-10", "2027-01-10", None)
    assert (on_d["date"], on_d["required"], on_d["valid"]) == ("2026-06-30", 1, 1)
    # Today (the default date) the renewal counts.
    assert _fields(_hv(_api(client, manager, "SY001", None))) == ("valid", True, "2026-08-01", "2027-08-01", None)


def test_it_applies_a_revocation_only_from_its_date(
    today, operator, hv_course, trainer, manager, client, monkeypatch
) -> None:
    certify(operator, hv_course, JAN10, trainer)
    certification_revoke(
        certification=Certification.objects.get(employee=operator, course=hv_course), actor=manager, reason="incident"
    )

    assert _fields(_hv(_api(client, manager, "SY001", D))) == ("valid", True, "2026-01-10", "2027-01-10", None)
    assert _fields(_hv(_api(client, manager, "SY001", TODAY - dt.timedelta(days=1))))[:2] == ("valid", True)
    assert _fields(_hv(_api(client, manager, "SY001", TODAY))) == ("revoked", False, None, None, "2026-09-15")
    later = _api(client, manager, "SY001", dt.date(2026, 10, 1))
    assert _fields(_hv(later)) == ("revoked", False, None, None, "2026-09-15")
    assert later["valid"] == 0

    # A new pass dated after the revocation restores it from that pass's date on.
    monkeypatch.setattr(Plant, "local_today", lambda self: dt.date(2026, 10, 20))
    certify(operator, hv_course, dt.date(2026, 10, 5), trainer)
    assert _fields(_hv(_api(client, manager, "SY001", dt.date(2026, 10, 4))))[:3] == ("revoked", False, None)
    assert _fields(_hv(_api(client, manager, "SY001", dt.date(2026, 10, 5)))) == (
        "valid",
        True,
        "2026-10-05",
        "2027-10-05",
        "2026-09-15",
    )


def test_it_answers_past_and_future_dates_from_the_records(
    today, operator, hv_course, trainer, manager, client
) -> None:
    assessments_record(
        rows=[
            result(operator, hv_course, "theory", dt.date(2026, 3, 1), trainer, score=40),
            result(operator, hv_course, "theory", dt.date(2026, 5, 1), trainer, score=90),
            result(operator, hv_course, "practical", dt.date(2026, 5, 1), trainer, passed=True),
        ],
        recorded_by=trainer,
    )

    def status(on_date: dt.date) -> tuple:
        return _fields(_hv(_api(client, manager, "SY001", on_date)))

    assert status(dt.date(2026, 2, 28)) == ("missing", False, None, None, None)
    assert status(dt.date(2026, 3, 1)) == ("in_progress", False, None, None, None)
    assert status(dt.date(2026, 4, 30)) == ("in_progress", False, None, None, None)
    assert status(dt.date(2026, 5, 1)) == ("valid", True, "2026-05-01", "2027-05-01", None)
    # Future dates: expiring within 30 days, then expired.
    assert status(dt.date(2027, 4, 1)) == ("expiring", True, "2026-05-01", "2027-05-01", None)
    assert status(dt.date(2027, 5, 1)) == ("expired", False, "2026-05-01", "2027-05-01", None)


def test_it_lists_other_courses_only_once_attempted(today, operator, hv_course, trainer, manager, client) -> None:
    other = factories.CourseFactory(code="BAT-9", needs_theory=False, needs_practical=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=other, plant=operator.plant)
    certify(operator, other, AUG1, trainer)

    assert [row["course"] for row in _api(client, manager, "SY001", D)["certifications"]] == ["HV-001"]
    row = next(r for r in _api(client, manager, "SY001", AUG1)["certifications"] if r["course"] == "BAT-9")
    assert (row["required"], *_fields(row)) == (False, "valid", True, "2026-08-01", None, None)


def test_it_computes_any_number_of_pairs_in_four_queries(
    today, plant_sy, line_sy, hv_course, trainer, django_assert_num_queries
) -> None:
    people = [factories.EmployeeFactory(plant=plant_sy, line=line_sy) for _n in range(6)]
    for person in people:
        certify(person, hv_course, JAN10, trainer)
        certify(person, hv_course, AUG1, trainer)

    # courses, results dated on or before D, revocations, each employee's confirmation window (line SOP, plant)
    with django_assert_num_queries(4):
        states = certifications_as_of(pairs=[(p.id, hv_course.id) for p in people], on_date=D)

    assert {(s.certified_on, s.status) for s in states.values()} == {(JAN10, "valid")}
    qualified = qualifications(employees=people, on_date=D)
    assert [q.qualified for q in qualified.values()] == [True] * 6


def test_the_roster_export_computes_a_past_date_from_the_records(today, tmp_path, operator, hv_course, trainer) -> None:
    certify(operator, hv_course, JAN10, trainer)
    certify(operator, hv_course, AUG1, trainer)
    path = tmp_path / "roster.xlsx"

    roster_workbook_write(plant=operator.plant, on_date=D, target=path)

    book = open_back(path)
    roster = [[c.value for c in row] for row in book["Roster"].iter_rows()]
    row = dict(zip(roster[0], roster[1], strict=True))
    assert (row["Qualified"], row["Met"], row["Required"]) == ("yes", 1, 1)
    assert row["Next expiry"].date() == dt.date(2027, 1, 10)
    matrix = list(book["Matrix"].iter_rows(min_row=4, values_only=False))
    assert matrix[0][4].value == "U 2027-01-10"
    assert matrix[0][4].fill.fgColor.rgb.endswith(FILL_VALID.fgColor.rgb)
