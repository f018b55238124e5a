"""A large, realistic, deterministic dataset for load tests and benchmarks (issue #7).

generate_scale_data() fills an EMPTY PostgreSQL database with plants, lines,
stations, requirements, employees, users and millions of assessments, then
derives the Certification rows set-based in SQL. It is product code because the
benchmarks and the load tests depend on it being right:

- Deterministic for a seed and a reference date: every plant draws from its own
  random.Random(f"{seed}:{plant_index}"), so the same arguments give the same rows.
- Safe: refuses SQLite and any database that already holds plants, employees or
  assessments; everything runs in one transaction, so a failure leaves it empty.
- Fast: employees and assessments go in with COPY; the secondary indexes and the
  foreign keys of the big tables are dropped inside the transaction and rebuilt
  once at the end (one sort per index, one anti-join per foreign key, instead of
  millions of row-by-row index inserts and RI trigger calls).
- Faithful: assessments follow the service rules (never in the future or before
  the hire date, theory passes at the course's pass mark, attempt numbers count
  non-voided results, a voided entry is entered again), and certifications follow
  assessments/validity.py; certification_mismatches() checks a sample against
  validity.certification_state().
"""

from __future__ import annotations

import datetime
import logging
import random
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from assessments import validity
from assessments.models import Assessment, Certification
from courses.models import Course, DeliveryMode, ProcessArea, Requirement, RequirementScope, TrainerAuthorisation
from courses.services import catalog_load
from employees.models import Employee, JobRole, Plant, PlantMembership, PlantRole, ProductionLine, Station

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

HISTORY_DAYS = 3 * 365
FIRST_PASS_RATE = 0.85
RETAKE_PASS_RATE = 0.90
GIVE_UP_RATE = 0.10
VOID_RATE = 0.005
LATE_RENEWAL_RATE = 0.12
NEVER_RENEWED_RATE = 0.04
COPY_BATCH_ROWS = 20_000

# Real sites first; beyond them plants are numbered.
PLANT_SITES = [
    ("SY", "Shenyang", "CN", "Asia/Shanghai"),
    ("DE", "Debrecen", "HU", "Europe/Budapest"),
    ("NB", "Ningbo", "CN", "Asia/Shanghai"),
    ("CD", "Chengdu", "CN", "Asia/Shanghai"),
    ("LZ", "Leipzig", "DE", "Europe/Berlin"),
    ("KT", "Katowice", "PL", "Europe/Warsaw"),
    ("SP", "Spartanburg", "US", "America/New_York"),
    ("MX", "San Luis Potosi", "MX", "America/Mexico_City"),
    ("CJ", "Cheongju", "KR", "Asia/Seoul"),
    ("NG", "Nagoya", "JP", "Asia/Tokyo"),
    ("CH", "Chennai", "IN", "Asia/Kolkata"),
    ("SE", "Skelleftea", "SE", "Europe/Stockholm"),
    ("VA", "Valencia", "ES", "Europe/Madrid"),
    ("TN", "Tennessee", "US", "America/Chicago"),
    ("HF", "Hefei", "CN", "Asia/Shanghai"),
    ("WX", "Wuxi", "CN", "Asia/Shanghai"),
    ("DO", "Dongguan", "CN", "Asia/Shanghai"),
    ("SZ", "Szeged", "HU", "Europe/Budapest"),
    ("OH", "Ohio", "US", "America/New_York"),
    ("BU", "Busan", "KR", "Asia/Seoul"),
]
PRODUCTION_AREAS = ("CELL", "MOD", "PACK", "JOIN", "EOL", "LEAK", "THM", "BMS")
PLANT_WIDE_AREAS = ("EHS", "HV", "QLT")
# (role code, share of a plant's staff, works on a line, has a primary station)
ROLE_MIX = [
    ("OP", 0.74, True, True),
    ("TL", 0.06, True, False),
    ("QI", 0.06, True, False),
    ("MT", 0.06, True, False),
    ("LOG", 0.05, False, False),
    ("PE", 0.02, False, False),
    ("TR", 0.01, False, False),
]
# fmt: off
FIRST_NAMES = [
    "Wei", "Li", "Jun", "Hao", "Min", "Yan", "Lei", "Jing", "Tao", "Xin", "Anna", "Bence", "Dora", "Gabor", "Jana",
    "Lukas", "Marta", "Pavel", "Sofia", "Tomas", "James", "Maria", "Carlos", "Lucia", "Ji-ho", "Min-jun", "Yuki",
    "Haruto", "Priya", "Arjun", "Elin", "Oskar", "Ines", "Pablo", "Emma", "Noah",
]
LAST_NAMES = [
    "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Nagy", "Kovacs", "Toth", "Szabo",
    "Horvath", "Muller", "Schmidt", "Nowak", "Kowalski", "Smith", "Johnson", "Garcia", "Lopez", "Kim", "Lee", "Park",
    "Sato", "Suzuki", "Sharma", "Patel", "Lindqvist", "Berg", "Ortega", "Ruiz",
]
# fmt: on
VOID_REASONS = (
    "Entered for the wrong employee",
    "Wrong course selected",
    "Score typed incorrectly",
    "Duplicate entry",
)


