"""Section 6: the employee import of 10,000 rows, preview and commit, in its own subprocess."""

from __future__ import annotations

from bench.harness import FeatureMissing, Report, Row, judge
from bench.sections.common import feature, plant_near, probe_measure


def employee_import(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    name = "employee import, 10,000 rows, preview + commit"
    try:
        feature("spreadsheets.engine", "import_run")
        feature("spreadsheets.importers.employees", "EmployeeImporter")
    except FeatureMissing as missing:
        report.skip("6", name, f"not available yet: {missing}")
        return
    import tempfile

    plant = plant_near(5000)
    with tempfile.TemporaryDirectory(prefix="certtrack-bench-") as tmp:
        path = f"{tmp}/employees.xlsx"
        probe_measure("import-file", "--plant-id", str(plant.id), "--rows", "10000", "--path", path, env=env)
        result = probe_measure("import-run", "--plant-id", str(plant.id), "--path", path, env=env)
    total = (result["preview_ms"] + result["commit_ms"]) / 1000
    counts = result["counts"]
    report.add(
        Row(
            "6",
            name,
            total,
            unit="s",
            target="<= 30 s",
            status=judge(total, limit=30, quick=quick),
            note=f"preview {result['preview_ms'] / 1000:.1f} s + commit {result['commit_ms'] / 1000:.1f} s; "
            f"{counts['created']:,} created, {counts['updated']:,} updated, {counts['unchanged']:,} unchanged "
            f"(plant {plant.code}; commit rolled back afterwards)",
        )
    )
    report.add(
        Row(
            "6",
            "import peak memory (subprocess peak RSS)",
            result["rss_mb"],
            unit="MB",
            target="<= 300 MB",
            status=judge(result["rss_mb"], limit=300, quick=quick),
            note=f"RSS before the import {result['rss_before_mb']:.0f} MB (interpreter + Django)",
        )
    )
