"""The scale dataset's organisation: plants, catalog, lines, stations, requirements, users and employees.

Part of the scale-data generator (devdata/scale/generate.py has the overview); every
plant draws from its own random.Random, so the same seed gives the same rows.
"""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from assessments.models import Assessment
from courses.models import Course, DeliveryMode, ProcessArea, Requirement, RequirementScope
from courses.services import catalog_load
from devdata.history import CourseInfo, course_infos
from employees.models import Employee, Plant, PlantMembership, PlantRole, ProductionLine, Station

HISTORY_DAYS = 3 * 365
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
    return course_infos()


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
                        # The old line-wide targets (none = shifts, 2, 4) per shift: ceil(target / shifts).
                        per_shift_target=math.ceil(
                            rng.choice((line.shifts, line.shifts, line.shifts, 2, 4)) / line.shifts
                        ),
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


def _plant_employees(*, spec: ScaleSpec, plan: PlantPlan, roles: dict[str, int], today: datetime.date):
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
