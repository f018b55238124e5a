"""Excel import of the course catalog: courses with prerequisites, and requirements.

Rows become catalog entries for courses.services.course_values (the same
validation as the catalog file) and are written through the services the admin
and the catalog file use (courses_upsert -> courses_save, requirements_save,
course_prerequisites_sync), so a change marks the same employees for the
readiness roll-up whichever way it came.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy

from certtrack.translatable import gettext as _
from certtrack.upsert import UpsertCounts
from courses.models import (
    Checklist,
    Course,
    DeliveryMode,
    Level,
    ProcessArea,
    Requirement,
    RequirementScope,
    translated_fields,
)
from courses.services import (
    ChecklistItemInput,
    checklist_publish,
    course_prerequisites_sync,
    course_values,
    courses_upsert,
    requirements_save,
)
from employees.access import is_admin
from employees.models import JobRole, Plant, ProductionLine, Station
from spreadsheets.engine import (
    Column,
    Importer,
    ParsedRow,
    Preview,
    PreviewRow,
    SheetSpec,
    User,
    WorkbookReader,
    changes_between,
    unused_code,
)
from spreadsheets.importers.employees import role_from
from spreadsheets.importers.plants import example_station

# The templates' example course: made up, so that copying it never overwrites a real course (see unused_code).
EXAMPLE_COURSE = "EXAMPLE-001"

COURSE_SHEET = SheetSpec(
    name="Courses",
    columns=(
        Column(
            "code",
            "code",
            required=True,
            max_length=24,
            example=EXAMPLE_COURSE,
            help=gettext_lazy("Course code, e.g. BAT-PACK-014."),
        ),
        Column(
            "title",
            "text",
            required=True,
            max_length=200,
            example="Example course",
            help=gettext_lazy("Title (English)."),
        ),
        Column(
            "title_zh",
            "text",
            max_length=200,
            example="示例课程",
            help=gettext_lazy("Title (Chinese); may be empty."),
        ),
        Column(
            "title_de",
            "text",
            max_length=200,
            example="Beispielkurs",
            help=gettext_lazy("Title (German); may be empty."),
        ),
        Column(
            "title_hu",
            "text",
            max_length=200,
            example="Példa tanfolyam",
            help=gettext_lazy("Title (Hungarian); may be empty."),
        ),
        Column(
            "title_es",
            "text",
            max_length=200,
            example="Curso de ejemplo",
            help=gettext_lazy("Title (Spanish); may be empty."),
        ),
        Column(
            "process_area",
            "code",
            required=True,
            aliases=("area",),
            help=gettext_lazy("Process area code (e.g. HV, PACK); it must exist."),
        ),
        Column(
            "version", "version", max_length=16, example="1.0", help=gettext_lazy("Version, e.g. 1.0; empty = 1.0.")
        ),
        Column(
            "delivery_mode",
            "code",
            choices=tuple(DeliveryMode.values),
            example=DeliveryMode.ON_THE_JOB.value,
            help=gettext_lazy("classroom, virtual, on_the_job or elearning; empty = classroom."),
        ),
        Column(
            "duration_hours",
            "decimal",
            min_value=0,
            max_value=9999,
            example=2,
            help=gettext_lazy("Duration in hours; empty = 1."),
        ),
        Column(
            "needs",
            "text",
            required=True,
            choices=("theory", "practical", "theory;practical"),
            example="theory;practical",
            help=gettext_lazy("Assessments needed: theory, practical, or theory;practical."),
        ),
        Column(
            "pass_mark",
            "int",
            min_value=0,
            max_value=100,
            example=80,
            help=gettext_lazy("Theory pass mark 0-100; empty = 80."),
        ),
        Column(
            "validity_months",
            "int",
            min_value=1,
            max_value=600,
            example=24,
            help=gettext_lazy("Months a certification stays valid; empty = never expires."),
        ),
        Column("safety_critical", "bool", example="yes", help=gettext_lazy("yes / no; empty = no.")),
        Column(
            "uses_levels",
            "bool",
            example="yes",
            help=gettext_lazy(
                "yes: practical passes record L, U or O; no: every practical pass is U. "
                "Empty = no for a new course; an existing course keeps its setting."
            ),
        ),
        Column(
            "prerequisites",
            "text",
            help=gettext_lazy("Course codes that must be valid first, separated by ';'. Replaces the course's list."),
        ),
        Column(
            "owner_plant",
            "code",
            example="",
            help=gettext_lazy("Plant code for a plant's own course; empty = a company-wide template."),
        ),
        Column("active", "bool", example="yes", help=gettext_lazy("yes / no; empty = yes.")),
        Column("description", "text", max_length=4000, help=gettext_lazy("Description; may be empty.")),
    ),
    key=("code",),
)

REQUIREMENT_SHEET = SheetSpec(
    name="Requirements",
    required=False,
    fallback_first=False,
    columns=(
        Column(
            "course_code",
            "code",
            required=True,
            aliases=("course",),
            example=EXAMPLE_COURSE,
            help=gettext_lazy("Course code."),
        ),
        Column(
            "scope",
            "code",
            required=True,
            choices=("plant", "role", "station"),
            example="station",
            help=gettext_lazy("plant, role or station."),
        ),
        Column(
            "plant",
            "code",
            help=gettext_lazy("Plant code: required for plant and station scope; optional for role (role at a plant)."),
        ),
        Column("role", "text", example="", help=gettext_lazy("Job role code or name (role scope).")),
        Column("line", "code", example="PACK1", help=gettext_lazy("Line code of the station (station scope).")),
        Column(
            "station",
            "code",
            example="S010",
            help=gettext_lazy("Station code (station scope); LINE/STATION also accepted."),
        ),
        Column(
            "min_level",
            "code",
            choices=tuple(Level.values),
            example=Level.U.value,
            help=gettext_lazy("The lowest level that meets the requirement: L, U or O; empty = U."),
        ),
    ),
    key=("course_code", "scope", "plant", "role", "line", "station"),
)

CHECKLIST_SHEET = SheetSpec(
    name="Checklists",
    required=False,
    fallback_first=False,
    columns=(
        Column(
            "course_code",
            "code",
            required=True,
            aliases=("course",),
            example=EXAMPLE_COURSE,
            help=gettext_lazy("Course code (a course with a practical evaluation)."),
        ),
        Column(
            "revision",
            "int",
            required=True,
            min_value=1,
            max_value=32767,
            example=1,
            help=gettext_lazy(
                "Checklist revision. Items that differ from the course's current revision publish this one: "
                "it must be higher than the current one. Items equal to the current ones change nothing."
            ),
        ),
        Column(
            "item",
            "int",
            required=True,
            min_value=1,
            max_value=500,
            example=1,
            help=gettext_lazy("Item number, 1, 2, 3 ... (one row per item, none left out)."),
        ),
        Column(
            "text",
            "text",
            required=True,
            max_length=300,
            example="HV connector locked and verified",
            help=gettext_lazy("What the assessor checks (English)."),
        ),
        Column(
            "text_zh",
            "text",
            max_length=300,
            example="高压连接器已锁紧并确认",
            help=gettext_lazy("What the assessor checks (Chinese); may be empty."),
        ),
        Column(
            "critical",
            "bool",
            example="yes",
            help=gettext_lazy("yes: one critical item not OK fails the practical; empty = no."),
        ),
        Column(
            "threshold",
            "int",
            min_value=0,
            max_value=100,
            example=100,
            help=gettext_lazy(
                "Share (%) of the non-critical items that must be OK to pass; empty = 100. "
                "The same on every row of a revision."
            ),
        ),
    ),
    key=("course_code", "revision", "item"),
)

SCOPE_WORDS = {
    "plant": RequirementScope.PLANT,
    "plant-wide": RequirementScope.PLANT,
    "plant_wide": RequirementScope.PLANT,
    "role": RequirementScope.ROLE,
    "job role": RequirementScope.ROLE,
    "job_role": RequirementScope.ROLE,
    "station": RequirementScope.STATION,
}
NEEDS_WORDS = {"both": ["theory", "practical"], "theory+practical": ["theory", "practical"]}


def _needs(text: str) -> list[str]:
    text = text.strip().lower()
    if text in NEEDS_WORDS:
        return NEEDS_WORDS[text]
    return [part.strip() for part in text.replace(",", ";").replace("+", ";").split(";") if part.strip()]


def _codes(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(",", ";").split(";") if part.strip()]


class CatalogImporter(Importer):
    """Courses are created or updated (never deleted); requirements are added (existing ones stay)."""

    kind = "catalog"
    title = gettext_lazy("Course catalog and requirements")
    sheets = (COURSE_SHEET, REQUIREMENT_SHEET, CHECKLIST_SHEET)
    uses_plant = False

    @classmethod
    def allowed(cls, *, user: User) -> bool:
        return user is None or is_admin(user)

    @classmethod
    def plants(cls, *, user: User) -> QuerySet[Plant]:
        return Plant.objects.filter(is_active=True) if cls.allowed(user=user) else Plant.objects.none()

    @classmethod
    def template_choices(cls, *, user: User) -> dict[str, list[str]]:
        plants = list(cls.plants(user=user).order_by("code").values_list("code", flat=True))
        return {
            "process_area": list(ProcessArea.objects.values_list("code", flat=True)),
            "owner_plant": plants,
            "plant": plants,
            "role": list(JobRole.objects.order_by("code").values_list("code", flat=True)),
        }

    @classmethod
    def template_examples(cls, *, user: User, plant: Plant) -> dict[tuple[str, str], object]:
        # A new course (a real code would be overwritten) required at the plant's first real station.
        code = unused_code(
            EXAMPLE_COURSE, Course.objects.filter(code__startswith=EXAMPLE_COURSE).values_list("code", flat=True)
        )
        station = example_station(plant=plant)
        examples: dict[tuple[str, str], object] = {
            (COURSE_SHEET.name, "code"): code,
            (REQUIREMENT_SHEET.name, "course_code"): code,
            (REQUIREMENT_SHEET.name, "plant"): plant.code,
        }
        if station is not None:
            examples |= {
                (REQUIREMENT_SHEET.name, "line"): station.line.code,
                (REQUIREMENT_SHEET.name, "station"): station.code,
            }
        else:
            examples |= {
                (REQUIREMENT_SHEET.name, "scope"): RequirementScope.PLANT.value,
                (REQUIREMENT_SHEET.name, "line"): "",
                (REQUIREMENT_SHEET.name, "station"): "",
            }
        return examples

    def plan(self, reader: WorkbookReader, *, user: User, plant: Plant | None, preview: Preview) -> Callable[[], None]:
        # Every row, also one with a bad cell: each of its other cells is still checked and reported.
        course_rows = reader.read(COURSE_SHEET, preview)
        requirement_rows = reader.read(REQUIREMENT_SHEET, preview)
        checklist_rows = reader.read(CHECKLIST_SHEET, preview)
        if not self.allowed(user=user):
            preview.error("", 0, "", _("Only a company-wide administrator may import the catalog."))
            return lambda: None
        areas = {a.code: a for a in ProcessArea.objects.all()}
        plants = {p.code: p for p in Plant.objects.all()}
        existing = {c.code: c for c in Course.objects.select_related("process_area", "owner_plant")}
        existing_prereqs: dict[str, set[str]] = {}
        for from_code, to_code in Course.prerequisites.through.objects.values_list(
            "from_course__code", "to_course__code"
        ):
            existing_prereqs.setdefault(from_code, set()).add(to_code)

        planned: list[tuple[ParsedRow, dict, list[str]]] = []
        for row in course_rows:
            values = self._course_values(row, areas, plants, preview)
            if values is not None:
                planned.append((row, values, _codes(row.values.get("prerequisites", ""))))
        # Codes of every course row (a bad row's too: its code is not also reported unknown where it is named).
        file_codes = {row.values["code"] for row in course_rows if row.values.get("code")}
        known_codes = file_codes | set(existing)
        graph = {code: set(prereqs) for code, prereqs in existing_prereqs.items() if code not in file_codes}
        for row in course_rows:
            prereqs = _codes(row.values.get("prerequisites", ""))
            unknown = [p for p in prereqs if p not in known_codes]
            if unknown:
                preview.error(
                    row.sheet,
                    row.row,
                    "prerequisites",
                    _("Unknown course(s): %(codes)s.") % {"codes": ", ".join(unknown)},
                )
            if row.values.get("code"):
                graph[row.values["code"]] = set(prereqs)
        cyclic = _codes_in_cycles(graph)
        for row in course_rows:
            if row.values.get("code") in cyclic:
                preview.error(
                    row.sheet,
                    row.row,
                    "prerequisites",
                    _("The prerequisites go round in a circle back to this course."),
                )

        for row, values, prereqs in planned:
            code = row.values["code"]
            label = f"{code} {values['title']}"
            course = existing.get(code)
            if course is None:
                preview.created.append(PreviewRow(row.sheet, row.row, label))
                continue
            changes = changes_between(course, values)
            if set(prereqs) != existing_prereqs.get(code, set()):
                changes["prerequisites"] = ["; ".join(sorted(existing_prereqs.get(code, ()))), "; ".join(prereqs)]
            (preview.updated if changes else preview.unchanged).append(PreviewRow(row.sheet, row.row, label, changes))

        new_requirements = self._plan_requirements(requirement_rows, known_codes, plants, preview)
        practical = {code: c.needs_practical for code, c in existing.items()}
        practical |= {row.values["code"]: values["needs_practical"] for row, values, _p in planned}
        new_checklists = _plan_checklists(checklist_rows, practical, preview)

        def apply() -> None:
            # Through the services the admin uses (courses/services.py): the same certification recompute
            # and the same readiness marks for every change, batched into one outbox write each.
            courses, _changed = courses_upsert(
                values_by_code={row.values["code"]: values for row, values, _prereqs in planned}, counts=UpsertCounts()
            )
            courses = {**existing, **courses}
            course_prerequisites_sync(
                course_ids={courses[row.values["code"]].id for row, _v, _p in planned},
                wanted_links={
                    (courses[row.values["code"]].id, courses[p].id) for row, _v, prereqs in planned for p in prereqs
                },
            )
            saved = []
            for code, fields in new_requirements:
                requirement = fields.pop("existing", None) or Requirement(course=courses[code])
                for name, value in fields.items():
                    setattr(requirement, name, value)
                saved.append(requirement)
            requirements_save(requirements=saved)
            # Through the service the admin uses: each publishes the course's next revision; stored results keep
            # theirs.
            for code, revision, threshold, items in new_checklists:
                checklist_publish(course=courses[code], items=items, threshold_pct=threshold, revision=revision)

        return apply

    @staticmethod
    def _course_values(row: ParsedRow, areas: dict, plants: dict, preview: Preview) -> dict | None:
        """The course's field values; None when a cell is bad (each one is reported, with its column)."""
        v, sheet = row.values, row.sheet
        errors_before = len(preview.errors)
        needs = _needs(v["needs"]) if v.get("needs") else []
        if v.get("needs") and (not needs or not set(needs) <= {"theory", "practical"}):
            preview.error(
                sheet,
                row.row,
                "needs",
                _("Needs must be theory, practical or theory;practical, not %(value)s.") % {"value": v["needs"]},
            )
        mode = _delivery_mode(v.get("delivery_mode", ""))
        if v.get("delivery_mode") and mode not in DeliveryMode.values:
            preview.error(
                sheet,
                row.row,
                "delivery_mode",
                _("Unknown delivery mode %(mode)s (classroom, virtual, on_the_job, elearning).")
                % {"mode": v["delivery_mode"]},
            )
        if v.get("process_area") and v["process_area"] not in areas:
            preview.error(
                sheet, row.row, "process_area", _("Unknown process area %(code)s.") % {"code": v["process_area"]}
            )
        owner = None
        if v.get("owner_plant"):
            owner = plants.get(v["owner_plant"])
            if owner is None:
                preview.error(sheet, row.row, "owner_plant", _("Unknown plant %(code)s.") % {"code": v["owner_plant"]})
        if len(preview.errors) > errors_before or not row.ok:
            return None
        entry = {"code": v["code"], "title": v["title"], "area": v["process_area"], "needs": needs}
        optional = {
            **{field: v.get(field) for field in translated_fields("title")},
            "description": v.get("description"),
            "version": v.get("version"),
            "delivery_mode": mode,
            "duration_hours": v.get("duration_hours"),
            "pass_mark": v.get("pass_mark"),
            "safety_critical": v.get("safety_critical"),
            "active": v.get("active"),
        }
        entry |= {k: value for k, value in optional.items() if value not in (None, "")}
        entry["validity_months"] = v.get("validity_months")  # its range was checked as a cell
        try:
            values = course_values(entry, areas=areas)
        except ValidationError as exc:  # the rules are checked above per column; anything added there shows too
            preview.error(sheet, row.row, "", " ".join(exc.messages))
            return None
        values["owner_plant"] = owner
        if v.get("uses_levels") is not None:
            values["uses_levels"] = v["uses_levels"]
        return values

    @staticmethod
    def _plan_requirements(
        rows: list[ParsedRow], known_codes: set[str], plants: dict[str, Plant], preview: Preview
    ) -> list[tuple[str, dict]]:
        roles = list(JobRole.objects.all())
        lines = {(line.plant_id, line.code): line for line in ProductionLine.objects.all()}
        stations = {(s.line_id, s.code): s for s in Station.objects.all()}
        existing = {
            (r.course.code, r.scope, r.plant_id, r.role_id, r.station_id): r
            for r in Requirement.objects.select_related("course")
        }
        planned: list[tuple[str, dict]] = []
        planned_keys: set[tuple] = set()
        for row in rows:
            # Every row, also one with a bad cell: its other cells are still checked.
            v, sheet = row.values, row.sheet
            errors_before = len(preview.errors)
            code = v.get("course_code")
            if code and code not in known_codes:
                preview.error(sheet, row.row, "course_code", _("Unknown course %(code)s.") % {"code": code})
            row_plant = None
            if v.get("plant"):
                row_plant = plants.get(v["plant"])
                if row_plant is None:
                    preview.error(sheet, row.row, "plant", _("Unknown plant %(code)s.") % {"code": v["plant"]})
            scope = SCOPE_WORDS.get(v["scope"].lower()) if v.get("scope") else None
            if v.get("scope") and scope is None:
                preview.error(sheet, row.row, "scope", _("The scope must be plant, role or station."))
            if scope is None:
                continue
            min_level = (v.get("min_level") or Level.U).upper()
            if min_level not in Level.values:
                preview.error(sheet, row.row, "min_level", _("The minimum level must be L, U or O."))
            fields: dict = {"scope": scope, "plant": None, "role": None, "station": None, "min_level": min_level}
            if scope == RequirementScope.PLANT:
                if not row.has("plant"):
                    preview.error(sheet, row.row, "plant", _("A plant-wide requirement needs a plant."))
                if v.get("role") or v.get("station"):
                    preview.error(sheet, row.row, "scope", _("A plant-wide requirement names no role or station."))
                fields["plant"] = row_plant
            elif scope == RequirementScope.ROLE:
                role = role_from(v.get("role", ""), roles) if v.get("role") else None
                if role is None and "role" not in row.bad:
                    preview.error(sheet, row.row, "role", _("Unknown job role %(role)s.") % {"role": v.get("role", "")})
                if v.get("station"):
                    preview.error(sheet, row.row, "station", _("A role requirement names no station."))
                fields |= {"role": role, "plant": row_plant}
            else:
                line_code, station_code = v.get("line", ""), v.get("station", "")
                if "/" in station_code and not line_code:
                    line_code, station_code = station_code.split("/", 1)
                line = lines.get((row_plant.id, line_code)) if row_plant else None
                station = stations.get((line.id, station_code)) if line else None
                if station is None:
                    preview.error(
                        sheet,
                        row.row,
                        "station",
                        _("Unknown station %(station)s (give plant, line and station).")
                        % {"station": f"{v.get('plant', '')}/{line_code}/{station_code}"},
                    )
                fields["station"] = station
            if len(preview.errors) > errors_before or not row.ok:
                continue
            key = (
                code,
                scope,
                getattr(fields["plant"], "id", None),
                getattr(fields["role"], "id", None),
                getattr(fields["station"], "id", None),
            )
            label = f"{code} ← {scope}: " + " ".join(
                str(getattr(fields[k], "code", "")) for k in ("plant", "role", "station") if fields[k] is not None
            )
            requirement = existing.get(key)
            if key in planned_keys:
                preview.unchanged.append(PreviewRow(row.sheet, row.row, label))
            elif requirement is None:
                preview.created.append(PreviewRow(row.sheet, row.row, label))
                planned.append((code, fields))
            elif requirement.min_level != min_level:
                preview.updated.append(
                    PreviewRow(row.sheet, row.row, label, {"min_level": [requirement.min_level, min_level]})
                )
                planned.append((code, {"min_level": min_level, "existing": requirement}))
            else:
                preview.unchanged.append(PreviewRow(row.sheet, row.row, label))
            planned_keys.add(key)  # the same requirement again (e.g. L1/S1 and line L1, station S1) adds nothing
        return planned