class ScaleDataRefused(Exception):
    """The database is not one the generator may fill."""


@dataclass(frozen=True)
class ScaleSpec:
    plants: int = 20
    employees: int = 100_000
    courses: int = 250
    assessments: int = 5_000_000
    seed: int = 1
    password: str = "certtrack-scale-bench"  # noqa: S105 - benchmark users on a dedicated database
    # The last date any result may carry; default: the earliest "today" of every plant time zone.
    today: datetime.date | None = None


@dataclass
class ScaleResult:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    today: datetime.date | None = None
    usernames: list[str] = field(default_factory=list)


# --- Safety -------------------------------------------------------------------------


def ensure_database_is_empty() -> None:
    """Refuse anything but an empty PostgreSQL database (the catalog may already be loaded)."""
    if connection.vendor != "postgresql":
        raise ScaleDataRefused(
            "generate_scale_data needs PostgreSQL (it loads data with COPY); "
            "set DATABASE_URL=postgres://... to a dedicated database."
        )
    for model in (Employee, Assessment, Plant):
        if model.objects.exists():
            raise ScaleDataRefused(
                f"this database already holds {model._meta.verbose_name_plural}; "
                "generate_scale_data only fills an empty, dedicated database (create a new one and migrate it)."
            )


# --- Small tables ----------------------------------------------------------------------


@dataclass
class CourseInfo:
    id: int
    area: str
    needs_theory: bool
    needs_practical: bool
    pass_mark: int
    validity_months: int | None


@dataclass
class EmployeeRow:
    id: int
    plant_index: int
    role: str
    line_id: int | None
    station_id: int | None
    hire_date: datetime.date
    status: str


@dataclass
class PlantPlan:
    index: int
    plant: Plant
    trainer_id: int
    employee_total: int
    assessment_total: int
    lines: list[ProductionLine] = field(default_factory=list)
    stations_by_line: dict[int, list[int]] = field(default_factory=dict)
    ramping_line_ids: set[int] = field(default_factory=set)
    plant_wide: list[int] = field(default_factory=list)
    course_pool: list[int] = field(default_factory=list)
    required_by_role: dict[str, list[int]] = field(default_factory=dict)
    required_by_station: dict[int, list[int]] = field(default_factory=dict)


def _split(total: int, parts: int) -> list[int]:
    base, remainder = divmod(total, parts)
    return [base + (1 if i < remainder else 0) for i in range(parts)]


def default_today() -> datetime.date:
    now = timezone.now()
    return min(now.astimezone(zoneinfo.ZoneInfo(tz)).date() for _c, _n, _cc, tz in PLANT_SITES)


def _plant_sites(count: int) -> list[tuple[str, str, str, str]]:
    sites = PLANT_SITES[:count]
    sites += [(f"P{n:02d}", f"Plant {n}", "CN", "Asia/Shanghai") for n in range(len(sites) + 1, count + 1)]
    return sites


