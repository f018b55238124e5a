"""demo_seed(): the demo plants SY (Shenyang) and DE (Debrecen), their people, users and history.

Idempotent: organisation, roster, requirements, users and authorisations are
created only where missing (matched by code, employee number, username), so a
second run leaves every table's row count unchanged. The assessment history
of a plant is seeded only while the plant has no assessments at all: it is
append-only data, and a plant in use must never receive invented results.

Deterministic: every random choice comes from random.Random seeded by a fixed
string, and every date is relative to the plant's local today, so the demo is
the same on every machine on a given day and stays realistic whenever it runs.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments import validity
from assessments.models import (
    Assessment,
    AssessmentSource,
    AuditAction,
    AuditEvent,
    Certification,
    TrainingSession,
)
from assessments.services import certifications_refresh
from courses.models import Course, ProcessArea, Requirement, RequirementScope, TrainerAuthorisation
from courses.selectors import required_course_ids_by_employee
from courses.services import catalog_load
from employees.demo import data
from employees.demo.history import (
    CourseInfo,
    HistoryPlan,
    LineRates,
    PersonInfo,
    PlannedResult,
    plan_history,
    prerequisite_closure,
)
from employees.models import (
    Employee,
    EmployeeStatus,
    JobRole,
    Plant,
    PlantMembership,
    PlantRole,
    ProductionLine,
    Station,
)

# A demo password, printed by the command and documented in the README; not a secret.
DEFAULT_DEMO_PASSWORD = "certtrack-demo-2026"  # noqa: S105
SEED = "certtrack-demo"
BATCH = 1000


@dataclass
class PlantSeedResult:
    code: str
    name: str
    lines: int
    stations: int
    employees: int
    employees_created: int
    history_seeded: bool
    assessments_created: int


@dataclass
class DemoSeedResult:
    password: str
    catalog_loaded: bool
    users: list[tuple[str, str]] = field(default_factory=list)  # (username, what they are)
    plants: list[PlantSeedResult] = field(default_factory=list)


@transaction.atomic
def demo_seed(*, password: str) -> DemoSeedResult:
    """Create or complete the demo; re-running resets the demo users' passwords to `password`.

    Raises django.core.exceptions.ValidationError when the password fails the validators.
    """
    validate_password(password)
    catalog_loaded = False
    if not Course.objects.exists():
        catalog_load()
        catalog_loaded = True
    result = DemoSeedResult(password=password, catalog_loaded=catalog_loaded)
    plants = {spec.code: _plant_upsert(spec) for spec in data.PLANTS}
    users = _users_upsert(password=password, plants=plants)
    result.users = [(spec.username, spec.description) for spec in data.USERS]
    admin = users["admin"]
    for spec in data.PLANTS:
        plant = plants[spec.code]
        today = plant.local_today()
        lines, stations = _lines_upsert(plant=plant, spec=spec, today=today)
        _requirements_upsert(plant=plant, spec=spec, stations=stations)
        created = _roster_upsert(plant=plant, spec=spec, lines=lines, stations=stations, today=today)
        trainer = _plant_user(users, plant=spec.code, role=PlantRole.TRAINER)
        manager = _plant_user(users, plant=spec.code, role=PlantRole.MANAGER)
        _trainer_authorise(trainer=trainer, plant=plant, granted_by=admin)
        seeded, assessments = False, 0
        if not Assessment.objects.filter(employee__plant=plant).exists():
            assessments = _history_seed(
                plant=plant, spec=spec, lines=lines, trainer=trainer, manager=manager, today=today
            )
            seeded = True
        result.plants.append(
            PlantSeedResult(
                code=plant.code,
                name=plant.name,
                lines=len(lines),
                stations=len(stations),
                employees=Employee.objects.filter(plant=plant).count(),
                employees_created=created,
                history_seeded=seeded,
                assessments_created=assessments,
            )
        )
    readiness_recompute_after_seed(plants=list(plants.values()))
    return result


def readiness_recompute_after_seed(*, plants: Sequence[Plant]) -> None:
    """Hook for the readiness roll-up engine: recompute every snapshot of the seeded plants.

    The seed writes assessments in bulk and leaves no ReadinessMark rows, so the
    dashboards need one full recompute here once assessments/rollup.py has it.
    """


# --- Organisation -----------------------------------------------------------------------


def _plant_upsert(spec: data.PlantSpec) -> Plant:
    plant, _created = Plant.objects.get_or_create(
        code=spec.code, defaults={"name": spec.name, "country": spec.country, "time_zone": spec.time_zone}
    )
    return plant


def _first_of_month(today: datetime.date, months: int) -> datetime.date:
    return validity.add_months(today.replace(day=1), months)


def _lines_upsert(
    *, plant: Plant, spec: data.PlantSpec, today: datetime.date
) -> tuple[dict[str, ProductionLine], dict[tuple[str, str], Station]]:
    areas = {a.code: a for a in ProcessArea.objects.all()}
    lines: dict[str, ProductionLine] = {}
    stations: dict[tuple[str, str], Station] = {}
    for line_spec in spec.lines:
        line, _created = ProductionLine.objects.get_or_create(
            plant=plant,
            code=line_spec.code,
            defaults={
                "name": line_spec.name,
                "process_area": areas.get(line_spec.process_area),
                "shifts": line_spec.shifts,
                "sop_date": _first_of_month(today, line_spec.sop_months) if line_spec.sop_months is not None else None,
                "target_readiness_pct": line_spec.target_readiness_pct,
            },
        )
        lines[line.code] = line
        for station_spec in line_spec.stations:
            station, _created = Station.objects.get_or_create(
                line=line,
                code=station_spec.code,
                defaults={"name": station_spec.name, "coverage_target": station_spec.coverage_target},
            )
            stations[(line.code, station.code)] = station
    return lines, stations


def _requirements_upsert(*, plant: Plant, spec: data.PlantSpec, stations: dict[tuple[str, str], Station]) -> None:
    courses = {c.code: c for c in Course.objects.all()}
    for code in spec.plant_wide_courses:
        Requirement.objects.get_or_create(scope=RequirementScope.PLANT, plant=plant, course=courses[code])
    for line_spec in spec.lines:
        for station_spec in line_spec.stations:
            station = stations[(line_spec.code, station_spec.code)]
            for code in station_spec.courses:
                Requirement.objects.get_or_create(scope=RequirementScope.STATION, station=station, course=courses[code])


# --- Roster -----------------------------------------------------------------------------


def _person_name(rng: random.Random, style: str, used: dict[str, int]) -> str:
    """A plausible local name; the same name at most twice per plant (as 王伟 happens in real rosters)."""
    while True:
        if style == "hu":
            name = f"{rng.choice(data.HU_SURNAMES)} {rng.choice(data.HU_GIVEN_NAMES)}"
        else:
            name = rng.choice(data.ZH_SURNAMES) + rng.choice(data.ZH_GIVEN_NAMES)
        if used[name] < 2:
            used[name] += 1
            return name


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), so every station has people."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _roster_build(
    *,
    spec: data.PlantSpec,
    lines: dict[str, ProductionLine],
    stations: dict[tuple[str, str], Station],
    roles: dict[str, JobRole],
    today: datetime.date,
) -> list[Employee]:
    """The plant's people, unsaved, numbered in hiring order (SY-000101, SY-000102, ...)."""
    rng = random.Random(f"{SEED}:{spec.code}:roster")
    used: dict[str, int] = defaultdict(int)
    people: list[Employee] = []

    def add(role: str, recent_hiring: float, line: ProductionLine | None, station: Station | None, shift: str) -> None:
        if rng.random() < recent_hiring:
            hire_date = today - datetime.timedelta(days=rng.randint(3, 365))
        else:
            hire_date = today - datetime.timedelta(days=rng.randint(366, 3 * 365))
        tenure = (today - hire_date).days
        draw = rng.random()
        status = EmployeeStatus.ACTIVE
        if draw < 0.03 and tenure > 60:
            status = EmployeeStatus.ON_LEAVE
        elif draw < 0.06 and tenure > 180:
            status = EmployeeStatus.LEFT
        people.append(
            Employee(
                name=_person_name(rng, spec.name_style, used),
                plant_id=line.plant_id if line else None,
                line=line,
                station=station,
                role=roles[role],
                shift=shift,
                hire_date=hire_date,
                status=status,
            )
        )

    for line_spec in spec.lines:
        line = lines[line_spec.code]
        shifts = spec.shifts_names[: line_spec.shifts]
        recent = line_spec.profile.recent_hiring
        line_staff = (("TL", line_spec.team_leaders), ("MT", line_spec.technicians), ("QI", line_spec.inspectors))
        for role, count in line_staff:
            for i in range(count):
                add(role, recent / 2, line, None, shifts[i % len(shifts)])
        line_stations = [stations[(line_spec.code, s.code)] for s in line_spec.stations]
        weights = [rng.uniform(0.6, 1.4) * s.staffing for s in line_spec.stations]
        serial = 0
        for station, count in zip(line_stations, _allocate(line_spec.operators, weights), strict=True):
            for _ in range(count):
                add("OP", recent, line, station, shifts[serial % len(shifts)])
                serial += 1
    for role, count in spec.plant_staff.items():
        for _ in range(count):
            add(role, 0.2, None, None, "")
    order = sorted(range(len(people)), key=lambda i: (people[i].hire_date, i))
    for number, index in enumerate(order, start=101):
        people[index].employee_no = f"{spec.number_prefix}-{number:06d}"
    return people