def _plan_checklists(
    rows: list[ParsedRow], practical: dict[str, bool], preview: Preview
) -> list[tuple[str, int, int, list[ChecklistItemInput]]]:
    """The revisions to publish: (course code, revision, threshold, items). A revision whose items and
    threshold equal the course's current ones is unchanged (whatever its number); one that differs must be
    numbered above the current revision. Every bad row is reported, with its column."""
    groups: dict[tuple[str, int], list[ParsedRow]] = {}
    for row in rows:
        v = row.values
        if v.get("course_code") and v["course_code"] not in practical:
            preview.error(row.sheet, row.row, "course_code", _("Unknown course %(code)s.") % {"code": v["course_code"]})
        elif v.get("course_code") and not practical[v["course_code"]]:
            preview.error(
                row.sheet,
                row.row,
                "course_code",
                _("%(course)s has no practical evaluation to check.") % {"course": v["course_code"]},
            )
        if practical.get(v.get("course_code")) and v.get("revision") is not None:
            groups.setdefault((v["course_code"], v["revision"]), []).append(row)
    current: dict[str, Checklist] = {}  # each course's highest revision
    for checklist in (
        Checklist.objects.filter(course__code__in={code for code, _r in groups})
        .select_related("course")
        .prefetch_related("items")
        .order_by("course_id", "-revision")
    ):
        current.setdefault(checklist.course.code, checklist)
    revisions_by_course: dict[str, list[int]] = {}
    for code, revision in groups:
        revisions_by_course.setdefault(code, []).append(revision)
    planned = []
    for (code, revision), group in groups.items():
        first = group[0]
        errors_before = len(preview.errors)
        if len(revisions_by_course[code]) > 1:
            preview.error(
                first.sheet,
                first.row,
                "revision",
                _("%(course)s has more than one checklist revision in the file (%(revisions)s): give one.")
                % {"course": code, "revisions": ", ".join(str(r) for r in sorted(revisions_by_course[code]))},
            )
        numbers = sorted(r.values["item"] for r in group if r.values.get("item") is not None)
        missing = [n for n in range(1, (max(numbers) if numbers else 0) + 1) if n not in numbers]
        if missing:
            preview.error(
                first.sheet,
                first.row,
                "item",
                _("Checklist %(course)s revision %(revision)s has no item(s) %(items)s: number them 1, 2, 3 ...")
                % {"course": code, "revision": revision, "items": ", ".join(str(n) for n in missing)},
            )
        thresholds = {r.values["threshold"] for r in group if r.values.get("threshold") is not None}
        if len(thresholds) > 1:
            preview.error(
                first.sheet,
                first.row,
                "threshold",
                _("Checklist %(course)s revision %(revision)s has different thresholds (%(values)s): give one.")
                % {"course": code, "revision": revision, "values": ", ".join(str(t) for t in sorted(thresholds))},
            )
        if len(preview.errors) > errors_before or not all(r.ok for r in group):
            continue
        threshold = thresholds.pop() if thresholds else 100
        by_number = {r.values["item"]: r for r in group}
        items = [
            ChecklistItemInput(
                text=by_number[n].values["text"],
                text_zh=by_number[n].values.get("text_zh") or "",
                critical=bool(by_number[n].values.get("critical")),
            )
            for n in sorted(by_number)
        ]
        label = _("%(course)s checklist revision %(revision)s (%(items)s items)") % {
            "course": code,
            "revision": revision,
            "items": len(items),
        }
        latest = current.get(code)
        if latest is not None and latest.threshold_pct == threshold and _items_of(latest) == items:
            preview.unchanged.append(PreviewRow(first.sheet, first.row, label))
            continue
        if latest is not None and revision <= latest.revision:
            preview.error(
                first.sheet,
                first.row,
                "revision",
                _(
                    "%(course)s already has checklist revision %(latest)s with other items: "
                    "number the changed checklist above it."
                )
                % {"course": code, "latest": latest.revision},
            )
            continue
        preview.created.append(PreviewRow(first.sheet, first.row, label))
        planned.append((code, revision, threshold, items))
    return planned


