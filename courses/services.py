"""Writes of the catalog: the company catalog file, courses and requirements."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.hooks import certifications_refresh_for_courses, readiness_mark
from certtrack.upsert import UpsertCounts, row_upsert
from courses.models import (
    Checklist,
    ChecklistItem,
    Course,
    DeliveryMode,
    ProcessArea,
    Requirement,
    RequirementScope,
    translated_fields,
)
from courses.selectors import employees_affected_by_courses, employees_affected_by_requirements
from employees.models import JobRole, Plant, Station

CATALOG_PATH = Path(__file__).resolve().parent / "catalog" / "catalog.toml"

# Fields whose change alters who is certified: the affected certifications are recomputed.
VALIDITY_FIELDS = ("needs_theory", "needs_practical", "validity_months")
# Fields whose change alters required sets (inactive courses are required of nobody).
REQUIREMENT_FIELDS = ("is_active",)


@dataclass
class CatalogLoadResult:
    areas: UpsertCounts = field(default_factory=UpsertCounts)
    roles: UpsertCounts = field(default_factory=UpsertCounts)
    courses: UpsertCounts = field(default_factory=UpsertCounts)
    requirements_created: int = 0
    checklists_published: int = 0
    recomputed_course_ids: set[int] = field(default_factory=set)


# A planned session's default seats when the catalog gives no class_size: a classroom holds more people
# than a simulator bay, and a trainer on the line signs off a few at a time.
CLASS_SIZE_BY_MODE = {
    DeliveryMode.CLASSROOM: 16,
    DeliveryMode.ELEARNING: 30,
    DeliveryMode.VIRTUAL: 6,
    DeliveryMode.ON_THE_JOB: 4,
}


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
    mode = entry.get("delivery_mode", DeliveryMode.CLASSROOM)
    extra = {}
    if "class_size" in entry:
        extra["class_size"] = int(entry["class_size"])
        if not 1 <= extra["class_size"] <= 200:
            raise ValidationError(f"{entry.get('code')}: class size must be 1-200")
    return {
        "title": entry["title"],
        **{field: entry.get(field, "") for field in translated_fields("title")},
        "description": entry.get("description", ""),
        "process_area": areas[entry["area"]],
        "version": str(entry.get("version", "1.0")),
        "delivery_mode": mode,
        **extra,
        "duration_hours": Decimal(str(entry.get("duration_hours", 1))).quantize(Decimal("0.1")),
        "needs_theory": "theory" in needs,
        "needs_practical": "practical" in needs,
        "pass_mark": pass_mark,
        "validity_months": entry.get("validity_months"),
        "safety_critical": bool(entry.get("safety_critical", False)),
        "uses_levels": bool(entry.get("uses_levels", False)),
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
            {
                "name": entry["name"],
                **{field: entry.get(field, "") for field in translated_fields("name")},
                "position": entry.get("position", 0),
            },
            result.areas,
        )
        areas[area.code] = area

    # Through the services the admin uses: the same recompute and the same readiness marks.
    courses, changed_by_code = courses_upsert(
        values_by_code={
            entry["code"]: course_values(
                # The catalog file sizes every class (by delivery mode when it says nothing); a spreadsheet
                # without the column leaves the class size as it is.
                {"class_size": CLASS_SIZE_BY_MODE[entry.get("delivery_mode", DeliveryMode.CLASSROOM)]} | entry,
                areas=areas,
            )
            for entry in data["courses"]
        },
        counts=result.courses,
    )
    result.recomputed_course_ids = {
        courses[code].pk for code, changed in changed_by_code.items() if changed & set(VALIDITY_FIELDS)
    }

    wanted_links = set()
    for entry in data["courses"]:
        for prerequisite in entry.get("prerequisites", []):
            if prerequisite not in courses:
                raise ValidationError(f"{entry['code']}: unknown prerequisite {prerequisite}")
            wanted_links.add((courses[entry["code"]].id, courses[prerequisite].id))
    course_prerequisites_sync(course_ids={c.id for c in courses.values()}, wanted_links=wanted_links)

    existing = set(
        Requirement.objects.filter(scope=RequirementScope.ROLE, plant=None).values_list("role_id", "course_id")
    )
    new_requirements = []
    for entry in data.get("job_roles", []):
        role, _changed = row_upsert(
            JobRole, {"code": entry["code"]}, {"name": entry["name"], "name_zh": entry.get("name_zh", "")}, result.roles
        )
        for code in entry.get("courses", []):
            if (role.pk, courses[code].pk) not in existing:
                existing.add((role.pk, courses[code].pk))
                new_requirements.append(Requirement(scope=RequirementScope.ROLE, role=role, course=courses[code]))
    requirements_save(requirements=new_requirements)
    result.requirements_created = len(new_requirements)
    result.checklists_published = checklists_load(entries=data.get("checklists", []), courses=courses)
    return result


def checklists_load(*, entries: Iterable[dict], courses: dict[str, Course]) -> int:
    """Publish the catalog file's practical checklists through checklist_publish: a course's next revision
    only when its items or threshold differ from its current one (loading twice publishes nothing).
    Returns the number of revisions published."""
    published = 0
    for entry in entries:
        course = courses.get(entry.get("course", ""))
        if course is None:
            raise ValidationError(f"checklist of unknown course {entry.get('course')!r}")
        items = [
            ChecklistItemInput(text=i["text"], text_zh=i.get("text_zh", ""), critical=bool(i.get("critical", False)))
            for i in entry.get("items", [])
        ]
        threshold = int(entry.get("threshold", 100))
        current = checklist_current(course=course)
        if current is not None and current.threshold_pct == threshold:
            current_items = [
                ChecklistItemInput(text=i.text, text_zh=i.text_zh, critical=i.critical) for i in current.items.all()
            ]
            if current_items == items:
                continue
        checklist_publish(course=course, items=items, threshold_pct=threshold)
        published += 1
    return published


# --- Requirements and course changes: mark everyone whose readiness they change ------------
#
# The admin (one object), the catalog file and the Excel catalog import (many) all write here, so a
# change marks the same employees whichever way it came: courses.selectors.employees_affected_by_*.


def _readiness_mark_requirements(*, requirements: Iterable[Requirement], reason: str) -> None:
    requirements = list(requirements)
    if requirements:
        readiness_mark(
            employees=employees_affected_by_requirements(requirements=requirements).only("id", "plant_id"),
            reason=reason,
        )


@transaction.atomic
def requirements_save(*, requirements: Sequence[Requirement]) -> list[Requirement]:
    """Create or change requirements; the employees of their old and new targets are marked for the roll-up
    (one outbox write for all of them). Each is validated as the admin form validates it."""
    requirements = list(requirements)
    if not requirements:
        return []
    for requirement in requirements:
        requirement.full_clean()
    previous = list(Requirement.objects.filter(pk__in=[r.pk for r in requirements if r.pk]))
    for requirement in requirements:
        requirement.save()
    _readiness_mark_requirements(requirements=[*previous, *requirements], reason="requirement-changed")
    return requirements


def requirement_save(*, requirement: Requirement) -> Requirement:
    """Create or change a requirement (the admin); see requirements_save."""
    return requirements_save(requirements=[requirement])[0]


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
    _readiness_mark_requirements(requirements=[requirement], reason="requirement-removed")
    requirement.delete()


@transaction.atomic
def courses_save(*, changes: Sequence[tuple[Course, Iterable[str]]]) -> None:
    """Save courses with the names of the fields that changed (none for a new course). A change of
    validity or needed kinds recomputes their certifications; a change of validity or of the active
    flag marks everyone whose readiness it changes. One recompute and one outbox write for all."""
    changes = [(course, set(changed_fields)) for course, changed_fields in changes]
    for course, _changed in changes:
        course.save()
    recompute = {course.pk for course, changed in changes if changed & set(VALIDITY_FIELDS)}
    if recompute:
        certifications_refresh_for_courses(course_ids=recompute)
    marked = {course.pk for course, changed in changes if changed & set(VALIDITY_FIELDS + REQUIREMENT_FIELDS)}
    if marked:
        readiness_mark(
            employees=employees_affected_by_courses(course_ids=marked).only("id", "plant_id"), reason="course"
        )


def course_save(*, course: Course, changed_fields: Iterable[str]) -> Course:
    """Save a course (the admin); see courses_save."""
    courses_save(changes=[(course, changed_fields)])
    return course


def courses_upsert(
    *, values_by_code: dict[str, dict], counts: UpsertCounts
) -> tuple[dict[str, Course], dict[str, set[str]]]:
    """Create or update courses by code from model field values (course_values), through courses_save.

    The catalog file and the Excel import write courses here. Returns every course by code, and
    the fields each update changed by code.
    """
    courses = Course.objects.in_bulk(list(values_by_code), field_name="code")
    changes: list[tuple[Course, set[str]]] = []
    changed_by_code: dict[str, set[str]] = {}
    for code, values in values_by_code.items():
        course = courses.get(code)
        if course is None:
            course = courses[code] = Course(code=code, **values)
            changes.append((course, set()))
            counts.created += 1
            continue
        changed = changed_by_code[code] = {name for name, value in values.items() if getattr(course, name) != value}
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(course, name, values[name])
        changes.append((course, changed))
        counts.updated += 1
    courses_save(changes=changes)
    return courses, changed_by_code


# --- Practical checklists --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItemInput:
    text: str
    text_zh: str = ""
    critical: bool = False


def checklist_current(*, course: Course) -> Checklist | None:
    """The revision new results use: the course's highest."""
    return course.checklists.order_by("-revision").prefetch_related("items").first()


