"""Writing a planned history (devdata/demo/history.py) to the database, in bulk.

Assessments are inserted with bulk_create (source "seed"), with the audit events
assessments_record would have written, then certifications_refresh() derives
the Certification rows in batches; revocations are applied last.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from assessments.audit_messages import audit_message
from assessments.models import (
    Assessment,
    AssessmentSource,
    AuditAction,
    AuditEvent,
    Certification,
    CertificationRevocation,
    TrainingSession,
)
from assessments.services.certifications import certifications_refresh
from courses.models import Checklist, Course, Level, Requirement, RequirementScope
from courses.selectors import required_levels_by_employee
from devdata.demo import data
from devdata.demo.history import (
    ChecklistInfo,
    HistoryPlan,
    LineRates,
    PersonInfo,
    PlannedResult,
    plan_history,
)
from devdata.history import course_infos
from employees.models import Employee, Plant, ProductionLine, Station

BATCH = 1000


def _people(*, plant: Plant, employees: list[Employee], rng: random.Random) -> list[PersonInfo]:
    """Each person with their required set and, for some, cross-training at other stations of the line."""
    levels = required_levels_by_employee(employees=employees)
    required = {employee_id: set(by_course) for employee_id, by_course in levels.items()}
    station_courses: dict[int, set[int]] = defaultdict(set)
    for station_id, course_id in Requirement.objects.filter(
        scope=RequirementScope.STATION, station__line__plant=plant, course__is_active=True
    ).values_list("station_id", "course_id"):
        station_courses[station_id].add(course_id)
    stations_of_line: dict[int, list[int]] = defaultdict(list)
    for station_id, line_id in (
        Station.objects.filter(line__plant=plant).order_by("line_id", "code").values_list("id", "line_id")
    ):
        stations_of_line[line_id].append(station_id)
    people = []
    for employee in employees:
        others = [s for s in stations_of_line.get(employee.line_id, []) if s != employee.station_id]
        cross: list[int] = []
        if others and employee.role.code == "TL":
            cross = rng.sample(others, k=min(len(others), rng.randint(3, 5)))
        elif others and employee.role.code == "OP" and rng.random() < 0.35:
            cross = rng.sample(others, k=rng.choice((1, 1, 2)))
        extra = set().union(*(station_courses[s] for s in cross)) if cross else set()
        people.append(
            PersonInfo(
                id=employee.id,
                employee_no=employee.employee_no,
                hire_date=employee.hire_date,
                status=employee.status,
                line_id=employee.line_id,
                role_code=employee.role.code,
                required=frozenset(required[employee.id]),
                extra=frozenset(extra - required[employee.id]),
                o_course_ids=frozenset(c for c, level in levels[employee.id].items() if level == Level.O),
            )
        )
    return people


def history_seed(
    *,
    plant: Plant,
    spec: data.PlantSpec,
    lines: dict[str, ProductionLine],
    trainer: AbstractBaseUser,
    manager: AbstractBaseUser,
    today: datetime.date,
) -> int:
    rng = random.Random(f"{data.SEED}:{plant.code}:history")
    courses = course_infos()
    employees = list(Employee.objects.filter(plant=plant).select_related("role").order_by("employee_no"))
    rates: dict[int | None, LineRates] = {None: LineRates(gap_rate=0.1, lapse_rate=0.12)}
    for line_spec in spec.lines:
        line = lines[line_spec.code]
        virtual = line_spec.virtual_training_days and line.sop_date is not None and line.sop_date > today
        rates[line.id] = LineRates(
            gap_rate=line_spec.profile.gap_rate,
            lapse_rate=line_spec.profile.lapse_rate,
            virtual_from=today - datetime.timedelta(days=line_spec.virtual_training_days) if virtual else None,
            virtual_course_ids=frozenset(
                Requirement.objects.filter(scope=RequirementScope.STATION, station__line=line)
                .exclude(course__process_area__code="HV")  # HV sign-offs happen on real packs
                .values_list("course_id", flat=True)
            )
            if virtual
            else frozenset(),
        )
    planned_course = Course.objects.filter(code="EHS-002").values_list("id", flat=True).first()
    is_main_plant = plant.code == data.SY.code
    plan = plan_history(
        rng=rng,
        people=_people(plant=plant, employees=employees, rng=rng),
        courses=courses,
        today=today,
        rates_by_line=rates,
        voided=20 if is_main_plant else 5,
        revocations=3 if is_main_plant else 1,
        sessions=6 if is_main_plant else 3,
        planned_course_id=planned_course if is_main_plant else None,
        details_rng=random.Random(f"{data.SEED}:{plant.code}:details"),
        checklists=_checklists(),
    )
    return _history_write(
        plan=plan, plant=plant, employees=employees, trainer=trainer, manager=manager, rng=rng, today=today
    )


def _checklists() -> dict[int, ChecklistInfo]:
    """Every course's current checklist revision (its highest), with each item's critical flag."""
    current: dict[int, Checklist] = {}
    for checklist in Checklist.objects.prefetch_related("items").order_by("course_id", "revision"):
        current[checklist.course_id] = checklist
    return {
        course_id: ChecklistInfo(
            id=c.id, critical=tuple(i.critical for i in c.items.all()), threshold_pct=c.threshold_pct
        )
        for course_id, c in current.items()
    }


def _recorded_at(plant: Plant, result: PlannedResult, now: datetime.datetime) -> datetime.datetime:
    """When the trainer typed the result in: late afternoon that day, or the next morning for some."""
    spread = (result.employee_id * 7 + result.course_id * 13) % 150
    day, clock = result.assessed_on, datetime.time(16, 0)
    if (result.employee_id + result.course_id) % 7 == 0:
        day, clock, spread = day + datetime.timedelta(days=1), datetime.time(8, 30), spread % 60
    moment = datetime.datetime.combine(day, clock, tzinfo=plant.tz) + datetime.timedelta(minutes=spread)
    if result.void_reason:
        moment -= datetime.timedelta(minutes=25)  # the wrong entry came first
    return min(moment, now - datetime.timedelta(minutes=30 if result.void_reason else 5))


def _audit_params(employee_no: str, course_code: str, result: PlannedResult) -> dict:
    return {
        "employee": employee_no,
        "course": course_code,
        "kind": result.kind,
        "score": result.score,
        "passed": result.passed,
        "date": result.assessed_on,
    }


def _history_write(
    *,
    plan: HistoryPlan,
    plant: Plant,
    employees: list[Employee],
    trainer: AbstractBaseUser,
    manager: AbstractBaseUser,
    rng: random.Random,
    today: datetime.date,
) -> int:
    now = timezone.now()
    numbers = {e.id: e.employee_no for e in employees}
    course_rows = {c.id: c for c in Course.objects.filter(id__in={r.course_id for r in plan.results} | _planned(plan))}
    locations = data.TRAINING_LOCATIONS[plant.code]
    audit: list[AuditEvent] = []

    sessions: dict[tuple[int, datetime.date], TrainingSession] = {}
    for (course_id, held_on), attendee_ids in sorted(plan.sessions.items(), key=lambda item: item[0][1]):
        sessions[(course_id, held_on)] = _session_create(
            plant=plant,
            course=course_rows[course_id],
            held_on=held_on,
            trainer=trainer,
            attendee_ids=attendee_ids,
            location=rng.choice(locations),
            created_at=datetime.datetime.combine(held_on, datetime.time(8, 0), tzinfo=plant.tz),
            audit=audit,
        )
    if plan.planned_session is not None:
        course_id, held_on, attendee_ids = plan.planned_session
        _session_create(
            plant=plant,
            course=course_rows[course_id],
            held_on=held_on,
            trainer=trainer,
            attendee_ids=attendee_ids,
            location=locations[0],
            created_at=now,
            audit=audit,
            notes="Refresher for people whose certification is missing, expired or expiring within 30 days.",
        )

    # Wrong entries first, so ids follow the order things were typed in.
    ordered = sorted(
        plan.results,
        key=lambda r: (r.assessed_on, r.employee_id, r.course_id, r.kind, not r.void_reason, r.attempt),
    )
    assessments = []
    for index, result in enumerate(ordered):
        recorded_at = _recorded_at(plant, result, now)
        voided_by = None
        voided_at = None
        if result.void_reason:
            voided_by = manager if index % 3 == 0 else trainer
            voided_at = recorded_at + datetime.timedelta(minutes=10)
        assessments.append(
            Assessment(
                employee_id=result.employee_id,
                course_id=result.course_id,
                kind=result.kind,
                assessed_on=result.assessed_on,
                score=result.score,
                passed=result.passed,
                attempt=result.attempt,
                assessor=trainer,
                recorded_by=trainer,
                recorded_at=recorded_at,
                session=sessions.get(result.session_key) if result.session_key else None,
                source=AssessmentSource.SEED,
                voided_at=voided_at,
                voided_by=voided_by,
                void_reason=result.void_reason,
                level=result.level,
                delivery_mode=result.delivery_mode,
                checklist_id=result.checklist_id,
                checklist_marks=list(result.checklist_marks) if result.checklist_marks is not None else None,
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)

    revisions = dict(Checklist.objects.values_list("id", "revision"))
    for assessment, result in zip(assessments, ordered, strict=True):
        params = _audit_params(numbers[result.employee_id], course_rows[result.course_id].code, result)
        common = {
            "plant": plant,
            "employee_id": result.employee_id,
            "course_id": result.course_id,
            "object_type": "Assessment",
            "object_id": str(assessment.pk),
        }
        audit.append(
            AuditEvent(
                occurred_at=assessment.recorded_at,
                actor=trainer,
                action=AuditAction.ASSESSMENT_RECORDED,
                **audit_message(AuditAction.ASSESSMENT_RECORDED, **params),
                changes={
                    "kind": result.kind,
                    "assessed_on": result.assessed_on.isoformat(),
                    "score": result.score,
                    "passed": result.passed,
                    "assessor": trainer.get_username(),
                    "source": AssessmentSource.SEED,
                    "session": assessment.session_id,
                    "level": result.level,
                    "delivery_mode": result.delivery_mode,
                    "checklist_revision": revisions.get(result.checklist_id),
                    "checklist_marks": assessment.checklist_marks,
                },
                **common,
            )
        )
        if result.void_reason:
            audit.append(
                AuditEvent(
                    occurred_at=assessment.voided_at,
                    actor=assessment.voided_by,
                    action=AuditAction.ASSESSMENT_VOIDED,
                    **audit_message(AuditAction.ASSESSMENT_VOIDED, **params, reason=result.void_reason),
                    changes={"reason": result.void_reason},
                    **common,
                )
            )

    pairs_by_employee: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for result in plan.results:
        pairs_by_employee[result.employee_id].add((result.employee_id, result.course_id))
    _refresh_in_batches(pairs_by_employee.values())
    _revocations_write(plan=plan, plant=plant, manager=manager, numbers=numbers, courses=course_rows, audit=audit)
    AuditEvent.objects.bulk_create(sorted(audit, key=lambda e: e.occurred_at), batch_size=BATCH)
    return len(assessments)


def _planned(plan: HistoryPlan) -> set[int]:
    return {plan.planned_session[0]} if plan.planned_session else set()


def _session_create(
    *,
    plant: Plant,
    course: Course,
    held_on: datetime.date,
    trainer: AbstractBaseUser,
    attendee_ids: Iterable[int],
    location: str,
    created_at: datetime.datetime,
    audit: list[AuditEvent],
    notes: str = "",
) -> TrainingSession:
    session = TrainingSession.objects.create(
        course=course,
        plant=plant,
        held_on=held_on,
        location=location,
        delivery_mode=course.delivery_mode,
        trainer=trainer,
        notes=notes,
    )
    session.attendees.set(attendee_ids)
    audit.append(
        AuditEvent(
            occurred_at=created_at,
            actor=trainer,
            action=AuditAction.SESSION_CREATED,
            plant=plant,
            course=course,
            object_type="TrainingSession",
            object_id=str(session.pk),
            **audit_message(
                AuditAction.SESSION_CREATED, course=course.code, date=held_on, plant=plant.code, location=location
            ),
        )
    )
    return session


def _refresh_in_batches(pair_groups: Iterable[set[tuple[int, int]]]) -> None:
    batch: set[tuple[int, int]] = set()
    for pairs in pair_groups:
        batch |= pairs
        if len(batch) >= BATCH:
            certifications_refresh(pairs=batch)
            batch = set()
    certifications_refresh(pairs=batch)


def _revocations_write(
    *,
    plan: HistoryPlan,
    plant: Plant,
    manager: AbstractBaseUser,
    numbers: dict[int, str],
    courses: dict[int, Course],
    audit: list[AuditEvent],
) -> None:
    for revocation in plan.revocations:
        revoked_at = datetime.datetime.combine(revocation.revoked_on, datetime.time(10, 30), tzinfo=plant.tz)
        certification = Certification.objects.get(employee_id=revocation.employee_id, course_id=revocation.course_id)
        # As services.certification_revoke: the history a past date reads, and the certification's current one.
        CertificationRevocation.objects.create(
            employee_id=revocation.employee_id,
            course_id=revocation.course_id,
            revoked_on=revocation.revoked_on,
            revoked_at=revoked_at,
            revoked_by=manager,
            reason=revocation.reason,
        )
        certification.revoked_on = revocation.revoked_on
        certification.revoked_at = revoked_at
        certification.revoked_by = manager
        certification.revoke_reason = revocation.reason
        certification.save(update_fields=["revoked_on", "revoked_at", "revoked_by", "revoke_reason", "updated_at"])
        certifications_refresh(pairs=[(revocation.employee_id, revocation.course_id)])
        code = courses[revocation.course_id].code
        audit.append(
            AuditEvent(
                occurred_at=revoked_at,
                actor=manager,
                action=AuditAction.CERTIFICATION_REVOKED,
                plant=plant,
                employee_id=revocation.employee_id,
                course_id=revocation.course_id,
                object_type="Certification",
                object_id=str(certification.pk),
                **audit_message(
                    AuditAction.CERTIFICATION_REVOKED,
                    employee=numbers[revocation.employee_id],
                    course=code,
                    date=revocation.revoked_on,
                    reason=revocation.reason,
                ),
                changes={"revoked_on": revocation.revoked_on.isoformat(), "reason": revocation.reason},
            )
        )