def _roster_upsert(
    *,
    plant: Plant,
    spec: data.PlantSpec,
    lines: dict[str, ProductionLine],
    stations: dict[tuple[str, str], Station],
    today: datetime.date,
) -> int:
    """Create the employees whose numbers do not exist yet; existing people are left as they are."""
    roles = {r.code: r for r in JobRole.objects.all()}
    people = _roster_build(spec=spec, lines=lines, stations=stations, roles=roles, today=today)
    existing = set(
        Employee.objects.filter(employee_no__in=[p.employee_no for p in people]).values_list("employee_no", flat=True)
    )
    missing = [p for p in people if p.employee_no not in existing]
    for person in missing:
        person.plant = plant
    Employee.objects.bulk_create(missing, batch_size=BATCH)
    return len(missing)


# --- Users and authorisations -------------------------------------------------------------


def _users_upsert(*, password: str, plants: dict[str, Plant]) -> dict[str, AbstractBaseUser]:
    User = get_user_model()
    users = {}
    for spec in data.USERS:
        user, _created = User.objects.get_or_create(username=spec.username)
        user.first_name = spec.first_name
        user.last_name = spec.last_name
        user.email = f"{spec.username}@certtrack.example"
        user.is_active = True
        user.is_superuser = user.is_staff = spec.plant is None
        user.set_password(password)
        user.save()
        if spec.plant is not None:
            PlantMembership.objects.get_or_create(user=user, plant=plants[spec.plant], role=spec.role)
        users[spec.username] = user
    return users


