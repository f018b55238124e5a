"""Real spreadsheet software opens every exported workbook: LibreOffice converts each sheet to CSV."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from spreadsheets.engine import importer_for
from spreadsheets.engine.tables import template_write
from spreadsheets.exports.roster import roster_workbook_write
from tests.spreadsheets.test_roster_export import D, plant_data  # noqa: F401 - the fixture

pytestmark = [pytest.mark.libreoffice, pytest.mark.django_db]

# Token 12 = -1: one CSV per sheet, named <file>-<Sheet>.csv (LibreOffice 7.2+). 76 = UTF-8.
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _convert(workbook: Path, tmp_path: Path) -> dict[str, list[list[str]]]:
    out = tmp_path / "csv"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            CSV_ALL_SHEETS,
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sheets = {}
    for path in sorted(out.glob(f"{workbook.stem}-*.csv")):
        with path.open(encoding="utf-8") as handle:
            sheets[path.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(handle))
    return sheets


def test_libreoffice_reads_the_roster_workbook(tmp_path, plant_data) -> None:  # noqa: F811
    workbook = tmp_path / "roster.xlsx"
    roster_workbook_write(plant=plant_data["SY"], on_date=D, target=workbook)

    sheets = _convert(workbook, tmp_path)

    assert set(sheets) == {"Roster", "Matrix", "Expiring", "Courses"}
    roster = sheets["Roster"]
    assert roster[0][:3] == ["Employee no", "Name", "Plant"]
    assert roster[1][:3] == ["A", "=SUM(A1)", "SY"]  # text, not evaluated
    assert roster[1][7] == "2025-01-01"
    assert [row[1] for row in roster[1:]] == ["=SUM(A1)", "+86 Bo", "@Cy", "-Left"]
    matrix = sheets["Matrix"]
    assert matrix[2][:7] == ["Employee no", "Name", "Line", "Station", "BAT-PACK-001", "BAT-PACK-002", "HV-001"]
    assert matrix[3][4:7] == ["U no expiry", "", "U 2027-01-10"]
    assert matrix[4][6] == "in progress"  # B failed the HV-001 theory test
    assert [row[0] for row in sheets["Courses"][1:]] == ["BAT-PACK-001", "BAT-PACK-002", "HV-001"]


@pytest.mark.parametrize("kind", ["organisation", "employees", "catalog", "results"])
def test_libreoffice_reads_every_import_template(tmp_path, kind) -> None:
    importer = importer_for(kind)
    workbook = tmp_path / f"{kind}.xlsx"
    template_write(importer, workbook)

    sheets = _convert(workbook, tmp_path)

    for spec in importer.sheets:
        assert sheets[spec.name][0] == [c.key for c in spec.columns]
    assert sheets["Help"][2] == ["Sheet", "Column", "Required", "Meaning", "Values"]
    for spec in importer.sheets:  # the example row, typed as LibreOffice reads it
        example = sheets[f"{spec.name} (example)"]
        assert example[0] == [c.key for c in spec.columns]
        assert example[1][0]
