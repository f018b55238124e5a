"""Excel imports of the organisation (lines and stations) and of employees.

Both plug into spreadsheets.engine: they read and validate every row, fill
the preview, and hand back one function that writes it all (called only when
there are no errors, inside import_run's transaction).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy

from certtrack.translatable import gettext as _
from courses.models import ProcessArea
from employees.access import Capability, is_admin, plant_ids_for_user, plants_for_user
from employees.models import Employee, EmployeeStatus, JobRole, Plant, ProductionLine, Station
from employees.services import employees_upsert, organisation_upsert
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
from spreadsheets.exports.roster import ROSTER_COMPUTED_HEADERS

CHUNK = 1000
# The shift codes a plant runs by default (DOMAIN.md): offered in the template's drop-down with those in use.
DEFAULT_SHIFTS = ("A", "B", "C")
# Templates' example rows: made up, so that copying one never overwrites a real person or line. Downloaded
# for a plant, the example takes the plant's own formats and codes instead (example_employee_no, ...).
EXAMPLE_EMPLOYEE_NO = "EXAMPLE-001"
EXAMPLE_LINE = "EXAMPLE"


def example_employee_no(*, plant: Plant) -> str:
    """A made-up employee number in the plant's own format that nobody holds (numbers are unique company-wide):
    the plant's highest number with every digit a 9 (SY-000123 -> SY-999999), the next lower one if taken."""
    highest = Employee.objects.filter(plant=plant).order_by("-employee_no").values_list("employee_no", flat=True)
    match = re.fullmatch(r"(.*?)(\d+)", highest.first() or "")
    if match is None:
        return f"{plant.code}-{EXAMPLE_EMPLOYEE_NO}"
    prefix, width = match.group(1), len(match.group(2))
    candidates = [f"{prefix}{n:0{width}d}" for n in range(10**width - 1, max(10**width - 100, 0), -1)]
    taken = set(Employee.objects.filter(employee_no__in=candidates).values_list("employee_no", flat=True))
    return next((c for c in candidates if c not in taken), f"{plant.code}-{EXAMPLE_EMPLOYEE_NO}")


def example_station(*, plant: Plant) -> Station | None:
    """The plant's first active station (by line and station code), its line loaded: a real one to name."""
    return (
        Station.objects.filter(line__plant=plant, line__is_active=True, is_active=True)
        .select_related("line")
        .order_by("line__code", "code")
        .first()
    )


def allowed_plant_ids(*, user: User, capability: Iterable[str], plant: Plant | None) -> frozenset[int] | None:
    """Plants rows may name: the user's plants for the capability, narrowed to the chosen plant.

    None means every plant (a company-wide admin, or the command-line operator with no --user).
    """
    ids = None if user is None else plant_ids_for_user(user=user, capability=capability)
    if plant is not None:
        return frozenset({plant.id}) if ids is None or plant.id in ids else frozenset()
    return ids


def _plant_error(code: str, plant: Plant | None) -> str:
    if plant is not None and code != plant.code:
        return _("This import is for plant %(plant)s; the row names %(code)s.") % {"plant": plant.code, "code": code}
    return _("Plant %(code)s is unknown or not one you may import for.") % {"code": code}


class _AdminImporter(Importer):
    @classmethod
    def allowed(cls, *, user: User) -> bool:
        return user is None or is_admin(user)

    @classmethod
    def plants(cls, *, user: User) -> QuerySet[Plant]:
        return Plant.objects.filter(is_active=True) if cls.allowed(user=user) else Plant.objects.none()


# --- Organisation -----------------------------------------------------------------------------------

