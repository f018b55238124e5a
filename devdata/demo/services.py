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
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.db.models import Count, Q

from assessments import validity
from assessments.models import Assessment
from assessments.readiness.recompute import plant_recompute, snapshots_backfill
from courses.models import (
    AssessmentKind,
    Course,
    DeliveryMode,
    Level,
    ProcessArea,
    Requirement,
    RequirementScope,
    TrainerAuthorisation,
)
from courses.services import catalog_load
from devdata.demo import data
from devdata.demo.history import prerequisite_closure
from devdata.demo.plan import plan_seed
from devdata.demo.records import history_seed
from devdata.history import course_infos
from employees.languages import language_set
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
from gate.models import Terminal
from gate.services import terminal_create, terminal_pairing_token, terminal_update

# A demo password, printed by the command and documented in the README; not a secret.
DEFAULT_DEMO_PASSWORD = "certtrack-demo-2026"  # noqa: S105
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
    # The competence features the plant's history shows (issue #16), counted over its valid results.
    levels: dict[str, int] = field(default_factory=dict)  # practical passes by level
    checklists_marked: int = 0
    provisional_passes: int = 0


@dataclass
class DemoSeedResult:
    password: str
    catalog_loaded: bool
    users: list[tuple[str, str]] = field(default_factory=list)  # (username, what they are)
    plants: list[PlantSeedResult] = field(default_factory=list)
    terminal: str = ""  # "SY/PACK1/S010 S010 tablet"
    terminal_token: str = ""  # its pairing token (gate:terminal-pair)
    planned_sessions: dict[str, int] = field(default_factory=dict)  # plant code -> sessions planned by this run


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
            assessments = history_seed(
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
                **_competence_counts(plant=plant),
            )
        )
    result.terminal, result.terminal_token = _terminal_upsert(admin=admin)
    for spec in data.PLANTS:  # the live plan (issue #18): after the history, so the gaps are real
        plant = plants[spec.code]
        trainer = _plant_user(users, plant=spec.code, role=PlantRole.TRAINER)
        manager = _plant_user(users, plant=spec.code, role=PlantRole.MANAGER)
        result.planned_sessions[spec.code] = plan_seed(plant=plant, trainer=trainer, manager=manager)
    seeded_codes = {p.code for p in result.plants if p.history_seeded}
    readiness_recompute_after_seed(
        plants=list(plants.values()), backfill=[plants[code] for code in sorted(seeded_codes)]
    )
    return result


def _competence_counts(*, plant: Plant) -> dict:
    results = Assessment.objects.filter(employee__plant=plant, voided_at__isnull=True)
    passes = results.filter(kind=AssessmentKind.PRACTICAL, passed=True)
    levels = dict(passes.order_by().values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    return {
        "levels": {level: levels.get(level, 0) for level in Level.values},
        "checklists_marked": results.filter(checklist__isnull=False).count(),
        "provisional_passes": passes.filter(delivery_mode=DeliveryMode.VIRTUAL).count(),
    }


def readiness_recompute_after_seed(*, plants: Sequence[Plant], backfill: Sequence[Plant]) -> None:
    """Recompute the readiness roll-up of the demo plants for today, and 90 days of snapshots
    (the trend charts) for plants whose history was seeded just now.

    The seed writes assessments in bulk and leaves no ReadinessMark rows, so the
    dashboards need this full recompute. A re-run seeds no history, so it only refreshes today.
    """
    if backfill and connection.vendor == "postgresql":
        # Thousands of rows were just bulk-inserted: without fresh statistics the planner picks
        # nested loops for the roll-up's joins and one day's snapshot takes seconds instead of milliseconds.
        with connection.cursor() as cursor:
            for table in ("employees_employee", "assessments_assessment", "assessments_certification"):
                cursor.execute(f"ANALYZE {table}")  # fixed table names
    backfill_ids = {plant.id for plant in backfill}
    for plant in plants:
        if plant.id in backfill_ids:
            snapshots_backfill(plant_id=plant.id, days=90)
        else:
            plant_recompute(plant_id=plant.id)


# --- Organisation -----------------------------------------------------------------------


def _plant_upsert(spec: data.PlantSpec) -> Plant:
    plant, _created = Plant.objects.get_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "country": spec.country,
            "time_zone": spec.time_zone,
            "shift_codes": ",".join(spec.shift_codes),
            "default_language": spec.default_language,
        },
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
                defaults={
                    "name": station_spec.name,
                    "per_shift_target": station_spec.per_shift_target,
                    "trainers_needed": station_spec.trainers_needed,
                },
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
            min_levels = dict(station_spec.min_levels)
            for code in station_spec.courses:
                Requirement.objects.get_or_create(
                    scope=RequirementScope.STATION,
                    station=station,
                    course=courses[code],
                    defaults={"min_level": min_levels.get(code, Level.U)},
                )


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
    rng = random.Random(f"{data.SEED}:{spec.code}:roster")
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
        shifts = spec.shift_codes[: line_spec.shifts]
        recent = line_spec.profile.recent_hiring
        line_staff = (("TL", line_spec.team_leaders), ("MT", line_spec.technicians), ("QI", line_spec.inspectors))
        for role, count in line_staff:
            for i in range(count):
                # Team leaders and the first maintenance technician work days (no shift: day staff).
                day_staff = role == "TL" or (role == "MT" and i == 0)
                add(role, recent / 2, line, None, "" if day_staff else shifts[i % len(shifts)])
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
        language_set(user=user, language=spec.language)
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
    return prerequisite_closure(required, course_infos())


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


def _terminal_upsert(*, admin: AbstractBaseUser) -> tuple[str, str]:
    """The demo's line-side terminal and a pairing token for it (the unused pairing kept: a re-run writes nothing)."""
    plant, line, station_code, name = data.DEMO_TERMINAL
    station = Station.objects.select_related("line__plant").get(
        line__plant__code=plant, line__code=line, code=station_code
    )
    terminal = Terminal.objects.filter(station=station, name=name).first()
    if terminal is None:
        terminal = terminal_create(name=name, station=station, created_by=admin)
    if not terminal.is_active:
        terminal_update(terminal=terminal, actor=admin, is_active=True)
    token = terminal_pairing_token(terminal=terminal, actor=admin, keep_current=True)
    return f"{plant}/{line}/{station_code} {name}", token