def _items_of(checklist: Checklist) -> list[ChecklistItemInput]:
    return [ChecklistItemInput(text=i.text, text_zh=i.text_zh, critical=i.critical) for i in checklist.items.all()]


def delivery_mode_from(text: str) -> str | None:
    """A delivery mode from its code or its name in any language ("virtual", "Virtual model / simulation",
    "虚拟模型/仿真"); None when it is neither. The results import shares it."""
    wanted = _word(text)
    for value, label in DeliveryMode.choices:
        names = {value}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.add(_word(str(label)))
        if wanted in names:
            return value
    return None


def _word(text: str) -> str:
    return (text or "").strip().lower().replace(" ", "_").replace("-", "_")


def _delivery_mode(text: str) -> str:
    return delivery_mode_from(text) or text  # course_values reports the unknown mode


def _codes_in_cycles(graph: dict[str, set[str]]) -> set[str]:
    """Codes that can reach themselves through prerequisites (iterative DFS, colour marking)."""
    cyclic: set[str] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph.get(start, ())))]
        state[start] = 1
        path = [start]
        while stack:
            node, children = stack[-1]
            if not children:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            child = children.pop()
            if state.get(child) == 1:
                cyclic.update(path[path.index(child) :])
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, sorted(graph.get(child, ()))))
    return cyclic
