"""Section 5: the roster and matrix export beside a bare openpyxl writer, each in its own subprocess."""

from __future__ import annotations

import os

from bench.harness import FeatureMissing, Report, Row, judge
from bench.sections.common import feature, plant_near, probe_measure


def _ms_list(results: list[dict]) -> str:
    return ", ".join(f"{r['ms']:,.0f}" for r in results)


def roster_export(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    name = "roster + matrix export, 5,000-employee plant"
    try:
        feature("spreadsheets.exports.roster", "roster_workbook_write")
    except FeatureMissing as missing:
        report.skip("5", name, f"not available yet: {missing}")
        return
    import tempfile

    plant = plant_near(5000)
    runs = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="certtrack-bench-") as tmp:
        product_path, bare_path, cells_path = (f"{tmp}/roster.xlsx", f"{tmp}/bare.xlsx", f"{tmp}/cells.pickle")
        products = [
            probe_measure("export-product", "--plant-id", str(plant.id), "--path", product_path, env=env)
            for _ in range(runs)
        ]
        # Reads back the product's workbook (not timed) so the bare writer gets exactly the same cells.
        cells = probe_measure("export-cells", "--path", product_path, "--cells-path", cells_path, env=env)
        bares = [
            probe_measure("export-bare", "--path", bare_path, "--cells-path", cells_path, env=env) for _ in range(runs)
        ]
        size_mb = os.path.getsize(product_path) / 2**20
    product = min(products, key=lambda r: r["ms"])
    bare = min(bares, key=lambda r: r["ms"])
    ratio = product["ms"] / bare["ms"]
    status = judge(ratio, limit=1.3, quick=quick)
    report.add(
        Row(
            "5",
            f"export, plant {plant.code} ({product['employees']:,} employees)",
            product["ms"],
            reference=bare["ms"],
            reference_name="bare openpyxl write-only",
            target="<= 1.3x bare",
            status=status,
            note=f"{cells['cells']:,} cells in {cells['rows']:,} rows, {size_mb:.1f} MB file; "
            f"runs {_ms_list(products)} vs {_ms_list(bares)} ms",
        )
    )
    peak = max(r["rss_mb"] for r in products)
    report.add(
        Row(
            "5",
            "export peak memory (subprocess peak RSS)",
            peak,
            unit="MB",
            reference=max(r["rss_mb"] for r in bares),
            reference_name="bare writer peak RSS",
            target="<= 200 MB",
            status=judge(peak, limit=200, quick=quick),
            note=f"RSS before the export {product['rss_before_mb']:.0f} MB (interpreter + Django); "
            "the bare writer also holds every cell in memory",
        )
    )
