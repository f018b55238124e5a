"""Excel import of employees.

It plugs into spreadsheets.engine: it reads and validates every row, fills the preview, and hands back one
function that writes it all through employees.services.employees_upsert (called only when there are no
errors, inside import_run's transaction). Job roles are matched by code or name in any language
(role_from, which the catalog import shares).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy

from certtrack.translatable import gettext as _
from employees.access import Capability, plant_ids_for_user, plants_for_user
from employees.models import Employee, EmployeeStatus, JobRole, Plant, ProductionLine, Station
from employees.services import employees_upsert
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
)
from spreadsheets.exports.roster import ROSTER_COMPUTED_HEADERS
from spreadsheets.importers.plants import (
    EXAMPLE_EMPLOYEE_NO,
    allowed_plant_ids,
    example_employee_no,
    example_station,
    plant_error,
)

CHUNK = 1000


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
        Column(
            "shift",
            "code",
            max_length=8,
            help=gettext_lazy("One of the plant's shift codes (e.g. A, B, C); empty = day staff."),
        ),
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
            preview.error(sheet, row.row, "plant", plant_error(v["plant"], plant))
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
        role = role_from(v["role"], roles) if v.get("role") else None
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
        shift = _shift_from(v.get("shift", ""), row_plant) if row_plant is not None else ""
        if shift is None:
            preview.error(
                sheet,
                row.row,
                "shift",
                _("Shift %(shift)s is not one of plant %(plant)s's shifts (%(codes)s); leave it empty for day staff.")
                % {"shift": v["shift"], "plant": row_plant.code, "codes": ", ".join(row_plant.shift_code_list)},
            )
        if len(preview.errors) > errors_before or not row.ok or row_plant is None:
            return None
        return {
            "name": v["name"],
            "plant": row_plant,
            "line": line,
            "station": station,
            "role": role,
            "shift": shift,
            "hire_date": v["hire_date"],
            "status": status,
        }

    @classmethod
    def template_choices(cls, *, user: User) -> dict[str, list[str]]:
        plants = cls.plants(user=user) if user is not None else Plant.objects.filter(is_active=True)
        shifts: list[str] = []
        for plant in plants.order_by("code"):
            shifts += [code for code in plant.shift_code_list if code not in shifts]
        return {
            "plant": list(plants.order_by("code").values_list("code", flat=True)),
            "role": list(JobRole.objects.order_by("code").values_list("code", flat=True)),
            "shift": shifts,
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


def _shift_from(text: str, plant: Plant) -> str | None:
    """The plant's shift code the cell names (any case); "" for day staff; None when the plant has no such shift."""
    if not text:
        return ""
    wanted = text.strip().upper()
    return next((code for code in plant.shift_code_list if code.upper() == wanted), None)


def role_from(text: str, roles: list[JobRole]) -> JobRole | None:
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
