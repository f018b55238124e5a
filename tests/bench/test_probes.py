"""The probes the bench runs in subprocesses (bench/probes.py) are plain functions with a command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bench import probes

ROOT = Path(__file__).resolve().parents[2]


def test_every_probe_has_a_command() -> None:
    for name in probes.PROBES:
        options = vars(probes.parser().parse_args([name, *_arguments(name)]))
        assert options.pop("probe") == name


def _arguments(name: str) -> list[str]:
    return {
        "export-product": ["--plant-id", "1", "--path", "a.xlsx"],
        "export-cells": ["--path", "a.xlsx", "--cells-path", "c.pickle"],
        "export-bare": ["--path", "a.xlsx", "--cells-path", "c.pickle"],
        "import-file": ["--plant-id", "1", "--rows", "10", "--path", "a.xlsx"],
        "import-run": ["--plant-id", "1", "--path", "a.xlsx"],
    }[name]


def test_the_bare_writer_writes_the_cells_read_back(tmp_path: Path) -> None:
    source = tmp_path / "source.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Roster"
    sheet.append(["employee_no", "name"])
    sheet["A1"].font = openpyxl.styles.Font(bold=True)
    sheet.append(["E-1", "Ada"])
    sheet["B2"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFC6EFCE")
    book.save(source)

    cells = probes.export_cells(path=str(source), cells_path=str(tmp_path / "cells.pickle"))
    bare = probes.export_bare(path=str(tmp_path / "bare.xlsx"), cells_path=str(tmp_path / "cells.pickle"))

    assert cells == {"cells": 4, "rows": 2}
    assert bare["ms"] >= 0 and bare["rss_mb"] >= bare["rss_before_mb"] > 0
    written = openpyxl.load_workbook(tmp_path / "bare.xlsx")["Roster"]
    assert [[c.value for c in row] for row in written.iter_rows()] == [["employee_no", "name"], ["E-1", "Ada"]]
    assert written["A1"].font.b and written["B2"].fill.fgColor.rgb == "FFC6EFCE"


@pytest.mark.parametrize("argv", [["no-such-probe"], ["export-cells", "--path", "a.xlsx"]])
def test_the_command_refuses_a_wrong_call(argv: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.probes", *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert "usage: python -m bench.probes" in completed.stderr
