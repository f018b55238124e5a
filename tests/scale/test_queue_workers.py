"""A queue per workload, with real workers: a long spreadsheet job never delays a roll-up.

The test starts its own Celery workers on the test database and on REDIS_URL under a key prefix of its own
(tests/processes.py), as production runs them: one serving the roll-up queue, one serving the others. A slow
spreadsheet task (tests/scale/slow_tasks.py, routed as an export is) is sent first, then a plant's roll-up:
the roll-up is written while the spreadsheet task still runs. The same two tasks on one worker serving every
queue (one process) wait in line: the roll-up only after the export, which is what the split prevents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.models import ReadinessState
from certtrack.celery import app
from tests import factories
from tests.processes import broker_prefixed, celery_worker, new_prefix, wait_for

SLOW = "certtrack.tasks.spreadsheet_slow_for_tests"
ROLLUP = "assessments.tasks.readiness_recompute_plant"
SLOW_SECONDS = 8.0


@pytest.fixture
def small_plant(plant_sy):
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    station = factories.StationFactory(line=line, code="S1")
    for number in range(5):
        factories.EmployeeFactory(employee_no=f"E{number}", plant=plant_sy, line=line, station=station)
    return plant_sy


def _rolled_up(plant) -> bool:
    return ReadinessState.objects.filter(plant=plant, computed_at__isnull=False).exists()


def _slow_then_rollup(plant, tmp_path: Path) -> tuple[Path, Path]:
    started, finished = tmp_path / "slow-started", tmp_path / "slow-finished"
    app.send_task(SLOW, args=[SLOW_SECONDS, str(started), str(finished)])
    assert wait_for(started.exists, seconds=20), "no worker started the spreadsheet task"
    app.send_task(ROLLUP, args=[plant.id])
    return started, finished


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_it_rolls_up_while_a_long_spreadsheet_task_runs_on_its_own_queue(small_plant, tmp_path) -> None:
    prefix = new_prefix()
    workers = []
    try:
        workers.append(celery_worker("rollup", queues=["rollup"], prefix=prefix, log_dir=tmp_path))
        workers.append(
            celery_worker(
                "others",
                queues=["spreadsheets", "notify", "webhooks", "celery"],
                prefix=prefix,
                log_dir=tmp_path,
                include="tests.scale.slow_tasks",
            )
        )
        with broker_prefixed(prefix):
            assert not _rolled_up(small_plant)
            _started, finished = _slow_then_rollup(small_plant, tmp_path)

            assert wait_for(lambda: _rolled_up(small_plant), seconds=SLOW_SECONDS - 2), (
                "the roll-up waited: " + workers[0].output()[-2000:]
            )
            assert not finished.exists()  # the spreadsheet task is still running
            assert wait_for(finished.exists, seconds=SLOW_SECONDS + 10)
    finally:
        for worker in workers:
            worker.stop()
    # Each task ran on its workload's worker ("Task <name>[<id>] received" in the worker's log).
    assert f"{ROLLUP}[" in workers[0].output()
    assert f"{SLOW}[" not in workers[0].output()
    assert f"{SLOW}[" in workers[1].output()
    assert f"{ROLLUP}[" not in workers[1].output()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_one_worker_for_every_queue_makes_the_rollup_wait_behind_the_export(small_plant, tmp_path) -> None:
    """The counter-case: what the split prevents happens without it (so the test above can fail)."""
    prefix = new_prefix()
    worker = celery_worker("all", queues=None, prefix=prefix, log_dir=tmp_path, include="tests.scale.slow_tasks")
    try:
        with broker_prefixed(prefix):
            _started, finished = _slow_then_rollup(small_plant, tmp_path)

            assert wait_for(lambda: _rolled_up(small_plant), seconds=SLOW_SECONDS + 15)
            assert finished.exists()  # the roll-up ran only once the spreadsheet task had finished
    finally:
        worker.stop()
