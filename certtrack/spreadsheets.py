"""Writing Excel workbooks safely and with bounded memory.

Every text cell is written as a string cell, so a value such as "=HYPERLINK(...)"
or "+86 ..." coming from user data is shown as text and never evaluated as a
formula by the spreadsheet program (CSV/formula injection).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet


def text_cell(sheet: Worksheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    cell.value = value
    cell.data_type = "s"  # after the assignment: openpyxl guesses "f" for a leading "="
    if bold:
        cell.font = Font(bold=True)
    return cell


def value_cell(sheet: Worksheet, value: object) -> WriteOnlyCell | object:
    """Strings as forced text cells; dates, datetimes and numbers as real Excel values."""
    if isinstance(value, str):
        return text_cell(sheet, value)
    if isinstance(value, datetime.datetime | datetime.date | int | float) or value is None:
        return value
    return text_cell(sheet, str(value))


def workbook_write(
    *, stream: IO[bytes], sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> None:
    """Write (title, headers, rows) sheets to a stream in write-only mode: memory stays flat."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        sheet.append([text_cell(sheet, header, bold=True) for header in headers])
        for row in rows:
            sheet.append([value_cell(sheet, value) for value in row])
    workbook.save(stream)
