"""Section 12 (issue #20): registered as `replica`, and skipped with its reason when no replica is given."""

from __future__ import annotations

from bench.harness import Report
from bench.sections import ALIASES, SECTIONS
from bench.sections.replica import replica_pages


def test_it_is_section_12_alias_replica() -> None:
    assert ALIASES["replica"] == "12"
    assert SECTIONS["12"][1] is replica_pages


def test_it_skips_without_a_replica_url(monkeypatch) -> None:
    monkeypatch.delenv("BENCH_REPLICA_URL", raising=False)
    report = Report(mode="quick")
    replica_pages(report, quick=True, env={})
    assert [(row.section, row.status, row.note) for row in report.rows] == [
        ("12", "SKIP", "no replica: set BENCH_REPLICA_URL (.ci/replica.sh start makes one)")
    ]
