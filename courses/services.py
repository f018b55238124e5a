"""Writes of the catalog: the company catalog file, courses and requirements."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from courses.models import Course, DeliveryMode, ProcessArea, Requirement, RequirementScope
from employees.models import JobRole, Plant, Station

CATALOG_PATH = Path(__file__).resolve().parent / "catalog" / "catalog.toml"

# Fields whose change alters who is certified: the affected certifications are recomputed.
VALIDITY_FIELDS = ("needs_theory", "needs_practical", "validity_months")
# Fields whose change alters required sets (inactive courses are required of nobody).
REQUIREMENT_FIELDS = ("is_active",)


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


def row_upsert(model: type, lookup: dict, values: dict, counts: UpsertCounts) -> tuple[object, set[str]]:
    """Create or update one row; returns it with the names of the fields an update changed.

    Shared by the catalog file and the Excel imports (organisation, catalog).
    """
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


def course_prerequisites_sync(*, course_ids: set[int], wanted_links: set[tuple[int, int]]) -> int:
    """Make the prerequisites of `course_ids` exactly `wanted_links` ((course, prerequisite) pairs).

    Courses outside course_ids keep theirs: a file describes only the courses it lists.
    Returns the number of links added or removed.
    """
    through = Course.prerequisites.through
    existing_links = set(
        through.objects.filter(from_course_id__in=course_ids).values_list("from_course_id", "to_course_id")
    )
    through.objects.bulk_create([through(from_course_id=a, to_course_id=b) for a, b in wanted_links - existing_links])
    stale = existing_links - wanted_links
    for from_id, to_id in stale:
        through.objects.filter(from_course_id=from_id, to_course_id=to_id).delete()
    return len(wanted_links - existing_links) + len(stale)


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
        area, _changed = row_upsert(
            ProcessArea,
            {"code": entry["code"]},
            {"name": entry["name"], "name_zh": entry.get("name_zh", ""), "position": entry.get("position", 0)},
            result.areas,
        )
        areas[area.code] = area

    courses: dict[str, Course] = {}
    for entry in data["courses"]:
        course, changed = row_upsert(Course, {"code": entry["code"]}, course_values(entry, areas=areas), result.courses)
        courses[course.code] = course
        if changed & set(VALIDITY_FIELDS):
            result.recomputed_course_ids.add(course.pk)
        if changed & set(REQUIREMENT_FIELDS):
            _readiness_mark_course_requirements(course_id=course.pk)

    wanted_links = set()
    for entry in data["courses"]:
        for prerequisite in entry.get("prerequisites", []):
            if prerequisite not in courses:
                raise ValidationError(f"{entry['code']}: unknown prerequisite {prerequisite}")
            wanted_links.add((courses[entry["code"]].id, courses[prerequisite].id))
    course_prerequisites_sync(course_ids={c.id for c in courses.values()}, wanted_links=wanted_links)

    for entry in data.get("job_roles", []):
        role, _changed = row_upsert(
            JobRole, {"code": entry["code"]}, {"name": entry["name"], "name_zh": entry.get("name_zh", "")}, result.roles
        )
        for code in entry.get("courses", []):
            requirement, created = Requirement.objects.get_or_create(
                scope=RequirementScope.ROLE, role=role, plant=None, course=courses[code]
            )
            result.requirements_created += int(created)
            if created:
                _readiness_mark_requirement(requirement=requirement, reason="requirement-added")

    if result.recomputed_course_ids:
        from assessments.services import certifications_refresh_for_courses

        certifications_refresh_for_courses(course_ids=result.recomputed_course_ids)
    return result


# --- Requirements and course changes: mark everyone whose readiness they change ------------


def _readiness_mark_requirement(*, requirement: Requirement, reason: str) -> None:
    from assessments.services import readiness_mark
    from courses.selectors import employees_affected_by_requirement

    readiness_mark(
        employees=employees_affected_by_requirement(requirement=requirement).only("id", "plant_id"), reason=reason
    )


def _readiness_mark_course_requirements(*, course_id: int) -> None:
    from assessments.services import readiness_mark
    from courses.selectors import employees_affected_by_course

    readiness_mark(employees=employees_affected_by_course(course_id=course_id).only("id", "plant_id"), reason="course")


@transaction.atomic
def requirement_save(*, requirement: Requirement) -> Requirement:
    """Create or change a requirement; the employees of its old and new target are marked for the roll-up."""
    requirement.full_clean()
    previous = Requirement.objects.filter(pk=requirement.pk).first() if requirement.pk else None
    requirement.save()
    if previous is not None:
        _readiness_mark_requirement(requirement=previous, reason="requirement-changed")
    _readiness_mark_requirement(requirement=requirement, reason="requirement-changed")
    return requirement


def requirement_create(
    *,
    course: Course,
    scope: str,
    plant: Plant | None = None,
    role: JobRole | None = None,
    station: Station | None = None,
) -> Requirement:
    return requirement_save(
        requirement=Requirement(course=course, scope=scope, plant=plant, role=role, station=station)
    )


@transaction.atomic
def requirement_delete(*, requirement: Requirement) -> None:
    _readiness_mark_requirement(requirement=requirement, reason="requirement-removed")
    requirement.delete()


@transaction.atomic
def course_save(*, course: Course, changed_fields: Iterable[str]) -> Course:
    """Save a course (admin); a change of validity or needed kinds recomputes its certifications, and
    a change of validity or of its active flag marks everyone whose readiness it changes."""
    changed = set(changed_fields)
    course.save()
    if changed & set(VALIDITY_FIELDS):
        from assessments.services import certifications_refresh_for_courses

        certifications_refresh_for_courses(course_ids=[course.pk])
    if changed & set(VALIDITY_FIELDS + REQUIREMENT_FIELDS):
        _readiness_mark_course_requirements(course_id=course.pk)
    return course
