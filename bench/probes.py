"""The measurements that run in a process of their own, so that the peak memory they report is their own:

    python -m bench.probes <probe> [--option value ...]

Sections 5 and 6 start one per measurement (bench/sections/common.py, `probe_measure`). Each probe sets
Django up, does its work and prints one JSON object as its last line of output; `rss_mb` in it is the
process's peak resident memory so far (interpreter and Django included).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, the high-water mark of its own address space.

    Not ru_maxrss: on Linux a child keeps the ru_maxrss of the process it was forked from across exec,
    so it reported the bench process's size (136 MB after section 3) whenever that was larger than the
    probe's own peak. ru_maxrss is the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- 5. Roster and matrix export -------------------------------------------------------------------


def export_product(*, plant_id: int, path: str) -> dict[str, Any]:
    """The product's roster and matrix workbook of one plant, written to `path`."""
    from employees.models import Plant
    from spreadsheets.exports.roster import roster_workbook_write

    plant = Plant.objects.get(pk=plant_id)
    before = rss_mb()
    started = time.perf_counter()
    count = roster_workbook_write(plant=plant, target=path)
    ms = (time.perf_counter() - started) * 1000
    return {"ms": ms, "rss_mb": rss_mb(), "rss_before_mb": before, "employees": count}


# One cell as the bare writer needs it: (value, fill colour or None, number format, bold), or None when empty.
Cell = tuple[Any, str | None, str, bool] | None


def export_cells(*, path: str, cells_path: str) -> dict[str, Any]:
    """The cells of the workbook at `path` (values and styles), pickled to `cells_path` (not timed)."""
    import pickle

    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    sheets: list[tuple[str, list[list[Cell]]]] = []
    cells = 0
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            out: list[Cell] = []
            for cell in row:
                if cell.value is None:
                    out.append(None)
                    continue
                fill = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None
                out.append((cell.value, fill, cell.number_format, bool(cell.font and cell.font.b)))
                cells += 1
            rows.append(out)
        sheets.append((sheet.title, rows))
    with open(cells_path, "wb") as handle:
        pickle.dump(sheets, handle)
    return {"cells": cells, "rows": sum(len(rows) for _title, rows in sheets)}


def export_bare(*, path: str, cells_path: str) -> dict[str, Any]:
    """The same cells written by bare openpyxl in write-only mode: the export's reference."""
    import pickle

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    with open(cells_path, "rb") as handle:
        sheets: list[tuple[str, list[list[Cell]]]] = pickle.load(handle)  # noqa: S301 - our own file
    before = rss_mb()
    started = time.perf_counter()
    fills: dict[str, PatternFill] = {}
    bold = Font(bold=True)
    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            out: list[WriteOnlyCell | None] = []
            for item in row:
                if item is None:
                    out.append(None)
                    continue
                value, fill, number_format, is_bold = item
                cell = WriteOnlyCell(sheet, value=value)
                if fill:
                    cell.fill = fills.get(fill) or fills.setdefault(fill, PatternFill("solid", fgColor=fill))
                if number_format != "General":
                    cell.number_format = number_format
                if is_bold:
                    cell.font = bold
                out.append(cell)
            sheet.append(out)
    book.save(path)
    ms = (time.perf_counter() - started) * 1000
    return {"ms": ms, "rss_mb": rss_mb(), "rss_before_mb": before}


# --- 6. Employee import ----------------------------------------------------------------------------


def import_file(*, plant_id: int, rows: int, path: str) -> dict[str, Any]:
    """An employee workbook of `rows` rows for one plant: half its employees' numbers up to rows // 2 (every
    other one changes shift: updated; the rest unchanged), then new employees placed like existing ones.
    """
    from openpyxl import Workbook

    from employees.models import Employee

    existing = list(
        Employee.objects.filter(plant_id=plant_id)
        .select_related("plant", "line", "station", "role")
        .order_by("employee_no")[: rows // 2]
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Employees")
    sheet.append(["employee_no", "name", "plant", "line", "station", "role", "shift", "hire_date", "status"])

    def row(e: Employee, number: str, name: str, shift: str) -> list[str | datetime.date]:
        return [
            number,
            name,
            e.plant.code,
            e.line.code if e.line else "",
            e.station.code if e.station else "",
            e.role.code,
            shift,
            e.hire_date,
            e.status,
        ]

    for i, e in enumerate(existing):  # half of them change shift: updated; the others: unchanged
        sheet.append(row(e, e.employee_no, e.name, ("B" if e.shift != "B" else "C") if i % 2 == 0 else e.shift))
    for i in range(rows - len(existing)):  # new employees, placed like existing ones
        e = existing[i % len(existing)]
        sheet.append(row(e, f"BENCH-IMP-{i:06d}", f"Bench Import {i}", e.shift))
    book.save(path)
    return {"existing": len(existing)}


def import_run(*, plant_id: int, path: str) -> dict[str, Any]:
    """The employee import of the workbook at `path`: a preview, then a commit that is rolled back afterwards."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from employees.models import Plant
    from spreadsheets.engine import import_run as spreadsheet_import_run

    plant = Plant.objects.get(pk=plant_id)
    user = get_user_model().objects.get(username="hr-" + plant.code.lower())
    before = rss_mb()
    started = time.perf_counter()
    preview = spreadsheet_import_run(
        kind="employees", path=Path(path), user=user, plant=plant, commit=False, filename="e.xlsx"
    )
    preview_ms = (time.perf_counter() - started) * 1000
    if not preview.ok:
        raise SystemExit(preview.as_text()[:2000])
    # The commit runs to completion; the bench's outer transaction then rolls it back so the dataset stays the same.
    with transaction.atomic():
        started_commit = time.perf_counter()
        done = spreadsheet_import_run(
            kind="employees", path=Path(path), user=user, plant=plant, commit=True, filename="e.xlsx"
        )
        commit_ms = (time.perf_counter() - started_commit) * 1000
        transaction.set_rollback(True)
    if not done.committed:
        raise SystemExit(done.as_text()[:2000])
    return {
        "preview_ms": preview_ms,
        "commit_ms": commit_ms,
        "rss_mb": rss_mb(),
        "rss_before_mb": before,
        "counts": done.counts(),
    }


PROBES: dict[str, Callable[..., dict[str, Any]]] = {
    "export-product": export_product,
    "export-cells": export_cells,
    "export-bare": export_bare,
    "import-file": import_file,
    "import-run": import_run,
}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.probes", description=__doc__.split("\n\n")[0])
    probes = parser.add_subparsers(dest="probe", required=True)
    export = probes.add_parser("export-product", help=export_product.__doc__)
    export.add_argument("--plant-id", type=int, required=True)
    export.add_argument("--path", required=True)
    for name, function in (("export-cells", export_cells), ("export-bare", export_bare)):
        cells = probes.add_parser(name, help=function.__doc__)
        cells.add_argument("--path", required=True)
        cells.add_argument("--cells-path", required=True)
    workbook = probes.add_parser("import-file", help=import_file.__doc__)
    workbook.add_argument("--plant-id", type=int, required=True)
    workbook.add_argument("--rows", type=int, required=True)
    workbook.add_argument("--path", required=True)
    run = probes.add_parser("import-run", help=import_run.__doc__)
    run.add_argument("--plant-id", type=int, required=True)
    run.add_argument("--path", required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    options = vars(parser().parse_args(argv))
    probe = PROBES[options.pop("probe")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    import django

    django.setup()
    print(json.dumps(probe(**options)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
