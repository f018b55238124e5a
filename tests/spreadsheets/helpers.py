"""Workbooks built in the tests: openpyxl writes them, the import engine reads them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl

EMPLOYEE_HEADERS = ["employee_no", "name", "plant", "line", "station", "role", "shift", "hire_date", "status"]
RESULT_HEADERS = ["employee_no", "course_code", "kind", "assessed_on", "score", "passed", "assessor", "notes"]


def make_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """A normal (not write-only) workbook so tests can add merges, formulas and styles."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def open_back(path_or_bytes: Path | bytes) -> openpyxl.Workbook:
    """Open an exported workbook fully (not read-only) to inspect values, types and styles."""
    if isinstance(path_or_bytes, bytes):
        import io

        return openpyxl.load_workbook(io.BytesIO(path_or_bytes))
    return openpyxl.load_workbook(path_or_bytes)


def all_cells(book: openpyxl.Workbook) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