ORGANISATION_SHEET = SheetSpec(
    name="Organisation",
    columns=(
        Column(
            "plant",
            "code",
            required=True,
            example="SY",
            help=gettext_lazy("Plant code, e.g. SY (the plant must exist)."),
        ),
        Column(
            "line_code",
            "code",
            required=True,
            max_length=16,
            example=EXAMPLE_LINE,
            help=gettext_lazy("Line code, unique in the plant."),
        ),
        Column(
            "line_name",
            "text",
            required=True,
            max_length=120,
            example=gettext_lazy("Example line"),
            help=gettext_lazy("Line name."),
        ),
        Column(
            "process_area",
            "code",
            help=gettext_lazy("Process area code of the line (e.g. PACK); may be empty."),
        ),
        Column(
            "shifts", "int", min_value=1, max_value=5, example=3, help=gettext_lazy("Number of shifts, 1-5; empty = 3.")
        ),
        Column(
            "sop_date",
            "date",
            example=datetime.date(2027, 3, 1),
            help=gettext_lazy("Start of mass production (a date); may be empty."),
        ),
        Column(
            "target_readiness_pct",
            "int",
            min_value=0,
            max_value=100,
            example=95,
            help=gettext_lazy("Target readiness at SOP, 0-100; empty = 100."),
        ),
        Column(
            "station_code",
            "code",
            max_length=16,
            example="S010",
            help=gettext_lazy("Station code, unique in the line; empty for a row that only describes the line."),
        ),
        Column(
            "station_name",
            "text",
            max_length=120,
            example=gettext_lazy("Example station"),
            help=gettext_lazy("Station name (needed with a code)."),
        ),
        Column(
            "coverage_target",
            "int",
            min_value=0,
            max_value=1000,
            help=gettext_lazy("Qualified operators the station needs; empty = the line's number of shifts."),
        ),
    ),
    key=("plant", "line_code", "station_code"),
)

LINE_FIELDS = ("name", "process_area", "shifts", "sop_date", "target_readiness_pct")