def _create_courses(*, spec: ScaleSpec, plants: list[Plant], rng: random.Random) -> dict[int, CourseInfo]:
    """The company catalog, plus plant-owned work-instruction courses up to spec.courses."""
    catalog_load()
    areas = {a.code: a for a in ProcessArea.objects.all()}
    production_areas = [areas[c] for c in PRODUCTION_AREAS if c in areas] or list(areas.values())
    extra = max(0, spec.courses - Course.objects.count())
    new_courses = []
    for n in range(extra):
        plant = plants[n % len(plants)]
        area = production_areas[n % len(production_areas)]
        needs = rng.choice(("practical", "practical", "practical", "theory", "both", "both"))
        new_courses.append(
            Course(
                code=f"{plant.code}-WI-{n // len(plants) + 1:03d}",
                title=f"{plant.name} work instruction {n // len(plants) + 1}: {area.name}",
                process_area=area,
                delivery_mode=DeliveryMode.ON_THE_JOB,
                needs_theory=needs in ("theory", "both"),
                needs_practical=needs in ("practical", "both"),
                pass_mark=rng.choice((70, 75, 80, 80, 85)),
                validity_months=rng.choice((None, None, 12, 24, 36)),
                owner_plant=plant,
            )
        )
    Course.objects.bulk_create(new_courses)
    return {
        c.id: CourseInfo(
            id=c.id,
            area=c.process_area.code,
            needs_theory=c.needs_theory,
            needs_practical=c.needs_practical,
            pass_mark=c.pass_mark,
            validity_months=c.validity_months,
        )
        for c in Course.objects.filter(is_active=True).select_related("process_area")
    }


def _create_users(*, plans: list[PlantPlan], password: str) -> list[str]:
    """A manager, trainer and HR user per plant (one password hash: hashing 60 times would take a minute)."""
    user_model = get_user_model()
    hashed = make_password(password)
    users = []
    for plan in plans:
        for role in (PlantRole.MANAGER, PlantRole.TRAINER, PlantRole.HR):
            username = f"{role}-{plan.plant.code.lower()}"
            users.append(user_model(username=username, email=f"{username}@bench.invalid", password=hashed))
    user_model.objects.bulk_create(users)
    by_name = {u.username: u for u in user_model.objects.filter(username__in=[u.username for u in users])}
    memberships = []
    for plan in plans:
        for role in (PlantRole.MANAGER, PlantRole.TRAINER, PlantRole.HR):
            memberships.append(
                PlantMembership(user=by_name[f"{role}-{plan.plant.code.lower()}"], plant=plan.plant, role=role)
            )
        plan.trainer_id = by_name[f"trainer-{plan.plant.code.lower()}"].id
    PlantMembership.objects.bulk_create(memberships)
    return sorted(by_name)


def _create_organisation(
    *, spec: ScaleSpec, courses: dict[int, CourseInfo], plants: list[Plant], today: datetime.date
) -> list[PlantPlan]:
    """Lines, stations and requirements of every plant, sized to its headcount."""
    areas = {a.code: a for a in ProcessArea.objects.all()}
    by_area: dict[str, list[int]] = {}
    owned: dict[int, list[int]] = {}
    owner_of = dict(Course.objects.filter(owner_plant__isnull=False).values_list("id", "owner_plant_id"))
    for info in sorted(courses.values(), key=lambda c: c.id):
        if info.id in owner_of:
            owned.setdefault(owner_of[info.id], []).append(info.id)
        else:
            by_area.setdefault(info.area, []).append(info.id)
    all_templates = sorted(i for ids in by_area.values() for i in ids)
    plans = []
    lines_to_create: list[ProductionLine] = []
    for index, (plant, employee_total, assessment_total) in enumerate(
        zip(plants, _split(spec.employees, len(plants)), _split(spec.assessments, len(plants)), strict=True)
    ):
        rng = random.Random(f"{spec.seed}:org:{index}")
        plan = PlantPlan(
            index=index,
            plant=plant,
            trainer_id=0,
            employee_total=employee_total,
            assessment_total=assessment_total,
        )
        line_count = max(2, round(employee_total / 600) + rng.randint(-1, 1))
        for n in range(1, line_count + 1):
            area_code = PRODUCTION_AREAS[(index + n) % len(PRODUCTION_AREAS)]
            ramping = rng.random() < 0.25
            sop = today + datetime.timedelta(days=rng.randint(30, 240)) if ramping else None
            if not ramping and rng.random() < 0.5:
                sop = today - datetime.timedelta(days=rng.randint(200, 1500))
            lines_to_create.append(
                ProductionLine(
                    plant=plant,
                    code=f"L{n:02d}",
                    name=f"{areas[area_code].name if area_code in areas else area_code} line {n}",
                    process_area=areas.get(area_code),
                    shifts=rng.choice((2, 3, 3, 3)),
                    sop_date=sop,
                    target_readiness_pct=rng.choice((90, 95, 100, 100)),
                )
            )
        plan.plant_wide = sorted(
            rng.sample(by_area.get("EHS", all_templates), min(2, len(by_area.get("EHS", all_templates))))
            + rng.sample(by_area.get("QLT", all_templates), 1)
        )
        plan.course_pool = all_templates + owned.get(plant.id, [])
        plans.append(plan)
    ProductionLine.objects.bulk_create(lines_to_create)

    stations: list[Station] = []
    for plan in plans:
        lines = ProductionLine.objects.filter(plant=plan.plant).select_related("process_area").order_by("code")
        plan.lines = list(lines)
        rng = random.Random(f"{spec.seed}:stations:{plan.index}")
        for line in plan.lines:
            if line.sop_date and line.sop_date > today:
                plan.ramping_line_ids.add(line.id)
            for n in range(1, rng.randint(10, 16) + 1):
                stations.append(
                    Station(
                        line=line,
                        code=f"S{n:02d}",
                        name=f"Station {n:02d}",
                        coverage_target=rng.choice((None, None, None, 2, 4)),
                    )
                )
    Station.objects.bulk_create(stations)

    requirements: list[Requirement] = []
    for plan in plans:
        rng = random.Random(f"{spec.seed}:requirements:{plan.index}")
        requirements += [
            Requirement(course_id=c, scope=RequirementScope.PLANT, plant=plan.plant) for c in plan.plant_wide
        ]
        own = owned.get(plan.plant.id, [])
        for line in plan.lines:
            area_code = line.process_area.code if line.process_area else PRODUCTION_AREAS[0]
            area_pool = by_area.get(area_code) or all_templates
            station_ids = list(Station.objects.filter(line=line).order_by("code").values_list("id", flat=True))
            plan.stations_by_line[line.id] = station_ids
            for station_id in station_ids:
                chosen = set(rng.sample(area_pool, min(len(area_pool), rng.randint(1, 3))))
                if own and rng.random() < 0.3:
                    chosen.add(rng.choice(own))
                requirements += [
                    Requirement(course_id=c, scope=RequirementScope.STATION, station_id=station_id)
                    for c in sorted(chosen)
                ]
    Requirement.objects.bulk_create(requirements)
    return plans


