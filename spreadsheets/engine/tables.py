"""Workbooks of the Excel engine beside the big roster export: import templates, error lists, simple tables.

Import templates (template_write): for each sheet an importer reads, the sheet to fill (headers,
frozen, and a drop-down list on every column with a closed list of values: kinds, statuses,
roles, yes / no, delivery modes, scopes, plants, process areas), then "<sheet> (example)" with the
same headers and one filled row, a Help sheet and a hidden Lists sheet holding the drop-downs.

The example row is made up and fits the plant the template is downloaded for: the plant's own line,
station, role and course codes, and a key nobody holds where a row creates or updates by key (an
employee number in the plant's format such as SY-999999, a line EXAMPLE), so copying it never
overwrites a real person, line or course.

The example row sits on its own sheet on purpose: the reader reads sheets by name, so the
example is never imported, and a user who types their rows under it, or forgets to delete it,
cannot import a made-up person or result by mistake. Importing the untouched template reads an
empty sheet: nothing to import, and the preview says so (a warning naming the example sheet).
The drop-downs warn (they do not stop): an importer accepts more spellings than the list shows
(a role's name as well as its code, 是 / 否, a label instead of a code).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import openpyxl
from django.utils.translation import pgettext
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from certtrack.translatable import gettext as _
from certtrack.xlsx import DATE_FORMAT, HEADER_FILL, HEADER_FONT, Table
from spreadsheets.engine.importing import Importer, User
from spreadsheets.engine.previews import RowError, SheetSpec

LIST_SHEET = "Lists"
HELP_SHEET = "Help"
# Drop-downs cover the column below the header down to Excel's last row.
LAST_ROW = 1048576
PROMPT_MAX = 250  # Excel refuses input messages over 255 characters


def example_sheet_name(spec: SheetSpec) -> str:
    return str(_("%(sheet)s (example)") % {"sheet": spec.name})[:31]


def template_write(importer: type[Importer], target: IO[bytes] | Path, *, user: User = None, plant: Any = None) -> None:
    """The downloadable template of an import kind (see the module docstring). Small: a normal workbook.

    With a plant, the example row is the plant's (Importer.template_examples): its own codes, made-up keys.
    """
    lists = importer.template_choices(user=user)
    examples = importer.template_examples(user=user, plant=plant) if plant is not None else {}
    book = openpyxl.Workbook()
    book.remove(book.active)
    data_sheets = [book.create_sheet(spec.name) for spec in importer.sheets]
    example_sheets = [book.create_sheet(example_sheet_name(spec)) for spec in importer.sheets]
    help_sheet = book.create_sheet(pgettext("sheet name", "Help"))  # read by people only (HELP_SHEET in English)
    list_sheet = book.create_sheet(LIST_SHEET)
    list_sheet.sheet_state = "hidden"

    list_ranges: dict[tuple[str, str], str] = {}  # (sheet, column key) -> the list's cell range
    for spec in importer.sheets:
        for column in spec.columns:
            values = lists.get(column.key) or list(column.offered)
            if not values:
                continue
            index = len(list_ranges) + 1
            letter = get_column_letter(index)
            list_sheet.cell(row=1, column=index, value=column.key).font = Font(bold=True)
            for offset, value in enumerate(values, start=2):
                _text(list_sheet.cell(row=offset, column=index), str(value))
            list_ranges[(spec.name, column.key)] = (
                f"{quote_sheetname(LIST_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
            )

    for spec, sheet, example in zip(importer.sheets, data_sheets, example_sheets, strict=True):
        for target_sheet in (sheet, example):
            _headers(target_sheet, spec)
            _drop_downs(target_sheet, spec, list_ranges)
        for index, column in enumerate(spec.columns, start=1):
            values = lists.get(column.key)
            value = values[0] if values and column.example is None else column.example
            _typed(example.cell(row=2, column=index), examples.get((spec.name, column.key), value))

    _help(help_sheet, importer, lists)
    book.save(target)


def _headers(sheet: Any, spec: SheetSpec) -> None:
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        _text(cell, column.key)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.key) + 4)
    sheet.freeze_panes = "A2"


def _drop_downs(sheet: Any, spec: SheetSpec, list_ranges: dict[tuple[str, str], str]) -> None:
    for index, column in enumerate(spec.columns, start=1):
        source = list_ranges.get((spec.name, column.key))
        if source is None:
            continue
        validation = DataValidation(
            type="list",
            formula1=f"={source}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=str(_("Not in the list"))[:32],
            error=str(_("This value is not in the list. Keep it only if the Help sheet says it is accepted.")),
            showInputMessage=bool(column.help),
            promptTitle=column.key[:32],
            prompt=str(column.help)[:PROMPT_MAX],
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{LAST_ROW}")
        sheet.add_data_validation(validation)


def _text(cell: Any, value: str) -> None:
    """A text cell whatever the text starts with ("=" would make openpyxl store a formula)."""
    cell.value = value
    cell.data_type = "s"


def _typed(cell: Any, value: object) -> None:
    """A cell of the example row: dates as real dates, numbers as numbers, everything else as text."""
    if value is None or value == "":
        return
    if isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
    else:
        _text(cell, str(value))


def _help(sheet: Any, importer: type[Importer], lists: dict[str, list[str]]) -> None:
    names = ", ".join(spec.name for spec in importer.sheets)
    examples = ", ".join(example_sheet_name(spec) for spec in importer.sheets)
    note = sheet.cell(row=1, column=1)
    _text(
        note,
        str(
            _(
                "Fill in the sheet(s) %(sheets)s: one row per item below the headers. The sheet(s) %(examples)s "
                "show a filled row and are never imported. Columns with a drop-down list warn about values not "
                "in the list; the accepted values are listed below."
            )
            % {"sheets": names, "examples": examples}
        ),
    )
    note.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    sheet.row_dimensions[1].height = 60
    headers = [_("Sheet"), _("Column"), _("Required"), _("Meaning"), _("Values")]
    for index, (title, width) in enumerate(zip(headers, (16, 24, 10, 70, 40), strict=True), start=1):
        cell = sheet.cell(row=3, column=index)
        _text(cell, str(title))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    row = 4
    for spec in importer.sheets:
        for column in spec.columns:
            values = lists.get(column.key) or list(column.offered)
            for index, value in enumerate(
                (spec.name, column.key, _("yes") if column.required else "", column.help, ", ".join(values)), start=1
            ):
                _text(sheet.cell(row=row, column=index), str(value))
            row += 1
    sheet.freeze_panes = "A4"


# --- The import error list --------------------------------------------------------------------


def error_table(errors: Sequence[RowError]) -> Table:
    """An import's errors (already in reading order), rendered in the language active now."""
    return Table(
        title=str(_("Errors")),
        headers=[_("Sheet"), _("Row"), _("Column"), _("Reason")],
        rows=([e.sheet, e.row or None, e.column, str(e.message)] for e in errors),
        widths=(18, 8, 20, 90),
    )