class OrganisationImporter(_AdminImporter):
    """Lines and stations, one row per station (a row without station code describes only its line).

    Nothing is deleted or deactivated: lines and stations missing from the file are untouched.
    """

    kind = "organisation"
    title = gettext_lazy("Organisation: lines and stations")
    sheets = (ORGANISATION_SHEET,)

    @classmethod
    def template_choices(cls, *, user: User) -> dict[str, list[str]]:
        return {
            "plant": list(cls.plants(user=user).order_by("code").values_list("code", flat=True)),
            "process_area": list(ProcessArea.objects.values_list("code", flat=True)),
        }

    @classmethod
    def template_examples(cls, *, user: User, plant: Plant) -> dict[tuple[str, str], object]:
        # A new line (a real one would be renamed), its first station in the plant's station format.
        station = example_station(plant=plant)
        sheet = ORGANISATION_SHEET.name
        examples: dict[tuple[str, str], object] = {
            (sheet, "plant"): plant.code,
            (sheet, "line_code"): unused_code(EXAMPLE_LINE, plant.lines.values_list("code", flat=True)),
        }
        if station is not None:
            examples[(sheet, "station_code")] = station.code
        return examples

    def plan(self, reader: WorkbookReader, *, user: User, plant: Plant | None, preview: Preview) -> Callable[[], None]:
        rows = reader.read(ORGANISATION_SHEET, preview)
        if not self.allowed(user=user):
            preview.error("", 0, "", _("Only a company-wide administrator may import the organisation."))
            return lambda: None
        plants = {p.code: p for p in Plant.objects.all()}
        areas = {a.code: a for a in ProcessArea.objects.all()}
        lines = {(line.plant_id, line.code): line for line in ProductionLine.objects.all()}
        stations = {(s.line_id, s.code): s for s in Station.objects.all()}
        line_values: dict[tuple[str, str], tuple[int, dict]] = {}  # first row and values per line
        planned: list[tuple[ParsedRow, Plant, dict, dict | None]] = []
        for row in rows:
            # Every cell of every row is checked, also in a row with a bad cell already: the preview lists them all.
            v, sheet = row.values, row.sheet
            row_plant = plants.get(v["plant"]) if v.get("plant") else None
            if v.get("plant") and (row_plant is None or (plant is not None and row_plant != plant)):
                preview.error(sheet, row.row, "plant", _plant_error(v["plant"], plant))
                row_plant = None
            values = self._line_values(v, areas, preview, sheet, row.row)
            station_values = self._station_values(row, preview)
            if not row.ok or row_plant is None or values is None or station_values is False:
                continue
            key = (row_plant.code, v["line_code"])
            first = line_values.setdefault(key, (row.row, values))
            if first[1] != values:
                preview.error(
                    sheet,
                    row.row,
                    "line_code",
                    _("Line %(line)s is described differently in row %(first)s; give the same values.")
                    % {"line": v["line_code"], "first": first[0]},
                )
                continue
            planned.append((row, row_plant, values, station_values))

        line_seen: set[tuple[int, str]] = set()
        for row, row_plant, values, station_values in planned:
            v = row.values
            line = lines.get((row_plant.id, v["line_code"]))
            label = f"{row_plant.code}/{v['line_code']}" + (f"/{v['station_code']}" if v.get("station_code") else "")
            first_time = (row_plant.id, v["line_code"]) not in line_seen
            line_seen.add((row_plant.id, v["line_code"]))
            if line is None:
                preview.created.append(PreviewRow(row.sheet, row.row, label))
                continue
            changes = changes_between(line, values) if first_time else {}
            station = stations.get((line.id, v["station_code"])) if station_values is not None else None
            if station_values is not None and station is None:
                preview.created.append(PreviewRow(row.sheet, row.row, label, changes))
                continue
            if station is not None:
                changes |= {f"station {k}": c for k, c in changes_between(station, station_values).items()}
            (preview.updated if changes else preview.unchanged).append(PreviewRow(row.sheet, row.row, label, changes))

        def apply() -> None:
            organisation_upsert(
                rows=[
                    (row_plant, row.values["line_code"], values, row.values.get("station_code"), station_values)
                    for row, row_plant, values, station_values in planned
                ]
            )

        return apply

    @staticmethod
    def _line_values(v: dict, areas: dict, preview: Preview, sheet: str, row: int) -> dict | None:
        """The line's values; None when the area is unknown. Shifts and target were range-checked as cells."""
        area = None
        if v.get("process_area"):
            area = areas.get(v["process_area"])
            if area is None:
                preview.error(
                    sheet, row, "process_area", _("Unknown process area %(code)s.") % {"code": v["process_area"]}
                )
                return None
        shifts = v.get("shifts") if v.get("shifts") is not None else 3
        target = v.get("target_readiness_pct") if v.get("target_readiness_pct") is not None else 100
        return {
            "name": v.get("line_name", ""),
            "process_area": area,
            "shifts": shifts,
            "sop_date": v.get("sop_date"),
            "target_readiness_pct": target,
        }

    @staticmethod
    def _station_values(row: ParsedRow, preview: Preview) -> dict | None | bool:
        """The station's values, None for a line-only row, False when invalid."""
        v = row.values
        if not row.has("station_code"):
            if row.has("station_name") or row.has("coverage_target"):
                preview.error(row.sheet, row.row, "station_code", _("A station needs a code."))
                return False
            return None
        if not row.has("station_name"):
            preview.error(row.sheet, row.row, "station_name", _("A station needs a name."))
            return False
        return {"name": v.get("station_name"), "coverage_target": v.get("coverage_target")}


# --- Employees ----------------------------------------------------------------------------------------