# --- Employees ---------------------------------------------------------------------------


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


def _plant_employees(*, spec: ScaleSpec, plan: PlantPlan, roles: dict[str, int], today: datetime.date):  # noqa: ANN202
    """(EmployeeRow, COPY line) pairs of one plant."""
    rng = random.Random(f"{spec.seed}:employees:{plan.index}")
    ids = _reserve_ids(Employee._meta.db_table, plan.employee_total)
    counts = _split_by_shares(plan.employee_total, [share for _r, share, _l, _s in ROLE_MIX])
    now = timezone.now().isoformat()
    window_start = today - datetime.timedelta(days=HISTORY_DAYS)
    ramping = [line for line in plan.lines if line.id in plan.ramping_line_ids]
    number = 0
    for (role_code, _share, on_line, has_station), count in zip(ROLE_MIX, counts, strict=True):
        for _ in range(count):
            employee_id = ids[number]
            number += 1
            line = station_id = None
            if on_line:
                line = rng.choice(plan.lines)
                if has_station:
                    station_id = rng.choice(plan.stations_by_line[line.id])
            if line is not None and line in ramping:
                hire = today - datetime.timedelta(days=rng.randint(0, 240))
            elif rng.random() < 0.7:
                hire = window_start - datetime.timedelta(days=rng.randint(1, 12 * 365))
            else:
                hire = today - datetime.timedelta(days=rng.randint(0, HISTORY_DAYS))
            draw = rng.random()
            status = "active" if draw < 0.94 else ("on_leave" if draw < 0.97 else "left")
            shift = "ABC"[rng.randrange(line.shifts)] if line is not None else ""
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            row = EmployeeRow(
                id=employee_id,
                plant_index=plan.index,
                role=role_code,
                line_id=line.id if line else None,
                station_id=station_id,
                hire_date=hire,
                status=status,
            )
            yield (
                row,
                (
                    f"{employee_id}\t{plan.plant.code}{number:06d}\t{name}\t{plan.plant.id}\t"
                    f"{_null(row.line_id)}\t{_null(station_id)}\t{roles[role_code]}\t{shift}\t{hire.isoformat()}\t"
                    f"{status}\t{now}\t{now}\n"
                ),
            )


def _split_by_shares(total: int, shares: list[float]) -> list[int]:
    counts = [int(total * share) for share in shares]
    counts[0] += total - sum(counts)
    return counts


def _null(value: object) -> str:
    return r"\N" if value is None else str(value)


# --- Assessments ---------------------------------------------------------------------------


