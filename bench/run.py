"""certtrack benchmark suite (issue #7): `make bench` (full dataset) or `make bench-quick` (CI smoke run).

    python bench/run.py [--quick] [--sections 1,3,4,gate,planning,suggest,reminders,queues,replica] [--regenerate]

Databases (PostgreSQL, same server and role as DATABASE_URL, or BENCH_DATABASE_URL):
  full:  certtrack_bench       generated once (20 plants, 100,000 employees, 5,000,000 assessments), then reused
  quick: certtrack_benchquick  dropped, recreated and generated on every run (2 plants, 2,000 employees, 60,000)
Redis: BENCH_REDIS_URL (broker, default redis://127.0.0.1:6379/5) and BENCH_CACHE_URL (sessions, as in
production, default redis://127.0.0.1:6379/6), both flushed before and after. Section 10 (replica) needs
BENCH_REPLICA_URL, a streaming replica of that server (.ci/replica.sh start), and is skipped without it.

Prints a table and writes bench/results/latest.json. Quick mode reports figures and exits 0 when
everything ran; full mode marks each target PASS or MISS (exit 1 on a MISS only with --strict).
A correctness check (FAIL: the roll-up tables disagree with the reference SQL) exits 1 in every mode.
Everything runs on loopback with bounded loops; gunicorn and the worker are stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import RESULTS_DIR, Report, Row, print_table  # noqa: E402

FULL = {"plants": 20, "employees": 100_000, "courses": 250, "assessments": 5_000_000}
QUICK = {"plants": 2, "employees": 2_000, "courses": 220, "assessments": 60_000}
PASSWORD = os.environ.get("BENCH_PASSWORD", "certtrack-bench-password")


def database_urls(quick: bool) -> tuple[str, str]:
    """(bench database URL, maintenance database URL on the same server)."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    base = explicit or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parsed = urlparse(base)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit("bench needs PostgreSQL: set DATABASE_URL or BENCH_DATABASE_URL to postgres://...")
    name = "certtrack_benchquick" if quick else "certtrack_bench"
    bench = base if explicit else urlunparse(parsed._replace(path=f"/{name}"))
    return bench, urlunparse(parsed._replace(path="/postgres"))


def _psycopg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def prepare_database(*, bench_url: str, admin_url: str, quick: bool, regenerate: bool, env: dict) -> dict:
    """Create (quick: recreate) the bench database, migrate it and generate the dataset when empty."""
    import psycopg
    from psycopg import sql

    name = _database_name(bench_url)
    with psycopg.connect(_psycopg_url(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and (quick or regenerate):
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    with psycopg.connect(_psycopg_url(bench_url)) as conn:
        employees = conn.execute("SELECT count(*) FROM employees_employee").fetchone()[0]
    spec = QUICK if quick else FULL
    if employees:
        print(f"dataset already in {name} ({employees:,} employees): reused (--regenerate rebuilds it)")
        return {"database": name, "generated": False, **spec}
    args = [f"--{key}={value}" for key, value in spec.items()]
    print(f"generating the {'quick' if quick else 'full'} dataset into {name}: {spec}", flush=True)
    started = time.monotonic()
    subprocess.run(
        [*manage, "generate_scale_data", *args, "--seed=1", f"--password={PASSWORD}"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=1800,
    )
    return {"database": name, "generated": True, "generate_seconds": round(time.monotonic() - started, 1), **spec}


def flush_redis(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).flushdb()
    except Exception as exc:  # noqa: BLE001 - Redis is optional for most sections
        print(f"Redis at {url} is not usable ({exc}); sections needing it report so")
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small dataset, recreated each run (CI smoke check)")
    parser.add_argument(
        "--sections",
        default=None,
        help="comma-separated section numbers (or names: gate is 7, planning 8, suggest 9, reminders 10, queues 11, "
        "replica 12); default: all, but 11 only in the full run "
        "(minutes of real exports: --quick --sections queues runs it)",
    )
    parser.add_argument("--regenerate", action="store_true", help="full mode: rebuild certtrack_bench")
    parser.add_argument("--strict", action="store_true", help="full mode: exit 1 when a target is missed")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    options = parser.parse_args(argv)
    if options.sections is None:
        options.sections = "1,2,3,4,5,6,7,8,9,10,12" + ("" if options.quick else ",11")

    bench_url, admin_url = database_urls(options.quick)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    cache_url = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/6")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": cache_url,
        "DJANGO_SETTINGS_MODULE": "certtrack.settings",
    }
    env.pop("BENCH_DATABASE_URL", None)
    # One key for this process and the web workers: sessions made here must be valid there.
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    started = time.monotonic()
    report = Report(mode="quick" if options.quick else "full")
    report.dataset = prepare_database(
        bench_url=bench_url, admin_url=admin_url, quick=options.quick, regenerate=options.regenerate, env=env
    )
    if report.dataset.get("generate_seconds") is not None:
        report.add(
            Row(
                "0",
                "generate_scale_data (subprocess, total)",
                report.dataset["generate_seconds"],
                unit="s",
                target="" if options.quick else "<= 300 s",
            )
        )
    redis_ok = flush_redis(redis_url) and flush_redis(cache_url)

    os.environ.update(
        DATABASE_URL=bench_url,
        REDIS_URL=redis_url,
        CACHE_URL=cache_url,
        SECRET_KEY=env["SECRET_KEY"],
        DJANGO_SETTINGS_MODULE="certtrack.settings",
    )
    import django

    django.setup()
    # As in a web process that enqueues roll-ups: the Celery app and its task modules loaded.
    import certtrack.celery  # noqa: F401
    from bench.sections import ALIASES, SECTIONS
    from certtrack.celery import app

    app.loader.import_default_modules()

    from bench.harness import autovacuum_setting, vacuum

    report.dataset["autovacuum"] = autovacuum_setting()
    print(
        f"VACUUM (ANALYZE) of {report.dataset['database']}: {vacuum():.1f} s "
        f"(autovacuum is {report.dataset['autovacuum']} on this server)",
        flush=True,
    )

    failures = 0
    for number in [ALIASES.get(s.strip(), s.strip()) for s in options.sections.split(",") if s.strip()]:
        title, run, needs_env = SECTIONS[number]
        print(f"\n--- section {number}: {title}", flush=True)
        try:
            if needs_env:
                run(report, quick=options.quick, env={**env, "BENCH_REDIS_OK": "1" if redis_ok else "0"})
            else:
                run(report, quick=options.quick)
        except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others
            failures += 1
            traceback.print_exc()
            report.add(Row(number, title, None, unit="", status="ERROR", note=f"{type(exc).__name__}: {exc}"))
    if redis_ok:
        flush_redis(redis_url)
        flush_redis(cache_url)

    report.dataset["bench_seconds"] = round(time.monotonic() - started, 1)
    print_table(report)
    report.write(options.output)
    print(f"wrote {options.output} in {report.dataset['bench_seconds']} s")
    if failures:
        return 1
    if any(row.status == "FAIL" for row in report.rows):
        print("FAIL: a correctness check failed (see the rows marked FAIL)")
        return 1
    if options.strict and not options.quick and any(row.status == "MISS" for row in report.rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