EMPLOYEE_SHEET = SheetSpec(
    name="Employees",
    also_named=("Roster",),
    ignored=ROSTER_COMPUTED_HEADERS,
    columns=(
        Column(
            "employee_no",
            "code",
            required=True,
            max_length=32,
            aliases=("employee_number", "number", "no"),
            example=EXAMPLE_EMPLOYEE_NO,
            help=gettext_lazy("Employee number, unique company-wide (full-width digits are folded to ASCII)."),
        ),
        Column(
            "name",
            "text",
            required=True,
            max_length=120,
            example=gettext_lazy("Example employee"),
            help=gettext_lazy("Full name."),
        ),
        Column("plant", "code", required=True, help=gettext_lazy("Plant code, e.g. SY.")),
        Column("line", "code", help=gettext_lazy("Line code at the plant; empty for plant-wide staff.")),
        Column("station", "code", help=gettext_lazy("Primary station code on the line; may be empty.")),
        Column(
            "role",
            "text",
            required=True,
            aliases=("job_role",),
            help=gettext_lazy("Job role code (e.g. OP) or name (e.g. Operator)."),
        ),
        Column("shift", "code", max_length=8, help=gettext_lazy("Shift, e.g. A; may be empty.")),
        Column(
            "hire_date",
            "date",
            required=True,
            example=datetime.date(2026, 3, 1),
            help=gettext_lazy("Hire date: an Excel date, YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or YYYY年M月D日."),
        ),
        Column(
            "status",
            "text",
            choices=tuple(EmployeeStatus.values),
            example=EmployeeStatus.ACTIVE.value,
            help=gettext_lazy("active, on_leave or left; empty = active."),
        ),
    ),
    key=("employee_no",),
)


def _status_from(text: str) -> str | None:
    """A status from its code or its name in any language: an exported roster (names in its reader's language)
    imports back whatever the importer's language."""
    if not text:
        return EmployeeStatus.ACTIVE
    wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
    for value, label in EmployeeStatus.choices:
        names = {value}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.add(str(label).lower().replace(" ", "_"))
        if wanted in names:
            return value
    return None


