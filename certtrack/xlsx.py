"""Writing workbooks, app-free: write-only (memory stays flat), every text cell forced to a string cell so a
value beginning with "=", "+", "-" or "@" can never become a formula; simple table workbooks.

Used by every export (the roster, the audit log, the dashboards' lists) and by the import templates; it
imports no app, so any layer may use it.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

MAX_CELL_CHARS = 32767  # Excel's own limit

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="343A40")
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


def new_workbook() -> openpyxl.Workbook:
    """A write-only workbook: rows stream to temp files, memory stays flat whatever the size."""
    return openpyxl.Workbook(write_only=True)


def new_sheet(book: openpyxl.Workbook, title: str, *, widths: Sequence[float] = (), freeze: str | None = None) -> Any:
    """A write-only sheet; widths and frozen panes must be set before the first row is written."""
    sheet = book.create_sheet(title=title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        sheet.freeze_panes = freeze
    sheet.auto_filter = AutoFilter()
    return sheet


def set_autofilter(sheet: Any, *, first_row: int, columns: int, last_row: int) -> None:
    if columns and last_row >= first_row:
        sheet.auto_filter = AutoFilter(ref=f"A{first_row}:{get_column_letter(columns)}{last_row}")


def text_cell(sheet: Any, value: object, **style: Any) -> WriteOnlyCell | str | None:
    """A cell that is text whatever it starts with: '=SUM(A1)', '+86...', '-x', '@x' stay text.

    Without a style, text that openpyxl would store as text anyway (all but a leading "=") is
    returned as the plain string: the write-only sheet writes it through one reused cell
    instead of a new cell object per value (a large export writes ~100,000 of them).
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:MAX_CELL_CHARS]
    if not style and not text.startswith("="):
        return text or None
    cell = WriteOnlyCell(sheet, value=None)
    if text:
        cell._value = text  # bypass type guessing, which would turn a leading "=" into a formula
        cell.data_type = "s"
    return _style(cell, style)


def value_cell(sheet: Any, value: object, **style: Any) -> WriteOnlyCell | int | float | str | None:
    """Dates as real Excel dates, numbers as numbers, everything else as forced text.

    Unstyled numbers and booleans are returned as plain values (see text_cell).
    """
    if value is None:
        return None if not style else _style(WriteOnlyCell(sheet, value=None), style)
    if isinstance(value, bool | int | float) and not style:
        return value
    if isinstance(value, datetime.datetime):
        return _typed_cell(sheet, value.replace(tzinfo=None), "d", "yyyy-mm-dd hh:mm", style)
    if isinstance(value, datetime.date):
        return _typed_cell(sheet, value, "d", DATE_FORMAT, style)
    if isinstance(value, bool):
        return _typed_cell(sheet, value, "b", None, style)
    if isinstance(value, int | float):
        return _typed_cell(sheet, value, "n", None, style)
    if isinstance(value, Decimal):
        return _typed_cell(sheet, float(value), "n", None, style)
    return text_cell(sheet, value, **style)


def _typed_cell(
    sheet: Any, value: object, data_type: str, number_format: str | None, style: dict[str, Any]
) -> WriteOnlyCell:
    """A cell of a value whose type value_cell checked: openpyxl's type guessing is skipped."""
    cell = WriteOnlyCell(sheet, value=None)
    cell._value = value
    cell.data_type = data_type
    return _style(cell, style, number_format=number_format)


def _style(cell: WriteOnlyCell, style: dict[str, Any], *, number_format: str | None = None) -> WriteOnlyCell:
    """Apply a number format and font/fill/alignment/... to a cell, once per combination and workbook.

    Setting a style hashes the style object to find it in the workbook's style lists (openpyxl
    recomputes that hash every time): a third of a large export. The resulting style indices of a
    combination are kept on the workbook (with the style objects, so their IDs stay theirs) and copied.
    """
    if not style and number_format is None:
        return cell
    cache = cell.parent.parent.__dict__.setdefault("_certtrack_styles", {})
    key = (number_format, *((name, id(value)) for name, value in style.items()))
    cached = cache.get(key)
    if cached is None:
        if number_format is not None:
            cell.number_format = number_format
        for name, value in style.items():
            setattr(cell, name, value)
        cache[key] = (copy.copy(cell._style), tuple(style.values()))
    else:
        cell._style = copy.copy(cached[0])
    return cell


def header_row(sheet: Any, titles: Sequence[str]) -> list[WriteOnlyCell]:
    return [
        text_cell(sheet, title, font=HEADER_FONT, fill=HEADER_FILL, alignment=Alignment(vertical="center"))
        for title in titles
    ]


def workbook_write(
    *, stream: IO[bytes], sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> None:
    """Write simple (title, headers, rows) sheets to a stream in write-only mode: memory stays flat.

    Used by list exports such as the audit log; headers bold and frozen, every text a text cell.
    """
    book = new_workbook()
    for title, headers, rows in sheets:
        sheet = new_sheet(book, title[:31], freeze="A2")
        sheet.append([text_cell(sheet, header, font=Font(bold=True)) for header in headers])
        for row in rows:
            sheet.append([value_cell(sheet, value) for value in row])
    book.save(stream)


# --- Simple tables: the import error list, the dashboards' lists -------------------------------------


@dataclass
class Table:
    """One sheet of a table workbook: title, headers, rows (values as value_cell writes them), widths."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[float] = field(default_factory=tuple)


def table_workbook_write(*, target: IO[bytes] | Path, tables: Sequence[Table]) -> None:
    """Write tables in the export style: styled, frozen header, autofilter, text cells as text, real dates."""
    book = new_workbook()
    for table in tables:
        sheet = new_sheet(book, str(table.title)[:31], widths=table.widths, freeze="A2")
        sheet.append(header_row(sheet, [str(h) for h in table.headers]))
        count = 0
        for row in table.rows:
            sheet.append([_cell(sheet, value) for value in row])
            count += 1
        set_autofilter(sheet, first_row=1, columns=len(table.headers), last_row=1 + count)
    book.save(target)


def _cell(sheet: Any, value: object) -> object:
    # Text the way every export writes it (never a formula); dates, numbers as their types.
    if isinstance(value, str):
        return text_cell(sheet, value)
    return value_cell(sheet, value)
