"""Section 10: roll-up latency while exports of the largest plant run, with and without separate queues
(issue #20), through real Celery workers on the bench's Redis.

Two worker slots in both set-ups, as a small deployment has: (a) one worker serving every queue with two
processes, as before the queues were split; (b) a roll-up worker (-Q rollup) and a worker for the other queues,
one process each (README "Several servers"). Two background exports of the largest plant are sent, and once
they run a full roll-up of the smallest plant: its latency is from the send to the roll-up's new computed_at.
In (a) both slots hold an export and the roll-up waits for one to end; in (b) it starts at once. Not in
`make bench-quick` (about two minutes of workers and exports even at quick scale); `--quick --sections
queues` does (b) with one export.
"""

from __future__ import annotations

import time

from bench.harness import FeatureMissing, Report, Row
from bench.sections.common import ROOT, feature

EXPORTS = 2


def _plants():
    from django.db.models import Count

    from employees.models import Plant

    plants = list(Plant.objects.filter(is_active=True).annotate(n=Count("employees")).order_by("n", "code"))
    return plants[-1], plants[0]


def _requester():
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user = user_model.objects.filter(is_superuser=True).order_by("id").first()
    return user or user_model.objects.create_superuser("bench-queues", password=None)


def _wait(predicate, *, seconds: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def _rollup_during_exports(*, largest, smallest, exports: int) -> dict:
    """Send the exports, wait until they run, send the roll-up; its latency and how many exports ran meanwhile."""
    from assessments.models import ReadinessState
    from certtrack.celery import app
    from spreadsheets import services
    from spreadsheets.models import JobStatus, SpreadsheetJob

    requester = _requester()
    jobs = [services.export_job_create(plant=largest, line=None, requester=requester) for _ in range(exports)]
    for job in jobs:
        app.send_task("certtrack.tasks.spreadsheet_export_run", args=[job.pk])

    def running() -> int:
        return SpreadsheetJob.objects.filter(pk__in=[j.pk for j in jobs], status=JobStatus.RUNNING).count()

    if not _wait(lambda: running() >= 1, seconds=120):
        raise RuntimeError("no export started")
    time.sleep(0.5)  # let a second free slot take the other export, if there is one
    before = ReadinessState.objects.filter(plant=smallest).values_list("computed_at", flat=True).first()
    exports_running = running()
    started = time.monotonic()
    app.send_task("assessments.tasks.readiness_recompute_plant", args=[smallest.id])

    def rolled_up() -> bool:
        now = ReadinessState.objects.filter(plant=smallest).values_list("computed_at", flat=True).first()
        return now is not None and now != before

    if not _wait(rolled_up, seconds=900):
        raise RuntimeError("the roll-up did not finish within 15 minutes")
    latency_ms = (time.monotonic() - started) * 1000
    exports_left = SpreadsheetJob.objects.filter(pk__in=[j.pk for j in jobs]).exclude(status=JobStatus.DONE).count()
    done = _wait(
        lambda: SpreadsheetJob.objects.filter(pk__in=[j.pk for j in jobs], status=JobStatus.DONE).count() == exports,
        seconds=900,
        step=0.2,
    )
    for job in SpreadsheetJob.objects.filter(pk__in=[j.pk for j in jobs]):
        if job.file:
            job.file.delete(save=False)
        job.delete()
    if not done:
        raise RuntimeError("the exports did not finish within 15 minutes")
    return {"ms": latency_ms, "exports_running": exports_running, "exports_unfinished": exports_left}


def _alone(*, smallest) -> float:
    """The same roll-up with nothing else queued, on the roll-up worker: the floor both set-ups are compared with."""
    from assessments.models import ReadinessState
    from certtrack.celery import app

    before = ReadinessState.objects.filter(plant=smallest).values_list("computed_at", flat=True).first()
    started = time.monotonic()
    app.send_task("assessments.tasks.readiness_recompute_plant", args=[smallest.id])

    def rolled_up() -> bool:
        now = ReadinessState.objects.filter(plant=smallest).values_list("computed_at", flat=True).first()
        return now is not None and now != before

    if not _wait(rolled_up, seconds=300):
        raise RuntimeError("the roll-up did not finish within 5 minutes")
    return (time.monotonic() - started) * 1000


def rollup_beside_exports(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    name = "roll-up latency while exports of the largest plant run"
    try:
        feature("spreadsheets.services", "export_job_run")
        feature("certtrack.queue", "task_queue")
    except FeatureMissing as missing:
        report.skip("11", name, f"not available yet: {missing}")
        return
    if env.get("BENCH_REDIS_OK") != "1":
        report.skip("11", name, "Redis not reachable (real workers needed)")
        return
    from bench.sections.incremental import celery_worker

    largest, smallest = _plants()
    worker_env = {**env, "DB_CONN_MAX_AGE": "60"}
    logs = ROOT / "var"
    # Quick (CI's smoke run): the split set-up only, one export; the comparison is the full bench's.
    exports = 1 if quick else EXPORTS
    shared = None
    if not quick:
        with celery_worker(env=worker_env, log_path=logs / "bench-queues-one.log", concurrency=2, name="bench-all"):
            shared = _rollup_during_exports(largest=largest, smallest=smallest, exports=exports)
    with (
        celery_worker(env=worker_env, log_path=logs / "bench-queues-rollup.log", queues=["rollup"], name="bench-ru"),
        celery_worker(
            env=worker_env,
            log_path=logs / "bench-queues-others.log",
            queues=["spreadsheets", "notify", "webhooks", "celery"],
            name="bench-others",
        ),
    ):
        _alone(smallest=smallest)  # the worker's first task loads code and warms its connection: not counted
        alone = _alone(smallest=smallest)
        split = _rollup_during_exports(largest=largest, smallest=smallest, exports=exports)
    what = f"full roll-up of {smallest.code} ({smallest.n:,} employees) during {exports} export(s) of {largest.code}"
    if shared is not None:
        report.add(
            Row(
                "11",
                f"{what}: one queue, one worker x2",
                shared["ms"],
                reference=alone,
                reference_name="the roll-up alone",
                note=f"{shared['exports_running']} exports running at the send, "
                f"{shared['exports_unfinished']} unfinished when it was written",
            )
        )
    faster = f"; {shared['ms'] / split['ms']:.1f}x sooner than on one queue" if shared else ""
    report.add(
        Row(
            "11",
            f"{what}: queues per workload (roll-up worker + other worker)",
            split["ms"],
            reference=alone,
            reference_name="the roll-up alone",
            target="" if quick else "<= 2x alone",
            status="INFO" if quick else ("PASS" if split["ms"] <= 2 * alone else "MISS"),
            note=f"{split['exports_running']} export(s) running at the send, "
            f"{split['exports_unfinished']} unfinished when it was written{faster}",
        )
    )
