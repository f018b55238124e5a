"""employees.services: every employee, line and station write changes its rows, writes its audit event
(employees) and marks the people whose readiness it changes, in one transaction; the admin and the Excel
import mark the same people for the same change because both call these services."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from assessments.models import AuditAction, AuditEvent, ReadinessMark
from employees.models import Employee, ProductionLine, Station
from employees.services import employee_save, employees_upsert, line_save, organisation_upsert, station_save
from spreadsheets.engine import import_run
from tests import factories
from tests.spreadsheets.helpers import make_xlsx

pytestmark = pytest.mark.django_db

EMPLOYEE_HEADERS = ["employee_no", "name", "plant", "line", "station", "role", "shift", "hire_date", "status"]


@pytest.fixture
def org(plant_sy, plant_de):  # noqa: ANN001, ANN201
    """SY: line L1 (stations S1, S2, two operators at S1, a leaver at S2) and line L2 (one operator); DE: D1."""
    l1 = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    l2 = factories.ProductionLineFactory(plant=plant_sy, code="L2")
    s1 = factories.StationFactory(line=l1, code="S1", per_shift_target=2)
    s2 = factories.StationFactory(line=l1, code="S2", per_shift_target=2)
    op = factories.JobRoleFactory(code="OP", name="Operator")
    make = factories.EmployeeFactory
    return {
        "SY": plant_sy,
        "DE": plant_de,
        "L1": l1,
        "L2": l2,
        "S1": s1,
        "S2": s2,
        "D1": factories.ProductionLineFactory(plant=plant_de, code="D1"),
        "OP": op,
        "A0": make(employee_no="A0", plant=plant_sy, line=l1, station=s1, role=op),
        "A1": make(employee_no="A1", plant=plant_sy, line=l1, station=s1, role=op),
        "LEFT": make(employee_no="LEFT", plant=plant_sy, line=l1, station=s2, role=op, status="left"),
        "B0": make(employee_no="B0", plant=plant_sy, line=l2, role=op),
    }


def _take_marks() -> set[tuple]:
    marks = set(ReadinessMark.objects.values_list("employee_id", "plant_id", "course_id", "reason"))
    ReadinessMark.objects.all().delete()
    return marks


def _marked(marks: set[tuple]) -> set[str]:
    ids = {employee_id for employee_id, *_rest in marks}
    return set(Employee.objects.filter(id__in=ids).values_list("employee_no", flat=True))


@pytest.fixture
def clean(org):  # noqa: ANN001, ANN201
    """The organisation with no marks and no audit events yet."""
    ReadinessMark.objects.all().delete()
    AuditEvent.objects.all().delete()
    return org


# --- Employees -----------------------------------------------------------------------------------------


def test_it_saves_an_employee_with_its_audit_event_and_its_mark(clean, admin_user) -> None:  # noqa: ANN001
    employee = clean["A0"]
    assert (employee.station_id, AuditEvent.objects.count(), ReadinessMark.objects.count()) == (clean["S1"].id, 0, 0)

    employee.station = clean["S2"]
    employee_save(employee=employee, actor=admin_user, changed_fields=["station"])

    assert Employee.objects.get(pk=employee.pk).station_id == clean["S2"].id
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.employee_id, event.plant_id, event.summary) == (
        AuditAction.EMPLOYEE_CHANGED,
        admin_user,
        employee.id,
        clean["SY"].id,
        "A0 changed: primary station",
    )
    assert _take_marks() == {(employee.id, clean["SY"].id, None, "employee-changed")}


def test_it_creates_and_updates_employees_in_a_batch(clean, admin_user) -> None:  # noqa: ANN001
    new = Employee(
        employee_no="N1",
        name="New one",
        plant=clean["SY"],
        line=clean["L2"],
        role=clean["OP"],
        hire_date=datetime.date(2026, 1, 5),
    )
    moved = clean["A1"]
    assert Employee.objects.count() == 4

    written = employees_upsert(new=[new], changes=[(moved, {"line": clean["L2"], "station": None})], actor=admin_user)

    assert {e.employee_no for e in written} == {"N1", "A1"}
    assert Employee.objects.count() == 5
    assert Employee.objects.filter(line=clean["L2"]).count() == 3
    summaries = set(AuditEvent.objects.values_list("action", "employee__employee_no", "summary", "actor"))
    assert summaries == {
        (AuditAction.EMPLOYEE_CHANGED, "N1", "N1 created by Excel import", admin_user.id),
        (AuditAction.EMPLOYEE_CHANGED, "A1", "A1 updated by Excel import", admin_user.id),
    }
    marks = _take_marks()
    assert _marked(marks) == {"N1", "A1"}
    assert {reason for *_rest, reason in marks} == {"employee-import"}


# --- Lines and stations --------------------------------------------------------------------------------


def test_a_changed_line_marks_its_active_people_and_a_new_line_nobody(clean) -> None:  # noqa: ANN001
    line = clean["L1"]
    line.shifts = 2
    line_save(line=line)

    assert ProductionLine.objects.get(pk=line.pk).shifts == 2
    assert _marked(_take_marks()) == {"A0", "A1"}  # not the leaver, not L2

    line_save(line=ProductionLine(plant=clean["SY"], code="L9", name="New line"))
    assert ProductionLine.objects.filter(code="L9").exists()
    assert _take_marks() == set()


def test_a_station_moved_to_another_line_marks_both_lines(clean) -> None:  # noqa: ANN001
    station = clean["S2"]
    station.line = clean["L2"]
    station_save(station=station)

    assert Station.objects.get(pk=station.pk).line_id == clean["L2"].id
    marks = _take_marks()
    assert _marked(marks) == {"A0", "A1", "B0"}
    assert {reason for *_rest, reason in marks} == {"station-changed"}

    station_save(station=Station(line=clean["L2"], code="S9", name="New station"))
    assert _marked(_take_marks()) == {"B0"}


def test_the_organisation_batch_marks_the_people_of_changed_lines_only(clean) -> None:  # noqa: ANN001
    values = {"name": clean["L1"].name, "process_area": None, "shifts": 2, "sop_date": None}
    values["target_readiness_pct"] = clean["L1"].target_readiness_pct
    l2 = clean["L2"]
    same_l2 = {
        "name": l2.name,
        "process_area": l2.process_area,
        "shifts": l2.shifts,
        "sop_date": l2.sop_date,
        "target_readiness_pct": l2.target_readiness_pct,
    }

    counts = organisation_upsert(
        rows=[
            (clean["SY"], "L1", values | {"process_area": clean["L1"].process_area}, None, None),
            (clean["SY"], "L2", same_l2, "S7", {"name": "Seven", "per_shift_target": 1, "trainers_needed": 0}),
        ]
    )

    assert ProductionLine.objects.get(pk=clean["L1"].pk).shifts == 2
    assert Station.objects.filter(line=l2, code="S7").exists()
    assert (counts.created, counts.updated) == (1, 1)
    # As the organisation import always did: every person of a changed line (leavers too); a new station
    # on an unchanged line marks nobody.
    marks = _take_marks()
    assert _marked(marks) == {"A0", "A1", "LEFT"}
    assert {reason for *_rest, reason in marks} == {"organisation-import"}


# --- The admin and the import --------------------------------------------------------------------------


def _admin_employee_change(client, employee: Employee, **changes: object) -> None:  # noqa: ANN001
    data = {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "plant": employee.plant_id,
        "line": employee.line_id or "",
        "station": employee.station_id or "",
        "role": employee.role_id,
        "shift": employee.shift,
        "hire_date": employee.hire_date.isoformat(),
        "status": employee.status,
    } | changes
    response = client.post(f"/admin/employees/employee/{employee.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]


def _import_employees(tmp_path: Path, user, rows: list[list]) -> None:  # noqa: ANN001
    path = make_xlsx(tmp_path / "employees.xlsx", {"Employees": [EMPLOYEE_HEADERS, *rows]})
    preview = import_run(kind="employees", path=path, user=user, commit=True, filename=path.name)
    assert preview.committed, preview.as_text()


def _row(employee: Employee, **changes: object) -> list:
    values = {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "plant": employee.plant.code,
        "line": employee.line.code if employee.line else "",
        "station": employee.station.code if employee.station else "",
        "role": employee.role.code,
        "shift": employee.shift,
        "hire_date": employee.hire_date,
        "status": employee.status,
    } | changes
    return [values[header] for header in EMPLOYEE_HEADERS]


@pytest.mark.parametrize(
    ("admin_change", "import_change"),
    [
        ({"station": "S2"}, {"station": "S2"}),
        ({"status": "left"}, {"status": "left"}),
        ({"line": "L2", "station": ""}, {"line": "L2", "station": ""}),
    ],
    ids=["station", "status", "line"],
)
def test_the_admin_and_the_import_mark_the_same_employees(
    tmp_path,  # noqa: ANN001
    clean,  # noqa: ANN001
    admin_user,  # noqa: ANN001
    client,  # noqa: ANN001
    admin_change: dict,
    import_change: dict,
) -> None:
    employee = Employee.objects.select_related("plant", "line", "station", "role").get(employee_no="A0")
    ids = {"S2": clean["S2"].id, "L2": clean["L2"].id, "": ""}
    client.force_login(admin_user)

    _admin_employee_change(client, employee, **{k: ids.get(v, v) for k, v in admin_change.items()})
    through_admin = _take_marks()
    after_admin = Employee.objects.filter(pk=employee.pk).values(*EMPLOYEE_HEADERS[1:]).get()
    assert AuditEvent.objects.filter(action=AuditAction.EMPLOYEE_CHANGED, employee=employee).count() == 1
    Employee.objects.filter(pk=employee.pk).update(line=employee.line, station=employee.station, status=employee.status)

    _import_employees(tmp_path, admin_user, [_row(employee, **import_change)])
    through_import = _take_marks()

    assert Employee.objects.filter(pk=employee.pk).values(*EMPLOYEE_HEADERS[1:]).get() == after_admin
    assert AuditEvent.objects.filter(action=AuditAction.EMPLOYEE_CHANGED, employee=employee).count() == 2
    # The same people at the same plant; only the reason names the way the change came.
    assert {(e, p, c) for e, p, c, _reason in through_admin} == {(e, p, c) for e, p, c, _reason in through_import}
    assert _marked(through_import) == {"A0"}


def test_line_and_station_writes_are_audited_through_the_admin(clean, admin_user, client) -> None:  # noqa: ANN001
    line = clean["L1"]
    line.sop_date = datetime.date(2027, 3, 1)
    line_save(line=line, actor=admin_user, changed_fields=["sop_date"])
    new_line = line_save(line=ProductionLine(plant=clean["SY"], code="L9", name="Nine"), actor=admin_user)
    station = clean["S1"]
    station.per_shift_target = 2
    station_save(station=station, actor=admin_user, changed_fields=["per_shift_target"])

    events = list(AuditEvent.objects.order_by("id").values_list("action", "summary", "actor", "plant_id", "object_id"))
    assert events == [
        (AuditAction.LINE_CHANGED, "Line SY/L1 changed: SOP date", admin_user.id, clean["SY"].id, str(line.id)),
        (AuditAction.LINE_CHANGED, "Line SY/L9 created", admin_user.id, clean["SY"].id, str(new_line.id)),
        (
            AuditAction.STATION_CHANGED,
            "Station SY/L1/S1 changed: per-shift target",
            admin_user.id,
            clean["SY"].id,
            str(station.id),
        ),
    ]

    # The admin's change form goes through the same service, with the fields the form changed.
    client.force_login(admin_user)
    seen = AuditEvent.objects.count()  # audit events are append-only (a trigger on PostgreSQL): count on
    response = client.post(
        f"/admin/employees/productionline/{line.id}/change/",
        {
            "plant": clean["SY"].id,
            "code": "L1",
            "name": line.name,
            "shifts": 2,
            "sop_date": "2027-03-01",
            "target_readiness_pct": 100,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert list(AuditEvent.objects.order_by("id").values_list("action", "summary")[seen:]) == [
        (AuditAction.LINE_CHANGED, "Line SY/L1 changed: shifts")
    ]


def test_the_organisation_import_audits_each_line_and_station_it_writes(clean, admin_user) -> None:  # noqa: ANN001
    counts = organisation_upsert(
        rows=[
            (clean["SY"], "L1", {"name": "Renamed"}, "S1", {"name": clean["S1"].name}),
            (clean["SY"], "L1", {"name": "Renamed"}, "S7", {"name": "Seven"}),
        ],
        actor=admin_user,
    )
    assert (counts.created, counts.updated) == (1, 1)
    assert sorted(AuditEvent.objects.values_list("summary", "actor", "changes")) == [
        ("Line SY/L1 changed: name", admin_user.id, {"source": "import", "fields": ["name"]}),
        ("Station SY/L1/S7 created", admin_user.id, {"source": "import", "created": True}),
    ]


def test_the_organisation_import_audits_a_plants_shift_settings(clean, admin_user) -> None:  # noqa: ANN001
    plant = clean["SY"]
    organisation_upsert(
        rows=[],
        plants={plant: {"shift_codes": "A,B", "confirmation_window_days": 45}},
        actor=admin_user,
    )
    plant.refresh_from_db()
    assert (plant.shift_codes, plant.confirmation_window_days) == ("A,B", 45)
    event = AuditEvent.objects.get(action=AuditAction.PLANT_CHANGED)
    assert (event.summary, event.actor, event.plant_id) == (
        "Plant SY changed: confirmation window (days), shift codes",
        admin_user,
        plant.id,
    )
    assert event.changes["values"] == {"shift_codes": "A,B", "confirmation_window_days": "45"}
    # Unchanged settings write nothing.
    organisation_upsert(rows=[], plants={plant: {"shift_codes": "A,B"}}, actor=admin_user)
    assert AuditEvent.objects.filter(action=AuditAction.PLANT_CHANGED).count() == 1
