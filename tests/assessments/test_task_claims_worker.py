"""A whole worker killed (SIGKILL, as an OOM kill or a reboot does) in the middle of a plant's roll-up:
its claim stops beating, the sweep sends the work again, a fresh worker finishes it within seconds,
not after the broker's visibility timeout. And when Redis hands the killed message back, after that
timeout, it returns without running the work again. A pool child killed alone (the OOM killer's usual
pick) has its message requeued at once: that message returns too, and the sweep resumes the work.

The test starts its own workers (python -m tests.assessments.slow_worker) on the test database and on
REDIS_URL, consuming only a queue of their own: a worker already running there (CI's, on the default
queue) never sees this test's messages, and the test removes its queue's keys when it ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from assessments.models import LineSnapshot, ReadinessState
from assessments.readiness.tasks import readiness_recompute_plant
from certtrack.claims import claims_sweep
from certtrack.models import ClaimState, TaskClaim
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate: Callable[[], object], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def _test_database_url() -> str:
    """The database this test runs on (pytest-django's test_<NAME>), for the worker to see the same rows."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}"


def _remove_queue(queue: str) -> None:
    """The queue's list, bindings and unacknowledged messages (the killed worker's) in the broker's database."""
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")

    for tag, payload in client.hgetall("unacked").items():
        if json.loads(payload)[-1] == queue:  # [message, exchange, routing key]
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.close()


def _age_unacked(task_id: str) -> None:
    """Make the broker see the killed message as delivered long ago (past the visibility timeout)."""
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    tags = [
        tag
        for tag, payload in client.hgetall("unacked").items()
        if json.loads(payload)[0]["headers"]["id"] == task_id  # [message, exchange, routing key]
    ]
    assert len(tags) == 1, "the killed message waits, unacknowledged, in the broker"
    client.zadd("unacked_index", {tags[0]: 0})
    client.close()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start workers on a queue of their own; every one is stopped (its whole process group) at the end."""
    queue = f"claims-test-{uuid.uuid4().hex[:8]}"
    started: list[subprocess.Popen] = []

    def start(*, pause_seconds: float = 0, marker: Path | None = None) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "DB_CONN_MAX_AGE": "0",  # closes its connection after each task: pytest can drop the database
            "TASK_CLAIM_HEARTBEAT_SECONDS": "1",
            "SLOW_ROLLUP_SECONDS": str(pause_seconds),
            "SLOW_ROLLUP_MARKER": str(marker or ""),
        }
        name = f"{queue}-{len(started)}@%h"
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.assessments.slow_worker",
                "-Q",
                queue,
                "-n",
                name,
                "--concurrency=1",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--logfile={log}",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: killpg reaches the pool child too
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    start.queue = queue  # type: ignore[attr-defined]
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    _remove_queue(queue)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_it_resumes_a_roll_up_killed_with_its_whole_worker_within_seconds(
    workers, plant_sy, tmp_path, settings
) -> None:
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    for number in range(3):
        factories.EmployeeFactory(employee_no=f"K{number}", plant=plant_sy, line=line)
    today = plant_sy.local_today()
    pausing = tmp_path / "pausing"
    first = workers(pause_seconds=600, marker=pausing)

    original = readiness_recompute_plant.apply_async(args=[plant_sy.id], queue=workers.queue).id
    _wait_for(pausing.exists, seconds=90, what="the worker to start the roll-up")
    claim = TaskClaim.objects.get()
    assert (claim.task_name, claim.args, claim.state) == (
        "assessments.tasks.readiness_recompute_plant",
        [plant_sy.id],
        ClaimState.RUNNING,
    )
    assert claim.queue == workers.queue and workers.queue in claim.worker
    # The heartbeat thread beats while the roll-up sits inside its transaction.
    _wait_for(lambda: TaskClaim.objects.get().heartbeat_at > claim.claimed_at, seconds=10, what="a heartbeat")

    os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process and pool child
    first.wait()
    killed = time.monotonic()
    # The roll-up's transaction died with it: nothing of it was committed.
    assert not LineSnapshot.objects.filter(line=line).exists()
    assert not ReadinessState.objects.filter(plant=plant_sy, full_computed_at__isnull=False).exists()

    second = workers()  # a fresh worker; the killed message stays invisible in Redis for the visibility timeout
    settings.TASK_CLAIM_STALE_SECONDS = 3
    # What beat's every-minute sweep does: once the heartbeat is stale, the work is sent again, once.
    _wait_for(lambda: claims_sweep() == 1, seconds=30, what="the sweep to find the stale claim")
    assert claims_sweep() == 0
    assert TaskClaim.objects.get().resumes == 1

    _wait_for(
        lambda: LineSnapshot.objects.filter(line=line, on_date=today, headcount=3).exists(),
        seconds=90,
        what="the resumed roll-up",
    )
    resumed_after = time.monotonic() - killed
    assert ReadinessState.objects.get(plant=plant_sy).on_date == today
    # Done, and kept so: the killed message is still out there.
    _wait_for(lambda: TaskClaim.objects.get().state == ClaimState.DONE, seconds=10, what="the claim to be done")
    visibility_timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert resumed_after < 150 < visibility_timeout / 10

    # The visibility timeout passes: the next worker to start hands the killed message back. (The second
    # is stopped first, so that the message comes back to the worker whose runs this test watches.)
    os.killpg(second.pid, signal.SIGTERM)
    second.wait(timeout=30)
    _age_unacked(original)
    computed_at = ReadinessState.objects.get(plant=plant_sy).full_computed_at
    rerun = tmp_path / "rerun"
    workers(pause_seconds=0.1, marker=rerun)
    log = tmp_path / "worker-2.log"  # the fixture's third worker
    _wait_for(
        lambda: log.exists() and f"[{original}] succeeded" in log.read_text(),
        seconds=60,
        what="the killed message to come back and return",
    )
    assert f"message {original} of assessments.tasks.readiness_recompute_plant" in log.read_text()
    assert not rerun.exists()  # the roll-up did not run again
    assert ReadinessState.objects.get(plant=plant_sy).full_computed_at == computed_at
    assert TaskClaim.objects.get().state == ClaimState.DONE


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_roll_up_whose_pool_child_was_killed_is_resumed_by_the_sweep_not_looped_by_its_requeued_message(
    workers, plant_sy, tmp_path, settings
) -> None:
    """The OOM killer takes the biggest process, the pool child: Celery requeues its message at once
    (reject_on_worker_lost). That message finds the claim still beating and returns without running
    (work that kills its worker every time would loop there, uncounted); the sweep resumes the work,
    counted, once the claim is stale."""
    factories.EmployeeFactory(employee_no="K0", plant=plant_sy)
    pausing = tmp_path / "pausing"
    workers(pause_seconds=600, marker=pausing)
    message = readiness_recompute_plant.apply_async(args=[plant_sy.id], queue=workers.queue).id
    _wait_for(pausing.exists, seconds=90, what="the worker to start the roll-up")
    claim = TaskClaim.objects.get()
    child = int(claim.worker.rpartition(" pid ")[2])

    pausing.unlink()
    os.kill(child, signal.SIGKILL)
    log = tmp_path / "worker-0.log"
    _wait_for(lambda: f"[{message}] succeeded" in log.read_text(), seconds=60, what="the requeued message to return")
    assert "WorkerLostError" in log.read_text()
    assert not pausing.exists()  # it did not run the roll-up
    assert TaskClaim.objects.get().resumes == 0

    settings.TASK_CLAIM_STALE_SECONDS = 3
    _wait_for(lambda: claims_sweep() == 1, seconds=30, what="the sweep to find the stale claim")
    _wait_for(pausing.exists, seconds=60, what="the resumed roll-up")
    claim = TaskClaim.objects.get()
    assert (claim.state, claim.resumes, claim.origin_id) == (ClaimState.RUNNING, 1, message)