def checklist_in_use(*, checklist: Checklist) -> bool:
    """A revision some result was marked against is frozen (its marks refer to its items by position)."""
    return checklist.assessments.exists()


@transaction.atomic
def checklist_publish(
    *, course: Course, items: Sequence[ChecklistItemInput], threshold_pct: int = 100, revision: int | None = None
) -> Checklist:
    """Publish the next revision of a course's practical checklist (the admin, the catalog import).

    Stored results keep the revision and marks they were recorded with; only new results use this one. A
    `revision` lower than or equal to the latest one is refused (revisions only go forward).
    """
    if not course.needs_practical:
        raise ValidationError(_("%(course)s has no practical evaluation to check.") % {"course": course.code})
    if not items:
        raise ValidationError(_("A checklist needs at least one item."))
    if not 0 <= threshold_pct <= 100:
        raise ValidationError(_("The pass threshold is a percentage from 0 to 100."))
    latest = Checklist.objects.select_for_update().filter(course=course).order_by("-revision").first()
    next_revision = (latest.revision + 1) if latest else 1
    if revision is not None and revision < next_revision:
        raise ValidationError(
            _("%(course)s already has revision %(latest)s; a new revision must be higher.")
            % {"course": course.code, "latest": latest.revision if latest else 0}
        )
    checklist = Checklist.objects.create(course=course, revision=revision or next_revision, threshold_pct=threshold_pct)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=checklist, position=n, text=i.text, text_zh=i.text_zh, critical=i.critical)
        for n, i in enumerate(items, start=1)
    )
    return checklist
