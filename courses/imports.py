"""Excel import of the course catalog: courses with prerequisites, and requirements.

Rows become catalog entries for courses.services.course_values (the same
validation as the catalog file) and are written through the services the admin
and the catalog file use (courses_upsert -> courses_save, requirements_save,
course_prerequisites_sync), so a change marks the same employees for the
readiness roll-up whichever way it came.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certtrack.spreadsheets import (
    Column,
    Importer,
    ParsedRow,
    Preview,
    PreviewRow,
    SheetSpec,
    User,
    WorkbookReader,
    changes_between,
)
from courses.models import Course, DeliveryMode, ProcessArea, Requirement, RequirementScope
from courses.services import (
    UpsertCounts,
    course_prerequisites_sync,
    course_values,
    courses_upsert,
    requirements_save,
)
from employees.models import JobRole, Plant, ProductionLine, Station
from employees.selectors import is_admin

COURSE_SHEET = SheetSpec(
    name="Courses",
    columns=(
        Column("code", "code", required=True, max_length=24, help=gettext_lazy("Course code, e.g. BAT-PACK-014.")),
        Column("title", "text", required=True, max_length=200, help=gettext_lazy("Title (English).")),
        Column("title_zh", "text", max_length=200, help=gettext_lazy("Title (Chinese); may be empty.")),
        Column(
            "process_area",
            "code",
            required=True,
            aliases=("area",),
            help=gettext_lazy("Process area code (e.g. HV, PACK); it must exist."),
        ),
        Column("version", "version", max_length=16, help=gettext_lazy("Version, e.g. 1.0; empty = 1.0.")),
        Column(
            "delivery_mode",
            "code",
            help=gettext_lazy("classroom, virtual, on_the_job or elearning; empty = classroom."),
        ),
        Column("duration_hours", "decimal", help=gettext_lazy("Duration in hours; empty = 1.")),
        Column(
            "needs",
            "text",
            required=True,
            help=gettext_lazy("Assessments needed: theory, practical, or theory;practical."),
        ),
        Column("pass_mark", "int", help=gettext_lazy("Theory pass mark 0-100; empty = 80.")),
        Column(
            "validity_months", "int", help=gettext_lazy("Months a certification stays valid; empty = never expires.")
        ),
        Column("safety_critical", "bool", help=gettext_lazy("yes / no; empty = no.")),
        Column(
            "prerequisites",
            "text",
            help=gettext_lazy("Course codes that must be valid first, separated by ';'. Replaces the course's list."),
        ),
        Column(
            "owner_plant",
            "code",
            help=gettext_lazy("Plant code for a plant's own course; empty = a company-wide template."),
        ),
        Column("active", "bool", help=gettext_lazy("yes / no; empty = yes.")),
        Column("description", "text", max_length=4000, help=gettext_lazy("Description; may be empty.")),
    ),
    key=("code",),
)

REQUIREMENT_SHEET = SheetSpec(
    name="Requirements",
    required=False,
    fallback_first=False,
    columns=(
        Column("course_code", "code", required=True, aliases=("course",), help=gettext_lazy("Course code.")),
        Column("scope", "code", required=True, help=gettext_lazy("plant, role or station.")),
        Column(
            "plant",
            "code",
            help=gettext_lazy("Plant code: required for plant and station scope; optional for role (role at a plant)."),
        ),
        Column("role", "text", help=gettext_lazy("Job role code or name (role scope).")),
        Column("line", "code", help=gettext_lazy("Line code of the station (station scope).")),
        Column("station", "code", help=gettext_lazy("Station code (station scope); LINE/STATION also accepted.")),
    ),
    key=("course_code", "scope", "plant", "role", "line", "station"),
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
    sheets = (COURSE_SHEET, REQUIREMENT_SHEET)
    uses_plant = False

    @classmethod
    def allowed(cls, *, user: User) -> bool:
        return user is None or is_admin(user)

    @classmethod
    def plants(cls, *, user: User) -> QuerySet[Plant]:
        return Plant.objects.filter(is_active=True) if cls.allowed(user=user) else Plant.objects.none()

    def plan(self, reader: WorkbookReader, *, user: User, plant: Plant | None, preview: Preview) -> Callable[[], None]:
        course_rows = [r for r in reader.read(COURSE_SHEET, preview) if r.ok]
        requirement_rows = [r for r in reader.read(REQUIREMENT_SHEET, preview) if r.ok]
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
        file_codes = {row.values["code"] for row, _v, _p in planned}
        known_codes = file_codes | set(existing)
        sheet = COURSE_SHEET.name
        graph = {code: set(prereqs) for code, prereqs in existing_prereqs.items() if code not in file_codes}
        for row, _values, prereqs in planned:
            unknown = [p for p in prereqs if p not in known_codes]
            if unknown:
                preview.error(
                    sheet, row.row, "prerequisites", _("Unknown course(s): %(codes)s.") % {"codes": ", ".join(unknown)}
                )
            graph[row.values["code"]] = set(prereqs)
        cyclic = _codes_in_cycles(graph)
        for row, _values, _prereqs in planned:
            if row.values["code"] in cyclic:
                preview.error(
                    sheet, row.row, "prerequisites", _("The prerequisites go round in a circle back to this course.")
                )

        for row, values, prereqs in planned:
            code = row.values["code"]
            label = f"{code} {values['title']}"
            course = existing.get(code)
            if course is None:
                preview.created.append(PreviewRow(sheet, row.row, label))
                continue
            changes = changes_between(course, values)
            if set(prereqs) != existing_prereqs.get(code, set()):
                changes["prerequisites"] = ["; ".join(sorted(existing_prereqs.get(code, ()))), "; ".join(prereqs)]
            (preview.updated if changes else preview.unchanged).append(PreviewRow(sheet, row.row, label, changes))

        new_requirements = self._plan_requirements(requirement_rows, known_codes, plants, preview)

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
            requirements_save(
                requirements=[Requirement(course=courses[code], **fields) for code, fields in new_requirements]
            )

        return apply

    @staticmethod
    def _course_values(row: ParsedRow, areas: dict, plants: dict, preview: Preview) -> dict | None:
        v = row.values
        sheet = COURSE_SHEET.name
        entry = {"code": v["code"], "title": v["title"], "area": v["process_area"], "needs": _needs(v["needs"])}
        optional = {
            "title_zh": v.get("title_zh"),
            "description": v.get("description"),
            "version": v.get("version"),
            "delivery_mode": _delivery_mode(v.get("delivery_mode", "")),
            "duration_hours": v.get("duration_hours"),
            "pass_mark": v.get("pass_mark"),
            "safety_critical": v.get("safety_critical"),
            "active": v.get("active"),
        }
        entry |= {k: value for k, value in optional.items() if value not in (None, "")}
        validity = v.get("validity_months")
        if validity is not None and not 1 <= validity <= 600:
            preview.error(sheet, row.row, "validity_months", _("Validity must be 1-600 months, or empty for never."))
            return None
        entry["validity_months"] = validity
        if entry.get("duration_hours") is not None and not 0 <= entry["duration_hours"] < 10000:
            preview.error(sheet, row.row, "duration_hours", _("The duration must be between 0 and 9999 hours."))
            return None
        try:
            values = course_values(entry, areas=areas)
        except ValidationError as exc:
            preview.error(sheet, row.row, "", " ".join(exc.messages))
            return None
        owner = None
        if v.get("owner_plant"):
            owner = plants.get(v["owner_plant"])
            if owner is None:
                preview.error(sheet, row.row, "owner_plant", _("Unknown plant %(code)s.") % {"code": v["owner_plant"]})
                return None
        values["owner_plant"] = owner
        return values

    @staticmethod
    def _plan_requirements(
        rows: list[ParsedRow], known_codes: set[str], plants: dict[str, Plant], preview: Preview
    ) -> list[tuple[str, dict]]:
        sheet = REQUIREMENT_SHEET.name
        roles = list(JobRole.objects.all())
        lines = {(line.plant_id, line.code): line for line in ProductionLine.objects.all()}
        stations = {(s.line_id, s.code): s for s in Station.objects.all()}
        existing = set(Requirement.objects.values_list("course__code", "scope", "plant_id", "role_id", "station_id"))
        planned: list[tuple[str, dict]] = []
        for row in rows:
            v = row.values
            errors_before = len(preview.errors)
            code = v["course_code"]
            if code not in known_codes:
                preview.error(sheet, row.row, "course_code", _("Unknown course %(code)s.") % {"code": code})
            scope = SCOPE_WORDS.get(v["scope"].lower())
            if scope is None:
                preview.error(sheet, row.row, "scope", _("The scope must be plant, role or station."))
                continue
            row_plant = None
            if v.get("plant"):
                row_plant = plants.get(v["plant"])
                if row_plant is None:
                    preview.error(sheet, row.row, "plant", _("Unknown plant %(code)s.") % {"code": v["plant"]})
            fields: dict = {"scope": scope, "plant": None, "role": None, "station": None}
            if scope == RequirementScope.PLANT:
                if not v.get("plant"):
                    preview.error(sheet, row.row, "plant", _("A plant-wide requirement needs a plant."))
                if v.get("role") or v.get("station"):
                    preview.error(sheet, row.row, "scope", _("A plant-wide requirement names no role or station."))
                fields["plant"] = row_plant
            elif scope == RequirementScope.ROLE:
                from employees.imports import _role_from

                role = _role_from(v.get("role", ""), roles) if v.get("role") else None
                if role is None:
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
            if len(preview.errors) > errors_before:
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
            if key in existing:
                preview.unchanged.append(PreviewRow(sheet, row.row, label))
            else:
                preview.created.append(PreviewRow(sheet, row.row, label))
                planned.append((code, fields))
                existing.add(key)  # the same requirement again (e.g. L1/S1 and line L1, station S1) adds nothing
        return planned


def _delivery_mode(text: str) -> str:
    wanted = (text or "").strip().lower().replace(" ", "_").replace("-", "_")
    for value, label in DeliveryMode.choices:
        if wanted in (value, str(label).lower().replace(" ", "_")):
            return value
    return text  # course_values reports the unknown mode


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
