"""Writes of the organisation: employees, production lines and stations.

Every write marks the people whose readiness it changes for the roll-up (and an employee's write is
audited) in the same transaction, through assessments.hooks: the admin and the Excel imports call these
functions, never their own copy of the rule. Employees are never deleted: they leave (a status).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments.hooks import (
    EMPLOYEE_CREATED_BY_IMPORT,
    EMPLOYEE_UPDATED_BY_IMPORT,
    AuditAction,
    AuditEvent,
    audit_event_create,
    audit_message,
    readiness_mark,
    readiness_mark_lines,
)
from certtrack.upsert import UpsertCounts, row_upsert
from employees.models import Employee, Plant, ProductionLine, Station

BATCH = 1000
# Fields of an employee that an import or the admin may write.
EMPLOYEE_FIELDS = ("name", "plant", "line", "station", "role", "shift", "hire_date", "status")


# --- Employees -----------------------------------------------------------------------------------------


@transaction.atomic
def employee_save(
    *, employee: Employee, actor: AbstractBaseUser | None, changed_fields: Iterable[str] = ()
) -> Employee:
    """Create or update one employee (the admin): audited, and marked for the readiness roll-up."""
    employee.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.EMPLOYEE_CHANGED,
        params={"employee": employee.employee_no, "fields": sorted(changed_fields)},
        plant_id=employee.plant_id,
        employee_id=employee.pk,
        obj=employee,
    )
    readiness_mark(employees=[employee], reason="employee-changed")
    return employee


@transaction.atomic
def employees_upsert(
    *,
    new: Sequence[Employee],
    changes: Sequence[tuple[Employee, dict]],
    actor: AbstractBaseUser | None,
    reason: str = "employee-import",
) -> list[Employee]:
    """Create `new` employees and apply `changes` (employee, field values) in bulk (the Excel import).

    One audit event per employee written (created / updated by import), and one readiness mark each.
    Returns the employees written.
    """
    Employee.objects.bulk_create(new, batch_size=BATCH)
    now = timezone.now()
    for employee, values in changes:
        for name, value in values.items():
            setattr(employee, name, value)
        employee.updated_at = now
    Employee.objects.bulk_update([e for e, _v in changes], [*EMPLOYEE_FIELDS, "updated_at"], batch_size=BATCH)
    # bulk_create sets primary keys on PostgreSQL and SQLite 3.35+; read them back to be sure.
    created = list(Employee.objects.filter(employee_no__in=[e.employee_no for e in new]))
    written = created + [e for e, _v in changes]
    # A set of IDs: `e in created` compares model instances one by one, quadratic in the file's rows.
    created_ids = {e.id for e in created}
    message = {True: EMPLOYEE_CREATED_BY_IMPORT, False: EMPLOYEE_UPDATED_BY_IMPORT}
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                occurred_at=now,
                actor=actor if actor is not None and actor.is_authenticated else None,
                action=AuditAction.EMPLOYEE_CHANGED,
                plant_id=e.plant_id,
                employee_id=e.id,
                object_type="Employee",
                object_id=str(e.id),
                **audit_message(message[e.id in created_ids], employee=e.employee_no),
                changes={"source": "import"},
            )
            for e in written
        ],
        batch_size=BATCH,
    )
    readiness_mark(employees=written, reason=reason)
    return written


# --- Lines and stations --------------------------------------------------------------------------------


def _organisation_event(
    *, obj: ProductionLine | Station, changed_fields: Iterable[str] | None, now: datetime.datetime, actor, source: str
) -> AuditEvent:
    """An AuditEvent for a line or station written (`changed_fields` None: created), built for bulk_create."""
    line = obj if isinstance(obj, ProductionLine) else obj.line
    params = {"plant": line.plant.code, "line": line.code}
    action = AuditAction.LINE_CHANGED
    if isinstance(obj, Station):
        params["station"] = obj.code
        action = AuditAction.STATION_CHANGED
    if changed_fields is not None:
        params["fields"] = sorted(changed_fields)
    return AuditEvent(
        occurred_at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        plant_id=line.plant_id,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        **audit_message(action, **params),
        changes={"source": source, **({"fields": params["fields"]} if "fields" in params else {"created": True})},
    )


@transaction.atomic
def line_save(
    *, line: ProductionLine, actor: AbstractBaseUser | None = None, changed_fields: Iterable[str] = ()
) -> ProductionLine:
    """Create or update a line (the admin), audited. Its shifts, SOP date and the plant's shift codes feed
    the roll-up: an update marks its active people (a new line has nobody yet)."""
    created = line.pk is None
    line.save()
    _organisation_event(
        obj=line, changed_fields=None if created else changed_fields, now=timezone.now(), actor=actor, source="admin"
    ).save()
    if not created:
        readiness_mark_lines(line_ids=[line.pk], reason="line-changed")
    return line


@transaction.atomic
def station_save(
    *, station: Station, actor: AbstractBaseUser | None = None, changed_fields: Iterable[str] = ()
) -> Station:
    """Create or update a station (the admin), audited: marks the active people of its line, and of the
    line it left when it moved."""
    previous_line_id = (
        Station.objects.filter(pk=station.pk).values_list("line_id", flat=True).first() if station.pk else None
    )
    created = station.pk is None
    station.save()
    _organisation_event(
        obj=station,
        changed_fields=None if created else changed_fields,
        now=timezone.now(),
        actor=actor,
        source="admin",
    ).save()
    readiness_mark_lines(line_ids={station.line_id, previous_line_id} - {None}, reason="station-changed")
    return station


@transaction.atomic
def organisation_upsert(
    *,
    rows: Iterable[tuple[Plant, str, dict, str | None, dict | None]],
    plants: dict[Plant, dict] | None = None,
    reason: str = "organisation-import",
    actor: AbstractBaseUser | None = None,
) -> UpsertCounts:
    """Create or update lines and stations by code (the organisation import).

    `rows`: (plant, line code, line values, station code or None, station values or None); `plants`: shift
    codes, confirmation window and default language per plant (checked by the caller). Nothing is deleted.
    Every plant, line and station created or changed is audited (one event each); the people of every line
    whose values or one of whose stations changed, and of every plant whose shift settings changed, are marked.
    """
    counts = UpsertCounts()  # lines and stations
    changed_line_ids: set[int] = set()
    changed_plant_ids: set[int] = set()
    events: list[AuditEvent] = []
    now = timezone.now()
    for plant, values in (plants or {}).items():
        changed = {name: value for name, value in values.items() if getattr(plant, name) != value}
        if changed:
            Plant.objects.filter(pk=plant.pk).update(**changed)
            for name, value in changed.items():
                setattr(plant, name, value)
            if changed.keys() - {"default_language"}:  # the language is no input of the roll-up
                changed_plant_ids.add(plant.id)
            events.append(
                AuditEvent(
                    occurred_at=now,
                    actor=actor if actor is not None and actor.is_authenticated else None,
                    action=AuditAction.PLANT_CHANGED,
                    plant_id=plant.id,
                    object_type="Plant",
                    object_id=str(plant.pk),
                    **audit_message(AuditAction.PLANT_CHANGED, plant=plant.code, fields=sorted(changed)),
                    changes={
                        "source": "import",
                        "fields": sorted(changed),
                        "values": {k: str(v) for k, v in changed.items()},
                    },
                )
            )
    for plant, line_code, line_values, station_code, station_values in rows:
        created = counts.created
        line, changed = row_upsert(ProductionLine, {"plant": plant, "code": line_code}, line_values, counts)
        if changed:
            changed_line_ids.add(line.id)
        if changed or counts.created > created:
            fields = changed if changed else None
            events.append(_organisation_event(obj=line, changed_fields=fields, now=now, actor=actor, source="import"))
        if station_values is not None:
            created = counts.created
            station, changed = row_upsert(Station, {"line": line, "code": station_code}, station_values, counts)
            if changed:
                changed_line_ids.add(line.id)
            if changed or counts.created > created:
                fields = changed if changed else None
                events.append(
                    _organisation_event(obj=station, changed_fields=fields, now=now, actor=actor, source="import")
                )
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    # Coverage targets and shifts feed the roll-up: recompute the lines' people.
    readiness_mark(
        employees=Employee.objects.filter(Q(line_id__in=changed_line_ids) | Q(plant_id__in=changed_plant_ids)).only(
            "id", "plant_id"
        ),
        reason=reason,
    )
    return counts