class AssessmentHistory:
    """Writes one plant's assessment history as COPY text, drawing from the plant's own RNG.

    Per employee: the required courses first (onboarding), then cross-training on
    the other stations of the line, then electives, until the employee's share of
    the plant's total is used up. Each course: attempts until a pass (85% first
    time, 90% on a retake, 10% give up), renewals before expiry (some late, some
    never), 0.5% of entries voided and entered again.
    """

    COLUMNS = (
        "employee_id, course_id, kind, assessed_on, score, passed, checklist_notes, notes, attempt, "
        "assessor_id, recorded_by_id, recorded_at, source, voided_at, voided_by_id, void_reason"
    )

    def __init__(self, *, plan: PlantPlan, courses: dict[int, CourseInfo], today: datetime.date, seed: int) -> None:
        self.rng = random.Random(f"{seed}:assessments:{plan.index}")
        self.plan = plan
        self.courses = courses
        self.today = today.toordinal()
        self.window_start = self.today - HISTORY_DAYS
        self.trainer = plan.trainer_id
        self.now = timezone.now().isoformat()
        self.dates: dict[int, str] = {}
        self.attempts: dict[tuple[int, str], int] = {}
        # Kept per employee so a second pass (spending a plant's leftover) numbers attempts on.
        self.attempts_by_employee: dict[int, dict[tuple[int, str], int]] = {}
        self.buffer: list[str] = []

    def _date(self, ordinal: int) -> str:
        text = self.dates.get(ordinal)
        if text is None:
            text = self.dates[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text

    def _timestamp(self, ordinal: int, hour: int) -> str:
        # Results are recorded the same day or a little later, never after "now".
        return self.now if ordinal >= self.today else f"{self._date(ordinal)} {hour:02d}:{hour * 7 % 60:02d}:00+00"

    def _emit(self, employee_id: int, course: CourseInfo, kind: str, ordinal: int, passed: bool, budget: int) -> int:
        """Write one result (two when a wrong entry is voided first and budget allows); returns rows written."""
        rnd = self.rng.random
        if kind == "theory":
            mark = course.pass_mark
            score = mark + int(rnd() * (101 - mark)) if passed else max(0, mark - 1 - int(rnd() * 30))
            passed = score >= mark
            score_text = str(score)
        else:
            score_text = r"\N"
        key = (course.id, kind)
        attempt = self.attempts.get(key, 0) + 1
        recorded = self._timestamp(ordinal + int(rnd() * 3), 6 + int(rnd() * 12))
        day = self._date(ordinal)
        prefix = f"{employee_id}\t{course.id}\t{kind}\t{day}\t"
        signed = f"{self.trainer}\t{self.trainer}\t{recorded}\tseed"
        voided = rnd() < VOID_RATE and budget >= 2
        if voided:
            # A wrong entry (the opposite outcome) voided the next day, then entered again.
            wrong_score, wrong_passed = score_text, not passed
            if kind == "theory":
                wrong_score = str(100 - int(score_text))
                wrong_passed = int(wrong_score) >= course.pass_mark
            voided_at = self._timestamp(ordinal + 1 + int(rnd() * 3), 9)
            reason = VOID_REASONS[int(rnd() * len(VOID_REASONS))]
            self.buffer.append(
                f"{prefix}{wrong_score}\t{'t' if wrong_passed else 'f'}\t\t\t{attempt}\t{signed}\t"
                f"{voided_at}\t{self.trainer}\t{reason}\n"
            )
        self.attempts[key] = attempt
        self.buffer.append(f"{prefix}{score_text}\t{'t' if passed else 'f'}\t\t\t{attempt}\t{signed}\t\\N\t\\N\t\n")
        return 2 if voided else 1

    def _take(self, employee_id: int, course: CourseInfo, kind: str, ordinal: int, budget: int) -> tuple[int, int]:
        """Attempts of one kind from `ordinal` until a pass; returns (pass ordinal or 0, rows written)."""
        rnd = self.rng.random
        rows = 0
        rate = FIRST_PASS_RATE
        while ordinal <= self.today and rows < budget:
            passed = rnd() < rate
            rows += self._emit(employee_id, course, kind, ordinal, passed, budget - rows)
            if passed:
                return ordinal, rows
            if rnd() < GIVE_UP_RATE:
                break
            rate = RETAKE_PASS_RATE
            ordinal += 3 + int(rnd() * 25)
        return 0, rows

    def course(self, employee_id: int, course: CourseInfo, ordinal: int, budget: int) -> int:
        """One course's history from a first attempt on `ordinal`, renewals included; returns rows written."""
        rnd = self.rng.random
        written = 0
        while written < budget and ordinal <= self.today:
            passes = []
            if course.needs_theory:
                passed_on, rows = self._take(employee_id, course, "theory", ordinal, budget - written)
                written += rows
                passes.append(passed_on)
            if course.needs_practical:
                start = ordinal + int(rnd() * 8)
                passed_on, rows = self._take(employee_id, course, "practical", start, budget - written)
                written += rows
                passes.append(passed_on)
            if not course.validity_months or 0 in passes or rnd() < NEVER_RENEWED_RATE:
                break
            due = validity.add_months(datetime.date.fromordinal(min(passes)), course.validity_months).toordinal()
            if rnd() < LATE_RENEWAL_RATE:
                ordinal = due + 1 + int(rnd() * 120)
            else:
                ordinal = due - int(rnd() * 45)
        return written

    def employee(self, employee: EmployeeRow, program: list[int], electives: list[int], budget: int) -> int:
        """Write up to `budget` rows for one employee; returns the rows written."""
        rnd = self.rng.random
        self.attempts = self.attempts_by_employee.setdefault(employee.id, {})
        start = max(employee.hire_date.toordinal(), self.window_start)
        # Staff hired before the history window were certified in a first campaign over its first year.
        onboarding = 300 if employee.hire_date.toordinal() < self.window_start else 60
        span = max(1, self.today - start + 1)
        written = 0
        for position, course_id in enumerate(program):
            if written >= budget:
                break
            first = start + int(rnd() * onboarding) + position
            written += self.course(employee.id, self.courses[course_id], first, budget - written)
        misses = 0
        while written < budget and misses < 20 and electives:
            course_id = electives[int(rnd() * len(electives))]
            rows = self.course(employee.id, self.courses[course_id], start + int(rnd() * span), budget - written)
            written += rows
            misses += rows == 0
        return written

    def drain(self) -> str:
        text = "".join(self.buffer)
        self.buffer.clear()
        return text


def _load_requirements(plan: PlantPlan, roles: dict[str, int]) -> None:
    """Role and station requirements of one plant, read before the COPY holds the connection."""
    role_codes = {v: k for k, v in roles.items()}
    for role_id, course_id, plant_id in (
        Requirement.objects.filter(scope=RequirementScope.ROLE)
        .order_by("id")
        .values_list("role_id", "course_id", "plant_id")
    ):
        if plant_id in (None, plan.plant.id):
            plan.required_by_role.setdefault(role_codes[role_id], []).append(course_id)
    for station_id, course_id in (
        Requirement.objects.filter(scope=RequirementScope.STATION, station__line__plant=plan.plant)
        .order_by("id")
        .values_list("station_id", "course_id")
    ):
        plan.required_by_station.setdefault(station_id, []).append(course_id)


def _plant_assessments(
    *,
    plan: PlantPlan,
    employees: list[EmployeeRow],
    courses: dict[int, CourseInfo],
    today: datetime.date,
    seed: int,
) -> Iterator[str]:
    """COPY text chunks of one plant's assessments: exactly plan.assessment_total rows when dates allow."""
    history = AssessmentHistory(plan=plan, courses=courses, today=today, seed=seed)
    rng = history.rng
    by_role, by_station = plan.required_by_role, plan.required_by_station
    line_courses = {
        line_id: sorted({c for s in station_ids for c in by_station.get(s, [])})
        for line_id, station_ids in plan.stations_by_line.items()
    }
    pool = [c for c in plan.course_pool if c in courses]
    quotas = _split(plan.assessment_total, len(employees))
    # Vary the shares (senior staff hold more records) while keeping the plant's total.
    for i in range(0, len(quotas) - 1, 2):
        shift = rng.randint(0, quotas[i] // 2)
        quotas[i] -= shift
        quotas[i + 1] += shift
    carry = 0
    for employee, quota in zip(employees, quotas, strict=True):
        required = list(dict.fromkeys(plan.plant_wide + by_role.get(employee.role, [])))
        required += [c for c in by_station.get(employee.station_id, []) if c not in required]
        cross = [c for c in line_courses.get(employee.line_id, []) if c not in required]
        rng.shuffle(cross)
        program = [c for c in required + cross if c in courses]
        budget = quota + carry
        written = history.employee(employee, program, pool, budget)
        carry = budget - written
        if len(history.buffer) >= COPY_BATCH_ROWS:
            yield history.drain()
    # Whoever could not use their share (hired days ago) left it to the others: spend it on electives.
    for employee in employees:
        if carry <= 0:
            break
        carry -= history.employee(employee, [], pool, carry)
    yield history.drain()


# --- Bulk load helpers ------------------------------------------------------------------------


@contextmanager
def secondary_indexes_and_foreign_keys_dropped(table: str) -> Iterator[None]:
    """Drop a table's secondary indexes, unique and foreign-key constraints; rebuild them on exit.

    Only for use inside a transaction (DDL is transactional in PostgreSQL): if the
    load fails, the rollback puts every index and constraint back.
    """
    with connection.cursor() as cursor:
        # Run the checks deferred so far: ALTER TABLE refuses tables with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u')) ORDER BY indexname",
            [table, table],
        )
        indexes = cursor.fetchall()
        quoted = connection.ops.quote_name
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted(table)} DROP CONSTRAINT {quoted(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quoted(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


CERTIFICATIONS_FROM_ASSESSMENTS = """
INSERT INTO assessments_certification
    (employee_id, course_id, theory_passed_on, practical_passed_on, certified_on, expires_on, attempts,
     revoke_reason, updated_at)
SELECT employee_id, course_id, theory, practical,
       CASE WHEN complete THEN GREATEST(theory, practical) END,
       CASE WHEN complete AND validity_months IS NOT NULL
            THEN (LEAST(theory, practical) + make_interval(months => validity_months))::date END,
       attempts, '', now()
FROM (
    SELECT a.employee_id, a.course_id, c.validity_months,
           CASE WHEN c.needs_theory
                THEN max(a.assessed_on) FILTER (WHERE a.passed AND a.kind = 'theory') END AS theory,
           CASE WHEN c.needs_practical
                THEN max(a.assessed_on) FILTER (WHERE a.passed AND a.kind = 'practical') END AS practical,
           (NOT c.needs_theory OR bool_or(a.passed AND a.kind = 'theory'))
               AND (NOT c.needs_practical OR bool_or(a.passed AND a.kind = 'practical')) AS complete,
           count(*) AS attempts
    FROM assessments_assessment a
    JOIN courses_course c ON c.id = a.course_id
    WHERE a.voided_at IS NULL
    GROUP BY a.employee_id, a.course_id, c.needs_theory, c.needs_practical, c.validity_months
) per_pair
"""


def certifications_build() -> int:
    """Every Certification row from the assessments, set-based; the SQL twin of certifications_refresh().

    Same rule as validity.certification_state() with no revocations (a fresh dataset has none):
    latest passing, non-voided date per needed kind; certified on the latest of them;
    expires validity months after the earliest of them (PostgreSQL's date + interval
    clamps to the month's last day, like validity.add_months).
    """
    with connection.cursor() as cursor:
        cursor.execute(CERTIFICATIONS_FROM_ASSESSMENTS)
        return cursor.rowcount


def certification_mismatches(*, sample: int = 500, seed: int = 0) -> list[str]:
    """Compare a random sample of Certification rows with validity.certification_state(); [] when all agree."""
    ids = list(Certification.objects.order_by("id").values_list("id", flat=True))
    chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
    problems = []
    for certification in Certification.objects.filter(id__in=chosen).select_related("course"):
        rows = list(
            Assessment.objects.filter(
                employee_id=certification.employee_id, course_id=certification.course_id, voided_at__isnull=True
            ).values_list("kind", "assessed_on", "passed")
        )
        state = validity.certification_state(
            needed_kinds=certification.course.needed_kinds,
            validity_months=certification.course.validity_months,
            passes=[(kind, day) for kind, day, passed in rows if passed],
            revoked_on=certification.revoked_on,
        )
        expected = (
            state.latest_pass.get("theory"),
            state.latest_pass.get("practical"),
            state.certified_on,
            state.expires_on,
            len(rows),
        )
        actual = (
            certification.theory_passed_on,
            certification.practical_passed_on,
            certification.certified_on,
            certification.expires_on,
            certification.attempts,
        )
        if expected != actual:
            problems.append(f"certification {certification.id}: stored {actual}, validity.py says {expected}")
    return problems


# --- The whole run -------------------------------------------------------------------------------


def generate_scale_data(*, spec: ScaleSpec, progress: Progress = logger.info) -> ScaleResult:
    """Fill an empty PostgreSQL database; all or nothing. See the module docstring."""
    ensure_database_is_empty()
    result = ScaleResult(today=spec.today or default_today())
    today = result.today
    started = time.monotonic()

    def phase(name: str, since: float) -> float:
        now = time.monotonic()
        result.timings[name] = round(now - since, 2)
        return now

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Bulk-load settings for this transaction only.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
        mark = time.monotonic()
        rng = random.Random(f"{spec.seed}:catalog")
        plants = Plant.objects.bulk_create(
            [Plant(code=c, name=n, country=cc, time_zone=tz) for c, n, cc, tz in _plant_sites(spec.plants)]
        )
        courses = _create_courses(spec=spec, plants=plants, rng=rng)
        plans = _create_organisation(spec=spec, courses=courses, plants=plants, today=today)
        result.usernames = _create_users(plans=plans, password=spec.password)
        TrainerAuthorisation.objects.bulk_create(
            [
                TrainerAuthorisation(user_id=plan.trainer_id, course_id=course_id, plant=plan.plant)
                for plan in plans
                for course_id in plan.course_pool
                if course_id in courses
            ]
        )
        roles = dict(JobRole.objects.values_list("code", "id"))
        mark = phase("organisation", mark)
        progress(
            f"catalog and organisation: {len(plants)} plants, {len(courses)} active courses, "
            f"{ProductionLine.objects.count()} lines, {Station.objects.count()} stations, "
            f"{Requirement.objects.count()} requirements ({result.timings['organisation']:.1f} s)"
        )

        employees_by_plant: dict[int, list[EmployeeRow]] = {}
        copy_text: list[str] = []
        for plan in plans:
            _load_requirements(plan, roles)
            generated = list(_plant_employees(spec=spec, plan=plan, roles=roles, today=today))
            employees_by_plant[plan.index] = [row for row, _line in generated]
            copy_text += [line for _row, line in generated]
        with connection.cursor() as cursor:
            columns = (
                "id, employee_no, name, plant_id, line_id, station_id, role_id, shift, hire_date, status, "
                "created_at, updated_at"
            )
            with cursor.copy(f"COPY employees_employee ({columns}) FROM STDIN") as copy:
                copy.write("".join(copy_text))
        mark = phase("employees", mark)
        progress(f"employees: {spec.employees:,} ({result.timings['employees']:.1f} s)")

        total = 0
        with secondary_indexes_and_foreign_keys_dropped("assessments_assessment"):
            with connection.cursor() as cursor:
                sql = f"COPY assessments_assessment ({AssessmentHistory.COLUMNS}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for plan in plans:
                        plant_started = time.monotonic()
                        written = 0
                        for chunk in _plant_assessments(
                            plan=plan,
                            employees=employees_by_plant[plan.index],
                            courses=courses,
                            today=today,
                            seed=spec.seed,
                        ):
                            copy.write(chunk)
                            written += chunk.count("\n")
                        total += written
                        progress(
                            f"assessments: plant {plan.index + 1}/{len(plans)} {plan.plant.code}: {written:,} rows "
                            f"({time.monotonic() - plant_started:.1f} s, {total:,} so far)"
                        )
            mark = phase("assessments_copy", mark)
            progress(f"assessments copied: {total:,}; rebuilding indexes and foreign keys ...")
        mark = phase("assessments_indexes", mark)
        progress(f"assessment indexes and foreign keys rebuilt ({result.timings['assessments_indexes']:.1f} s)")

        with secondary_indexes_and_foreign_keys_dropped("assessments_certification"):
            certifications = certifications_build()
        mark = phase("certifications", mark)
        progress(f"certifications: {certifications:,} ({result.timings['certifications']:.1f} s)")

    # Outside the load transaction (VACUUM cannot run in one): statistics for the planner, and the
    # visibility map, without which every "index-only" scan of the new rows still reads the heap.
    # A caller's transaction (tests) leaves ANALYZE alone.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in (Employee, Assessment, Certification, Requirement, Station, ProductionLine, Course):
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    phase("vacuum_analyze", mark)
    result.timings["total"] = round(time.monotonic() - started, 2)
    result.counts = {
        "plants": len(plants),
        "courses": len(courses),
        "employees": spec.employees,
        "assessments": total,
        "certifications": certifications,
        "users": len(result.usernames),
    }
    progress(f"done in {result.timings['total']:.1f} s: {result.counts}")
    return result
