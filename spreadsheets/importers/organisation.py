"""Excel import of the organisation: a plant's lines and stations.

Kept apart from the employee import because only company-wide administrators may run it and it writes the
plant's structure that employee rows then name. It plugs into spreadsheets.engine: it reads and validates
every row, fills the preview, and hands back one function that writes it all through
employees.services.organisation_upsert (called only when there are no errors, inside import_run's
transaction).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from certtrack.translatable import gettext as _
from courses.models import ProcessArea
from employees.access import is_admin
from employees.languages import LANGUAGE_CODES
from employees.models import Plant, ProductionLine, Station, shift_codes_parse
from employees.services import organisation_upsert
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
from spreadsheets.importers.plants import example_station, plant_error

# The template's example line: made up, so that copying it never overwrites a real line (see unused_code).
EXAMPLE_LINE = "EXAMPLE"


class _AdminImporter(Importer):
    @classmethod
    def allowed(cls, *, user: User) -> bool:
        return user is None or is_admin(user)

    @classmethod
    def plants(cls, *, user: User) -> QuerySet[Plant]:
        return Plant.objects.filter(is_active=True) if cls.allowed(user=user) else Plant.objects.none()


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
            "per_shift_target",
            "int",
            min_value=0,
            max_value=100,
            example=1,
            help=gettext_lazy("Qualified operators the station needs on every shift the line runs; empty = 1."),
        ),
        Column(
            "trainers_needed",
            "int",
            min_value=0,
            max_value=100,
            example=0,
            help=gettext_lazy("People of the line holding every course of the station at level O; empty = 0."),
        ),
        Column(
            "shift_codes",
            "text",
            max_length=60,
            help=gettext_lazy("The plant's ordered shift codes, e.g. A,B,C; empty = unchanged."),
        ),
        Column(
            "confirmation_window_days",
            "int",
            min_value=0,
            max_value=365,
            help=gettext_lazy("Days after SOP that virtual-model passes still count; empty = unchanged."),
        ),
        Column(
            "default_language",
            "code",
            choices=tuple(code for code, _name in settings.LANGUAGES),
            help=gettext_lazy(
                "The plant's default language for people who have not chosen one: en, zh-hans, de, hu or es; "
                "empty = unchanged."
            ),
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
        plant_values: dict[Plant, tuple[int, dict]] = {}  # first row and shift settings per plant
        planned: list[tuple[ParsedRow, Plant, dict, dict | None]] = []
        for row in rows:
            # Every cell of every row is checked, also in a row with a bad cell already: the preview lists them all.
            v, sheet = row.values, row.sheet
            row_plant = plants.get(v["plant"]) if v.get("plant") else None
            if v.get("plant") and (row_plant is None or (plant is not None and row_plant != plant)):
                preview.error(sheet, row.row, "plant", plant_error(v["plant"], plant))
                row_plant = None
            values = self._line_values(v, areas, preview, sheet, row.row)
            station_values = self._station_values(row, preview)
            plant_ok = self._plant_values(row, row_plant, plant_values, preview)
            if not row.ok or row_plant is None or values is None or station_values is False or not plant_ok:
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
                ],
                plants={p: values for p, (_row, values) in plant_values.items() if values},
                actor=user,
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
            if row.has("station_name") or row.has("per_shift_target") or row.has("trainers_needed"):
                preview.error(row.sheet, row.row, "station_code", _("A station needs a code."))
                return False
            return None
        if not row.has("station_name"):
            preview.error(row.sheet, row.row, "station_name", _("A station needs a name."))
            return False
        return {
            "name": v.get("station_name"),
            "per_shift_target": v["per_shift_target"] if v.get("per_shift_target") is not None else 1,
            "trainers_needed": v["trainers_needed"] if v.get("trainers_needed") is not None else 0,
        }

    @staticmethod
    def _plant_values(
        row: ParsedRow, plant: Plant | None, seen: dict[Plant, tuple[int, dict]], preview: Preview
    ) -> bool:
        """The plant's shift codes, confirmation window and default language given on the row (checked,
        normalised); every row naming them for one plant must agree, and each line may run at most the plant's
        number of codes."""
        v = row.values
        values: dict = {}
        ok = True
        if row.has("shift_codes"):
            try:
                values["shift_codes"] = ",".join(shift_codes_parse(str(v["shift_codes"])))
            except ValidationError as error:
                preview.error(row.sheet, row.row, "shift_codes", " ".join(error.messages))
                ok = False
        if v.get("confirmation_window_days") is not None:
            values["confirmation_window_days"] = v["confirmation_window_days"]
        if v.get("default_language"):
            language = str(v["default_language"]).lower()
            if language in LANGUAGE_CODES:
                values["default_language"] = language
            else:
                preview.error(
                    row.sheet,
                    row.row,
                    "default_language",
                    _("Unknown language %(code)s: use one of %(codes)s.")
                    % {"code": v["default_language"], "codes": ", ".join(code for code, _name in settings.LANGUAGES)},
                )
                ok = False
        if not ok or plant is None:
            return ok
        codes = values.get("shift_codes", plant.shift_codes)
        shifts = v.get("shifts") if v.get("shifts") is not None else 3
        if shifts > len(shift_codes_parse(codes)):
            preview.error(
                row.sheet,
                row.row,
                "shifts",
                _("The plant has %(n)s shift codes (%(codes)s); a line cannot run more.")
                % {"n": len(shift_codes_parse(codes)), "codes": codes},
            )
            return False
        if values:
            first = seen.setdefault(plant, (row.row, values))
            if first[1] != values:
                preview.error(
                    row.sheet,
                    row.row,
                    "shift_codes",
                    _("Plant %(plant)s's shift settings differ from row %(first)s; give the same values.")
                    % {"plant": plant.code, "first": first[0]},
                )
                return False
        return True
