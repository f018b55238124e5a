"""Benchmark plumbing: results, timing, targets, the printed table and latest.json."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class FeatureMissing(Exception):
    """The feature a section measures is not in this checkout yet."""


@dataclass
class Row:
    section: str
    name: str
    value: float | None
    unit: str = "ms"
    reference: float | None = None
    reference_name: str = ""
    target: str = ""
    status: str = "INFO"  # PASS, MISS, INFO, SKIP, ERROR; FAIL: a correctness check, fails any run
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.reference:
            return None
        return self.value / self.reference


@dataclass
class Report:
    mode: str
    rows: list[Row] = field(default_factory=list)
    dataset: dict = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {format_row(row)}", flush=True)
        return row

    def skip(self, section: str, name: str, why: str) -> None:
        self.add(Row(section=section, name=name, value=None, unit="", status="SKIP", note=why))

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "mode": self.mode,
            "started_at": self.started_at,
            "machine": machine(),
            "dataset": self.dataset,
            "results": [{**asdict(row), "ratio": row.ratio} for row in self.rows],
        }
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def machine() -> dict:
    memory_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {"cpus": os.cpu_count(), "memory_gib": memory_gib, "python": platform.python_version()}


def judge(value: float | None, *, limit: float, quick: bool) -> str:
    """PASS/MISS against a target in full mode; quick mode reports without enforcing."""
    if value is None:
        return "SKIP"
    if quick:
        return "INFO"
    return "PASS" if value <= limit else "MISS"


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def vacuum(tables: list[str] | None = None) -> float:
    """VACUUM (ANALYZE) the bench database, or these tables: seconds taken (untimed set-up of a section).

    The bench itself leaves dead rows behind (section 1 empties and rewrites the roll-up tables,
    sections 4 and 6 roll their writes back). Where the server runs without autovacuum, they piled
    up run after run (2.2 million in the course roll-up table after a few runs here) and made each
    run slower than the last; production relies on autovacuum, which PostgreSQL runs by default.
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if tables is None:
            cursor.execute("VACUUM (ANALYZE)")
        for table in tables or []:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    return time.perf_counter() - started


def autovacuum_setting() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("ms", "s", "MB"):
        return f"{value:,.1f} {unit}"
    return f"{value:,.0f} {unit}".strip()


def format_row(row: Row) -> str:
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
    reference = f"{_fmt(row.reference, row.unit)} {row.reference_name}".strip() if row.reference is not None else ""
    return (
        f"[{row.status:5}] {row.section:3} {row.name:44} {_fmt(row.value, row.unit):>13}  "
        f"{reference:34} {ratio:7} {row.target:22} {row.note}"
    ).rstrip()


def print_table(report: Report) -> None:
    print("\n" + "=" * 150)
    print(f"certtrack benchmark ({report.mode}) {report.started_at}  dataset: {report.dataset}")
    print(f"{'status':7} {'sec':3} {'figure':44} {'value':>13}  {'bare reference':34} {'ratio':7} {'target':22} note")
    print("-" * 150)
    for row in report.rows:
        print(format_row(row))
    print("=" * 150)
