"""Reading rows: WorkbookReader finds each sheet an importer describes, matches its headers to the columns and
yields the rows parsed, reporting every bad cell as a RowError naming the sheet, row, column and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import openpyxl
from django.conf import settings

from certtrack.translatable import gettext as _
from spreadsheets.engine.cells import EDGE_SPACES, PARSERS, CellError, clean_text, header_key
from spreadsheets.engine.previews import Column, ParsedRow, Preview, SheetLayout, SheetSpec

PROGRESS_EVERY_ROWS = 500


class WorkbookReader:
    """Reads the sheets an importer describes from an open read-only workbook."""

    def __init__(self, book: openpyxl.Workbook, *, progress: Callable[[int], None] | None = None) -> None:
        self.book = book
        self.progress = progress
        self.rows_read = 0
        self.layout: SheetLayout = {}  # of the sheets read, for Preview.sort_errors

    def find_sheet(self, spec: SheetSpec) -> Any | None:
        wanted = {n.lower() for n in (spec.name, *spec.also_named)}
        for title in self.book.sheetnames:
            if title.strip().lower() in wanted:
                return self.book[title]
        if spec.fallback_first and self.book.sheetnames:
            return self.book[self.book.sheetnames[0]]
        return None

    def read(self, spec: SheetSpec, preview: Preview) -> list[ParsedRow]:
        """Every non-blank data row of the sheet, parsed; problems go to preview.errors.

        Returns [] when the sheet itself is unusable (missing, wrong headers, merged
        cells, too many rows): those are reported once, not per row.
        """
        sheet = self.find_sheet(spec)
        if sheet is None:
            if spec.required:
                preview.error(spec.name, 0, "", _("The workbook has no sheet named %(name)s.") % {"name": spec.name})
            return []
        name = sheet.title
        merged = _merged_ranges(sheet)
        if merged:
            preview.error(
                name,
                0,
                "",
                _("Merged cells are not allowed (%(ranges)s). Unmerge them and fill every cell.")
                % {"ranges": ", ".join(merged[:5])},
            )
            return []
        rows = sheet.iter_rows()
        header_cells = next(rows, ())
        positions = self._match_headers(spec, name, header_cells, preview)
        if positions is None:
            return []
        self.layout[name] = (self.book.sheetnames.index(name), positions)
        parsed: list[ParsedRow] = []
        seen_keys: dict[tuple, int] = {}
        max_rows = settings.IMPORT_MAX_ROWS
        for cells in rows:
            if not cells or all(_is_blank(c.value) for c in cells):
                continue  # blank rows are skipped, wherever they are
            if len(parsed) >= max_rows:
                preview.error(
                    name, 0, "", _("The sheet has more than %(max)s rows; split the file.") % {"max": max_rows}
                )
                return []
            row_number = cells[0].row
            row = self._parse_row(spec, name, row_number, cells, positions, preview)
            if spec.key and row.ok:
                key = tuple(row.values.get(k) for k in spec.key)
                if key in seen_keys:
                    preview.error(
                        name,
                        row_number,
                        spec.key[0],
                        _("%(key)s appears twice in the file (rows %(first)s and %(row)s).")
                        % {"key": " / ".join(str(k) for k in key if k), "first": seen_keys[key], "row": row_number},
                    )
                    row.ok = False
                else:
                    seen_keys[key] = row_number
            parsed.append(row)
            self.rows_read += 1
            if self.progress is not None and self.rows_read % PROGRESS_EVERY_ROWS == 0:
                self.progress(self.rows_read)
        if not parsed and spec.required:
            preview.warnings.append(
                _(
                    "The sheet %(sheet)s has no rows below its headers: there is nothing to import. "
                    "(A template's example sheet is never imported.)"
                )
                % {"sheet": name}
            )
        return parsed

    @staticmethod
    def _match_headers(spec: SheetSpec, sheet: str, header_cells: Sequence, preview: Preview) -> dict[str, int] | None:
        positions: dict[str, int] = {}
        unknown = []
        for index, cell in enumerate(header_cells):
            header = header_key(cell.value)
            if not header:
                continue
            column = next((c for c in spec.columns if c.matches(header)), None)
            if column is None:
                if header not in spec.ignored:
                    unknown.append(clean_text(cell.value))
            elif column.key in positions:
                preview.error(sheet, 1, column.key, _("The column %(column)s appears twice.") % {"column": column.key})
                return None
            else:
                positions[column.key] = index
        missing = [c.key for c in spec.columns if c.required and c.key not in positions]
        if missing:
            preview.error(
                sheet,
                1,
                "",
                _("Missing column(s): %(missing)s. The first row must hold the headers: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(c.key for c in spec.columns)},
            )
            return None
        if unknown:
            preview.warnings.append(
                _("%(sheet)s: column(s) %(columns)s are not used and were ignored.")
                % {"sheet": sheet, "columns": ", ".join(unknown)}
            )
        return positions

    @staticmethod
    def _parse_row(
        spec: SheetSpec, sheet: str, row_number: int, cells: Sequence, positions: dict[str, int], preview: Preview
    ) -> ParsedRow:
        """Every cell of the row: each bad one is reported (the row goes on to its next cell)."""
        row = ParsedRow(sheet=sheet, row=row_number, values={})
        for column in spec.columns:
            index = positions.get(column.key)
            cell = cells[index] if index is not None and index < len(cells) else None
            try:
                row.values[column.key] = _cell_value(column, cell)
            except CellError as exc:
                preview.error(sheet, row_number, column.key, exc.args[0])  # the message itself, code and all
                row.ok = False
                row.bad.add(column.key)
        return row


def _cell_value(column: Column, cell: Any) -> object:
    """The cell's value for the column, or CellError saying what is wrong with it."""
    raw = cell.value if cell is not None else None
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        raise CellError(_("a formula is not allowed here; paste the values instead"))
    if data_type == "e":
        raise CellError(_("the cell holds an error value (%(v)s)") % {"v": raw})
    value = PARSERS[column.kind](raw)
    if column.required and (value is None or value == ""):
        raise CellError(_("a value is required"))
    if value is not None and not _in_bounds(value, column):
        raise CellError(_("must be between %(min)s and %(max)s") % {"min": column.min_value, "max": column.max_value})
    if column.max_length and isinstance(value, str) and len(value) > column.max_length:
        raise CellError(_("longer than %(max)s characters") % {"max": column.max_length})
    return value


def _in_bounds(value: object, column: Column) -> bool:
    if not isinstance(value, int | Decimal) or isinstance(value, bool):
        return True
    return (column.min_value is None or value >= column.min_value) and (
        column.max_value is None or value <= column.max_value
    )


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(EDGE_SPACES))


def _merged_ranges(sheet: Any) -> list[str]:
    """Merged ranges of a read-only sheet.

    Read-only worksheets do not expose merged cells, so the sheet part is streamed
    once more (defusedxml's iterparse, elements cleared: bounded memory).
    """
    from openpyxl.xml.functions import iterparse

    ranges = []
    source = sheet._get_source()  # ReadOnlyWorksheet's own way to reach its XML part
    try:
        for _event, element in iterparse(source, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ranges.append(element.get("ref", "?"))
            elif tag == "row":
                element.clear()
    finally:
        source.close()
    return ranges