def _plant_user(users: dict[str, AbstractBaseUser], *, plant: str, role: str) -> AbstractBaseUser:
    spec = next(u for u in data.USERS if u.plant == plant and u.role == role)
    return users[spec.username]


def _plant_course_ids(*, plant: Plant) -> set[int]:
    """Every course a person at the plant may need: its requirements and their prerequisites."""
    role_ids = set(Employee.objects.filter(plant=plant).values_list("role_id", flat=True))
    required = set(
        Requirement.objects.filter(
            Q(scope=RequirementScope.PLANT, plant=plant)
            | Q(scope=RequirementScope.STATION, station__line__plant=plant)
            | Q(scope=RequirementScope.ROLE, role_id__in=role_ids, plant__isnull=True)
            | Q(scope=RequirementScope.ROLE, role_id__in=role_ids, plant=plant)
        ).values_list("course_id", flat=True)
    )
    return prerequisite_closure(required, _course_infos())


def _trainer_authorise(*, trainer: AbstractBaseUser, plant: Plant, granted_by: AbstractBaseUser) -> None:
    """The plant's demo trainer may sign off every course its people need."""
    wanted = _plant_course_ids(plant=plant)
    existing = set(TrainerAuthorisation.objects.filter(user=trainer, plant=plant).values_list("course_id", flat=True))
    TrainerAuthorisation.objects.bulk_create(
        [
            TrainerAuthorisation(user=trainer, plant=plant, course_id=course_id, granted_by=granted_by)
            for course_id in sorted(wanted - existing)
        ]
    )


