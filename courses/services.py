"""Writes of the catalog: the company catalog file, courses and requirements."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from courses.models import Course, DeliveryMode, ProcessArea, Requirement, RequirementScope
from employees.models import JobRole

CATALOG_PATH = Path(__file__).resolve().parent / "catalog" / "catalog.toml"

# Fields whose change alters who is certified: the affected certifications are recomputed.
VALIDITY_FIELDS = ("needs_theory", "needs_practical", "validity_months")


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class CatalogLoadResult:
    areas: UpsertCounts = field(default_factory=UpsertCounts)
    roles: UpsertCounts = field(default_factory=UpsertCounts)
    courses: UpsertCounts = field(default_factory=UpsertCounts)
    requirements_created: int = 0
    recomputed_course_ids: set[int] = field(default_factory=set)


def _upsert(model: type, lookup: dict, values: dict, counts: UpsertCounts) -> tuple[object, set[str]]:
    """Create or update one row; returns it with the names of the fields an update changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        counts.created += 1
        return obj, set()
    changed = {name for name, value in values.items() if getattr(obj, name) != value}
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=[*changed, *(["updated_at"] if hasattr(obj, "updated_at") else [])])
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj, changed


def course_values(entry: dict, *, areas: dict[str, ProcessArea]) -> dict:
    """Model field values of a course from a catalog entry (file or import row), validated."""
    needs = set(entry.get("needs") or [])
    if not needs or not needs <= {"theory", "practical"}:
        raise ValidationError(f"{entry.get('code')}: needs must be theory and/or practical")
    if entry.get("delivery_mode", "classroom") not in DeliveryMode.values:
        raise ValidationError(f"{entry.get('code')}: unknown delivery mode {entry.get('delivery_mode')!r}")
    if entry["area"] not in areas:
        raise ValidationError(f"{entry.get('code')}: unknown process area {entry['area']!r}")
    pass_mark = int(entry.get("pass_mark", 80))
    if not 0 <= pass_mark <= 100:
        raise ValidationError(f"{entry.get('code')}: pass mark must be 0-100")
    return {
        "title": entry["title"],
        "title_zh": entry.get("title_zh", ""),
        "description": entry.get("description", ""),
        "process_area": areas[entry["area"]],
        "version": str(entry.get("version", "1.0")),
        "delivery_mode": entry.get("delivery_mode", DeliveryMode.CLASSROOM),
        "duration_hours": Decimal(str(entry.get("duration_hours", 1))).quantize(Decimal("0.1")),
        "needs_theory": "theory" in needs,
        "needs_practical": "practical" in needs,
        "pass_mark": pass_mark,
        "validity_months": entry.get("validity_months"),
        "safety_critical": bool(entry.get("safety_critical", False)),
        "is_active": bool(entry.get("active", True)),
    }


@transaction.atomic
def catalog_load(*, path: Path = CATALOG_PATH) -> CatalogLoadResult:
    """Load the company catalog file idempotently: loading it twice changes nothing.

    Courses are company templates (no owner plant). Role requirements in the file
    are company-wide. Nothing is deleted: a course dropped from the file stays.
    """
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    result = CatalogLoadResult()
    areas = {}
    for entry in data["process_areas"]:
        area, _changed = _upsert(
            ProcessArea,
            {"code": entry["code"]},
            {"name": entry["name"], "name_zh": entry.get("name_zh", ""), "position": entry.get("position", 0)},
            result.areas,
        )
        areas[area.code] = area

    courses: dict[str, Course] = {}
    for entry in data["courses"]:
        course, changed = _upsert(Course, {"code": entry["code"]}, course_values(entry, areas=areas), result.courses)
        courses[course.code] = course
        if changed & set(VALIDITY_FIELDS):
            result.recomputed_course_ids.add(course.pk)

    through = Course.prerequisites.through
    existing_links = set(through.objects.values_list("from_course_id", "to_course_id"))
    wanted_links = set()
    for entry in data["courses"]:
        for prerequisite in entry.get("prerequisites", []):
            if prerequisite not in courses:
                raise ValidationError(f"{entry['code']}: unknown prerequisite {prerequisite}")
            wanted_links.add((courses[entry["code"]].id, courses[prerequisite].id))
    file_course_ids = {c.id for c in courses.values()}
    through.objects.bulk_create([through(from_course_id=a, to_course_id=b) for a, b in wanted_links - existing_links])
    stale = {(a, b) for a, b in existing_links - wanted_links if a in file_course_ids}
    for from_id, to_id in stale:
        through.objects.filter(from_course_id=from_id, to_course_id=to_id).delete()

    for entry in data.get("job_roles", []):
        role, _changed = _upsert(
            JobRole, {"code": entry["code"]}, {"name": entry["name"], "name_zh": entry.get("name_zh", "")}, result.roles
        )
        for code in entry.get("courses", []):
            _requirement, created = Requirement.objects.get_or_create(
                scope=RequirementScope.ROLE, role=role, plant=None, course=courses[code]
            )
            result.requirements_created += int(created)

    if result.recomputed_course_ids:
        from assessments.services import certifications_refresh_for_courses

        certifications_refresh_for_courses(course_ids=result.recomputed_course_ids)
    return result