class EmployeeImporter(Importer):
    """Creates and updates employees; employees missing from the file are not touched, nothing is deleted."""

    kind = "employees"
    title = gettext_lazy("Employees")
    sheets = (EMPLOYEE_SHEET,)

    @classmethod
    def allowed(cls, *, user: User) -> bool:
        return user is None or plant_ids_for_user(user=user, capability=Capability.HR_EXCEL) != frozenset()

    @classmethod
    def plants(cls, *, user: User) -> QuerySet[Plant]:
        return plants_for_user(user=user, capability=Capability.HR_EXCEL)

    def plan(self, reader: WorkbookReader, *, user: User, plant: Plant | None, preview: Preview) -> Callable[[], None]:
        rows = reader.read(EMPLOYEE_SHEET, preview)
        allowed = allowed_plant_ids(user=user, capability=Capability.HR_EXCEL, plant=plant)
        plants = {p.code: p for p in Plant.objects.all()}
        lines = {(line.plant_id, line.code): line for line in ProductionLine.objects.all()}
        stations = {(s.line_id, s.code): s for s in Station.objects.all()}
        roles = list(JobRole.objects.all())
        existing = _employees_by_number([r.values["employee_no"] for r in rows if r.values.get("employee_no")])
        to_create: list[Employee] = []
        to_update: list[tuple[Employee, dict]] = []
        for row in rows:
            # Every cell of every row is checked, also in a row with a bad cell already: the preview lists them all.
            values = self._values(row, plants, lines, stations, roles, allowed, plant, preview)
            number = row.values.get("employee_no")
            employee = existing.get(number) if number else None
            if employee is not None and allowed is not None and employee.plant_id not in allowed:
                preview.error(
                    row.sheet,
                    row.row,
                    "employee_no",
                    _("Employee %(no)s belongs to a plant you may not import for.") % {"no": number},
                )
                continue
            if values is None or not row.ok:
                continue
            label = f"{number} {values['name']}"
            if employee is None:
                to_create.append(Employee(employee_no=number, **values))
                preview.created.append(PreviewRow(row.sheet, row.row, label))
                continue
            changes = changes_between(employee, values)
            if changes:
                to_update.append((employee, values))
                preview.updated.append(PreviewRow(row.sheet, row.row, label, changes))
            else:
                preview.unchanged.append(PreviewRow(row.sheet, row.row, label))

        def apply() -> None:
            employees_upsert(new=to_create, changes=to_update, actor=user)

        return apply

    @staticmethod
    def _values(
        row: ParsedRow,
        plants: dict[str, Plant],
        lines: dict,
        stations: dict,
        roles: list[JobRole],
        allowed: frozenset[int] | None,
        plant: Plant | None,
        preview: Preview,
    ) -> dict[str, Any] | None:
        """The employee's field values; None when a cell is bad (each one is reported)."""
        v, sheet = row.values, row.sheet
        errors_before = len(preview.errors)
        row_plant = plants.get(v["plant"]) if v.get("plant") else None
        if v.get("plant") and (row_plant is None or (allowed is not None and row_plant.id not in allowed)):
            preview.error(sheet, row.row, "plant", _plant_error(v["plant"], plant))
            row_plant = None
        line = station = None
        if v.get("line") and row_plant is not None:
            line = lines.get((row_plant.id, v["line"]))
            if line is None:
                preview.error(
                    sheet,
                    row.row,
                    "line",
                    _("Unknown line %(line)s at plant %(plant)s.") % {"line": v["line"], "plant": row_plant.code},
                )
        if v.get("station"):
            if not row.has("line"):
                preview.error(sheet, row.row, "station", _("A station needs its line."))
            elif line is not None:
                station = stations.get((line.id, v["station"]))
                if station is None:
                    preview.error(
                        sheet,
                        row.row,
                        "station",
                        _("Unknown station %(station)s on line %(line)s.")
                        % {"station": v["station"], "line": line.code},
                    )
        role = _role_from(v["role"], roles) if v.get("role") else None
        if v.get("role") and role is None:
            preview.error(sheet, row.row, "role", _("Unknown job role %(role)s.") % {"role": v["role"]})
        status = _status_from(v.get("status", "")) if "status" not in row.bad else None
        if status is None and "status" not in row.bad:
            preview.error(
                sheet,
                row.row,
                "status",
                _("Unknown status %(status)s (active, on_leave, left).") % {"status": v["status"]},
            )
        if len(preview.errors) > errors_before or not row.ok or row_plant is None:
            return None
        return {
            "name": v["name"],
            "plant": row_plant,
            "line": line,
            "station": station,
            "role": role,
            "shift": v.get("shift", ""),
            "hire_date": v["hire_date"],
            "status": status,
        }

    @classmethod
    def template_choices(cls, *, user: User) -> dict[str, list[str]]:
        plants = cls.plants(user=user) if user is not None else Plant.objects.filter(is_active=True)
        shifts = set(
            Employee.objects.filter(plant__in=plants).exclude(shift="").values_list("shift", flat=True).distinct()
        )
        return {
            "plant": list(plants.order_by("code").values_list("code", flat=True)),
            "role": list(JobRole.objects.order_by("code").values_list("code", flat=True)),
            "shift": sorted(shifts | set(DEFAULT_SHIFTS)),
        }

    @classmethod
    def template_examples(cls, *, user: User, plant: Plant) -> dict[tuple[str, str], object]:
        # A made-up person (a real number would be overwritten) at the plant's real line and station.
        station = example_station(plant=plant)
        sheet = EMPLOYEE_SHEET.name
        return {
            (sheet, "employee_no"): example_employee_no(plant=plant),
            (sheet, "plant"): plant.code,
            (sheet, "line"): station.line.code if station else "",
            (sheet, "station"): station.code if station else "",
        }


def _role_from(text: str, roles: list[JobRole]) -> JobRole | None:
    wanted = text.strip().lower()
    for role in roles:
        if role.code.lower() == wanted:
            return role
    matches = [r for r in roles if wanted in (r.name.lower(), r.name_zh.lower())]
    return matches[0] if len(matches) == 1 else None


def _employees_by_number(numbers: list[str]) -> dict[str, Employee]:
    found: dict[str, Employee] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        found.update(
            {
                e.employee_no: e
                for e in Employee.objects.filter(employee_no__in=chunk).select_related(
                    "plant", "line", "station", "role"
                )
            }
        )
    return found