# --- History -----------------------------------------------------------------------------


def _course_infos() -> dict[int, CourseInfo]:
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in Course.prerequisites.through.objects.values_list("from_course_id", "to_course_id"):
        prerequisites[from_id].append(to_id)
    return {
        c.id: CourseInfo(
            id=c.id,
            code=c.code,
            kinds=c.needed_kinds,
            validity_months=c.validity_months,
            pass_mark=c.pass_mark,
            prerequisite_ids=tuple(sorted(prerequisites[c.id])),
        )
        for c in Course.objects.filter(is_active=True)
    }


def _people(*, plant: Plant, employees: list[Employee], rng: random.Random) -> list[PersonInfo]:
    """Each person with their required set and, for some, cross-training at other stations of the line."""
    required = required_course_ids_by_employee(employees=employees)
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
            )
        )
    return people


def _history_seed(
    *,
    plant: Plant,
    spec: data.PlantSpec,
    lines: dict[str, ProductionLine],
    trainer: AbstractBaseUser,
    manager: AbstractBaseUser,
    today: datetime.date,
) -> int:
    rng = random.Random(f"{SEED}:{plant.code}:history")
    courses = _course_infos()
    employees = list(Employee.objects.filter(plant=plant).select_related("role").order_by("employee_no"))
    rates: dict[int | None, LineRates] = {None: LineRates(gap_rate=0.1, lapse_rate=0.12)}
    for line_spec in spec.lines:
        rates[lines[line_spec.code].id] = LineRates(
            gap_rate=line_spec.profile.gap_rate, lapse_rate=line_spec.profile.lapse_rate
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
    )
    return _history_write(
        plan=plan, plant=plant, employees=employees, trainer=trainer, manager=manager, rng=rng, today=today
    )


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


def _audit_summary(employee_no: str, course_code: str, result: PlannedResult) -> str:
    score = f" {result.score}" if result.score is not None else ""
    outcome = "pass" if result.passed else "fail"
    return f"{employee_no} {course_code} {result.kind}{score} {outcome} on {result.assessed_on.isoformat()}"


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
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)

    for assessment, result in zip(assessments, ordered, strict=True):
        summary = _audit_summary(numbers[result.employee_id], course_rows[result.course_id].code, result)
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
                summary=summary,
                changes={
                    "kind": result.kind,
                    "assessed_on": result.assessed_on.isoformat(),
                    "score": result.score,
                    "passed": result.passed,
                    "assessor": trainer.get_username(),
                    "source": AssessmentSource.SEED,
                    "session": assessment.session_id,
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
                    summary=f"{summary}: {result.void_reason}"[:255],
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
            summary=f"{course.code} session on {held_on.isoformat()} at {location}",
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
                summary=f"{numbers[revocation.employee_id]} {code}: {revocation.reason}"[:255],
                changes={"revoked_on": revocation.revoked_on.isoformat(), "reason": revocation.reason},
            )
        )
