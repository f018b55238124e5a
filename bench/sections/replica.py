"""Section 10 (issue #20, alias `replica`): the read pages under load with one streaming replica beside the
same load on the primary alone.

BENCH_REPLICA_URL: a streaming replica of the bench database's server (`.ci/replica.sh start` prints one; its
database name is replaced by the bench database's). Without it the rows are skipped, with the reason. The
same gunicorn (4 workers) and wrk load as section 3 runs twice on the same pages, first without
DATABASE_REPLICA_URLS, then with it; the replica's own statistics (pg_stat_database, flushed when gunicorn's
sessions end) show how many transactions it served. On one machine the replica shares the primary's CPUs:
the ratio shows the router's cost and that nothing breaks, not the gain of a replica on its own server.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlparse, urlunparse

from bench.harness import Report, Row
from bench.sections.common import ROOT
from bench.sections.pages import PAGE_CANDIDATES, _page_url

TITLE = "pages under load, one replica"


def _replica_transactions(url: str, database: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()
    return int(row[0]) if row else 0


def _wait_for_replay(url: str, *, timeout: float) -> float:
    """Wait until the replica has replayed what the primary wrote (the generated dataset); seconds waited."""
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    started = time.monotonic()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the replica did not replay up to {target} within {timeout:.0f} s")
            time.sleep(0.2)
    return time.monotonic() - started


def replica_pages(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    given = os.environ.get("BENCH_REPLICA_URL")
    if not given:
        report.skip("12", TITLE, "no replica: set BENCH_REPLICA_URL (.ci/replica.sh start makes one)")
        return
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from bench.load import collectstatic, gunicorn, production_env, run_load
    from employees.models import Plant

    database = urlparse(env["DATABASE_URL"]).path.lstrip("/")
    replica_url = urlunparse(urlparse(given)._replace(path=f"/{database}"))
    waited = _wait_for_replay(replica_url, timeout=600)

    plant = Plant.objects.filter(is_active=True).annotate(n=Count("employees")).order_by("-n", "code").first()
    line = plant.lines.order_by("code").first()
    pages = {label: _page_url(label, plant, line) for label in PAGE_CANDIDATES}
    pages = {label: url for label, url in pages.items() if url}
    client = Client()
    client.force_login(get_user_model().objects.get(username=f"manager-{plant.code.lower()}"))
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}
    paths = {label: (url, cookie) for label, url in pages.items()}
    seconds = 3 if quick else 20
    web_env = production_env(env)
    collectstatic(web_env)

    loads, served = {}, {}
    for setup, extra in (("primary only", {}), ("one replica", {"DATABASE_REPLICA_URLS": replica_url})):
        before = _replica_transactions(replica_url, database)
        log = ROOT / "var" / f"bench-gunicorn-replica-{len(loads)}.log"
        with gunicorn(env={**web_env, **extra}, workers=4, log_path=log) as port:
            loads[setup] = run_load(port=port, paths=paths, clients=20, seconds=seconds)
        time.sleep(1.5)  # gunicorn's sessions have ended: the replica flushes their statistics
        served[setup] = _replica_transactions(replica_url, database) - before

    alone, with_replica = loads["primary only"], loads["one replica"]
    for label in pages:
        figures, reference = with_replica.paths[label], alone.paths[label]
        report.add(
            Row(
                "12",
                f"{label} p95 with one replica (20 clients, 4 workers)",
                figures.p95,
                reference=reference.p95,
                reference_name="p95 on the primary alone",
                note=f"requests {figures.requests:,} vs {reference.requests:,} alone; "
                f"{figures.errors + reference.errors} errors",
                status="FAIL" if figures.errors else "INFO",
            )
        )
    report.add(
        Row(
            "12",
            "requests served with one replica (throughput)",
            float(with_replica.requests),
            unit="requests",
            reference=float(alone.requests),
            reference_name="primary alone",
            note=f"{seconds} s each; the replica's transactions in the bench database: {served['one replica']:,} "
            f"with it configured, {served['primary only']:,} without; replay caught up in {waited:.1f} s first",
            status="FAIL" if served["one replica"] <= served["primary only"] else "INFO",
        )
    )
