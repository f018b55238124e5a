"""Task claims: a long task claims its work while it runs; the every-minute sweep sends again the work of
a worker that stopped beating, once, and the sends a web process could not make. One piece of work has
one claim: the killed messages that Redis hands back later return without running it again.

The real kill of a real worker is tests/assessments/test_task_claims_worker.py; here the sweep's rules,
with its sends recorded instead of published (a published message would reach CI's worker).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.db import OperationalError
from django.utils import timezone

from assessments.readiness import recompute
from assessments.readiness.tasks import readiness_recompute_plant
from certtrack import claims
from certtrack.celery import app
from certtrack.models import ClaimState, TaskClaim

RECOMPUTE = "assessments.tasks.readiness_recompute_plant"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list, str, dict | None]]:
    """What the sweep sends: (task name, args, task id, headers)."""
    messages: list[tuple[str, list, str, dict | None]] = []

    def send_task(name: str, *, args: list, task_id: str, headers: dict | None = None, **options: Any) -> None:
        messages.append((name, args, task_id, headers))

    monkeypatch.setattr(app, "send_task", send_task)
    return messages


def _claim(
    *, task_name: str = RECOMPUTE, state: str = ClaimState.RUNNING, age_seconds: int = 600, **fields
) -> TaskClaim:
    beat = timezone.now() - dt.timedelta(seconds=age_seconds)
    task_id = fields.pop("task_id", f"id-{TaskClaim.objects.count()}")
    return TaskClaim.objects.create(
        origin_id=task_id,
        task_id=task_id,
        task_name=task_name,
        args=fields.pop("args", [7]),
        state=state,
        worker=fields.pop("worker", "celery@host-a pid 12"),
        claimed_at=beat,
        heartbeat_at=beat,
        **fields,
    )


def _run_as_worker(task, *args, task_id: str = "msg-1", headers: dict | None = None) -> None:
    """Run a task as a worker's tracer does: a message's request (not eager, not called directly), its
    custom headers among the request's fields, as a worker builds it from the message's headers."""
    task.push_request(
        id=task_id,
        called_directly=False,
        is_eager=False,
        hostname="celery@host-a",
        delivery_info={"routing_key": "q1"},
        **(headers or {}),
    )
    try:
        task(*args)
    finally:
        task.pop_request()


# --- The visibility timeout ------------------------------------------------------------------------


def test_it_keeps_the_visibility_timeout_just_above_the_longest_task_and_its_retry_wait() -> None:
    app.loader.import_default_modules()  # autodiscovery, as the worker does at start
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 8
    longest = max(task.time_limit or app.conf.task_time_limit for task in ours)
    longest_wait = max(task.retry_backoff_max if getattr(task, "autoretry_for", ()) else 0 for task in ours)
    assert (longest, longest_wait) == (1800, 300)  # readiness_recompute_plant; ROLLUP_TASK_OPTIONS
    timeout = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # Above: a started task is never handed to a second worker. Just above: killed work is not held back.
    assert longest + longest_wait < timeout <= longest + longest_wait + 5 * 60
    # The claim of resumed work, done or given up, outlasts the return of its killed messages by far.
    assert claims.KEEP_SETTLED.total_seconds() > 10 * timeout


def test_the_claims_sweep_runs_every_minute() -> None:
    entry = app.conf.beat_schedule["task-claims-sweep"]
    assert (entry["task"], entry["schedule"]) == ("certtrack.tasks.task_claims_sweep", 60.0)
    assert 0 < entry["options"]["expires"] < 60
    assert (django_settings.TASK_CLAIM_HEARTBEAT_SECONDS, django_settings.TASK_CLAIM_STALE_SECONDS) == (30, 180)


def test_it_refuses_a_stale_threshold_of_fewer_than_three_heartbeats(settings) -> None:
    from certtrack.checks import task_claim_check

    assert task_claim_check(None) == []
    settings.TASK_CLAIM_STALE_SECONDS = 60
    assert [error.id for error in task_claim_check(None)] == ["certtrack.E004"]


# --- Claiming ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_claims_a_plant_recompute_while_it_runs_and_releases_it(plant_sy, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(recompute, "plant_recompute", lambda **kwargs: seen.extend(TaskClaim.objects.values()))

    _run_as_worker(readiness_recompute_plant, plant_sy.id)

    assert len(seen) == 1
    claim = seen[0]
    assert (claim["task_id"], claim["task_name"], claim["args"], claim["queue"], claim["state"]) == (
        "msg-1",
        RECOMPUTE,
        [plant_sy.id],
        "q1",
        ClaimState.RUNNING,
    )
    assert claim["worker"].startswith("celery@host-a pid ")
    assert not TaskClaim.objects.exists()


@pytest.mark.django_db
def test_it_releases_the_claim_when_the_task_fails(plant_sy, monkeypatch) -> None:
    def fail(**kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(recompute, "plant_recompute", fail)
    with pytest.raises(ValueError, match="a bug"):
        _run_as_worker(readiness_recompute_plant, plant_sy.id)
    assert not TaskClaim.objects.exists()


@pytest.mark.django_db
def test_it_claims_nothing_for_eager_or_direct_calls(plant_sy, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(recompute, "plant_recompute", lambda **kwargs: seen.append(TaskClaim.objects.count()))
    readiness_recompute_plant.apply(args=[plant_sy.id])
    readiness_recompute_plant(plant_sy.id)
    assert seen == [0, 0]


@pytest.mark.django_db
def test_a_resent_message_takes_over_its_claim_and_keeps_the_resume_count(plant_sy, monkeypatch, sent) -> None:
    _claim(args=[plant_sy.id], resumes=1)
    assert claims.claims_sweep() == 1
    ((_name, _args, new_id, headers),) = sent
    assert headers == {"claim_origin": "id-0"}  # the work's first message
    seen = []
    monkeypatch.setattr(recompute, "plant_recompute", lambda **kwargs: seen.extend(TaskClaim.objects.values()))

    _run_as_worker(readiness_recompute_plant, plant_sy.id, task_id=new_id, headers=headers)

    assert [(c["origin_id"], c["task_id"], c["state"], c["resumes"]) for c in seen] == [
        ("id-0", new_id, ClaimState.RUNNING, 2)
    ]
    # Kept, done, for the killed messages that come back (tests below); forgotten after KEEP_SETTLED.
    assert TaskClaim.objects.get().state == ClaimState.DONE
    claims.claims_sweep(now=timezone.now() + claims.KEEP_SETTLED + dt.timedelta(minutes=1))
    assert not TaskClaim.objects.exists()


# --- Sweeping ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_resends_a_claim_whose_heartbeat_stopped_once(sent, settings, caplog) -> None:
    settings.TASK_CLAIM_STALE_SECONDS = 180
    stale = _claim(age_seconds=181)
    _claim(task_id="alive", args=[8], age_seconds=30)
    caplog.set_level(logging.WARNING, logger="certtrack.claims")

    assert claims.claims_sweep() == 1
    assert claims.claims_sweep() == 0  # its new message waits for a worker: not sent twice

    assert [(name, args) for name, args, _id, _headers in sent] == [(RECOMPUTE, [7])]
    stale.refresh_from_db()
    assert (stale.task_id, stale.state, stale.worker, stale.resumes) == (sent[0][2], ClaimState.SENT, "", 1)
    assert TaskClaim.objects.get(task_id="alive").state == ClaimState.RUNNING
    assert [r.getMessage() for r in caplog.records] == [
        f"task claims: {RECOMPUTE}(7,) resumed; its worker (celery@host-a pid 12) stopped beating at "
        f"{stale.claimed_at.isoformat()}"
    ]


@pytest.mark.django_db
def test_two_sweeps_never_both_send_a_claim(sent) -> None:
    _claim()
    now = timezone.now()
    seen_by_first = claims.claims_due(now=now)
    seen_by_second = claims.claims_due(now=now)  # both read the stale claim before either took it

    assert claims.claim_resend(claim=seen_by_first[0], now=now) is True
    assert claims.claim_resend(claim=seen_by_second[0], now=now) is False
    assert len(sent) == 1


@pytest.mark.django_db
def test_it_gives_up_on_work_that_killed_its_worker_again_and_again(sent, caplog) -> None:
    _claim(resumes=claims.MAX_RESUMES)
    caplog.set_level(logging.ERROR, logger="certtrack.claims")
    assert claims.claims_sweep() == 0
    assert claims.claims_sweep() == 0
    assert sent == [] and TaskClaim.objects.get().state == ClaimState.GIVEN_UP
    assert [r.getMessage() for r in caplog.records] == [
        f"task claims: {RECOMPUTE}(7,) stopped its worker 4 times; not sent again (its killed messages are dropped)"
    ]
    claims.claims_sweep(now=timezone.now() + claims.KEEP_SETTLED + dt.timedelta(minutes=1))
    assert not TaskClaim.objects.exists()


@pytest.mark.django_db
def test_it_forgets_a_resent_message_no_worker_started_within_a_day(sent) -> None:
    _claim(state=ClaimState.SENT, worker="", age_seconds=25 * 3600)
    _claim(state=ClaimState.SENT, worker="", age_seconds=600)
    assert claims.claims_sweep() == 0
    assert TaskClaim.objects.count() == 1


@pytest.mark.django_db
def test_an_unsent_task_that_is_not_idempotent_is_sent_at_most_once(sent) -> None:
    _claim(
        task_name="certtrack.tasks.spreadsheet_import_commit",
        state=ClaimState.UNSENT,
        worker="",
        args=[5, "1.2.3.4"],
        age_seconds=0,
    )
    assert claims.claims_sweep() == 1
    assert [(name, args) for name, args, _id, _headers in sent] == [
        ("certtrack.tasks.spreadsheet_import_commit", [5, "1.2.3.4"])
    ]
    assert not TaskClaim.objects.exists()  # gone before the send: a second sweep cannot import it twice


@pytest.mark.django_db
def test_a_send_that_fails_in_the_sweep_is_kept_for_the_next_one(monkeypatch) -> None:
    def broker_down(claim: TaskClaim, task_id: str) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(claims, "_send", broker_down)
    _claim(
        task_name="certtrack.tasks.spreadsheet_export_run", state=ClaimState.UNSENT, worker="", args=[3], age_seconds=0
    )
    crashed = _claim(args=[9])

    assert claims.claims_sweep() == 0

    kept = {c.task_name: c for c in TaskClaim.objects.all()}
    assert kept["certtrack.tasks.spreadsheet_export_run"].state == ClaimState.UNSENT
    assert kept["certtrack.tasks.spreadsheet_export_run"].args == [3]
    assert (kept[RECOMPUTE].state, kept[RECOMPUTE].resumes, kept[RECOMPUTE].heartbeat_at) == (
        ClaimState.RUNNING,
        0,
        crashed.heartbeat_at,
    )


# --- Redeliveries: one piece of work, one claim ------------------------------------------------------
# Every message of killed work comes back: Redis hands a killed message back after the visibility
# timeout, Celery requeues it at once when only its pool child died. These tests deliver such messages
# by hand, as a worker would, and count the messages that ran the work.


class _Killed(BaseException):
    """A SIGKILL as the database sees it: the task stops where it is, and none of its `finally` runs."""


class _Worker:
    """Runs messages of a plant's recompute as a worker does. With `oom`, every run of the work kills its
    worker (its claim stays as it was); `during_run` is called inside the next run of the work."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, plant_id: int) -> None:
        self.plant_id = plant_id
        self.runs: list[str] = []  # the messages that ran the work
        self.oom = False
        self.during_run: Any = None
        self.killed = False
        release = claims.claim_end
        monkeypatch.setattr(recompute, "plant_recompute", self._recompute)
        monkeypatch.setattr(claims, "claim_end", lambda **kwargs: None if self.killed else release(**kwargs))

    def _recompute(self, **kwargs: object) -> None:
        self.runs.append(readiness_recompute_plant.request.id)
        during, self.during_run = self.during_run, None
        if during:
            during()
        if self.oom:
            self.killed = True
            raise _Killed

    def deliver(self, task_id: str, headers: dict | None = None, *, stops_beating: bool = True) -> None:
        self.killed = False
        try:
            _run_as_worker(readiness_recompute_plant, self.plant_id, task_id=task_id, headers=headers)
        except _Killed:
            if stops_beating:  # the stale threshold passes before anyone looks
                TaskClaim.objects.filter(state=ClaimState.RUNNING).update(
                    heartbeat_at=timezone.now() - dt.timedelta(seconds=600)
                )
        finally:
            self.killed = False


@pytest.fixture
def worker(plant_sy, monkeypatch: pytest.MonkeyPatch) -> _Worker:
    return _Worker(monkeypatch, plant_sy.id)


@pytest.mark.django_db
def test_the_killed_original_returns_without_running_while_its_resend_runs(worker: _Worker, sent: list) -> None:
    worker.oom = True
    worker.deliver("msg-1")
    assert claims.claims_sweep() == 1
    ((_name, _args, resend_id, headers),) = sent
    worker.oom = False
    during = []
    # While the resend runs, Redis hands back the killed original.
    worker.during_run = lambda: (worker.deliver("msg-1"), during.extend(TaskClaim.objects.values()))

    worker.deliver(resend_id, headers)

    assert worker.runs == ["msg-1", resend_id]
    assert [(c["origin_id"], c["task_id"], c["state"], c["resumes"]) for c in during] == [
        ("msg-1", resend_id, ClaimState.RUNNING, 1)
    ]
    assert claims.claims_sweep() == 0 and len(sent) == 1


@pytest.mark.django_db
def test_work_that_kills_its_worker_every_time_runs_four_times_whatever_comes_back(
    worker: _Worker, sent: list, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="certtrack.claims")
    worker.oom = True
    worker.deliver("msg-1")
    for _resume in range(claims.MAX_RESUMES):
        assert claims.claims_sweep() == 1
        worker.deliver(*sent[-1][2:])
    assert claims.claims_sweep() == 0  # given up
    assert worker.runs == ["msg-1", *(task_id for _name, _args, task_id, _headers in sent)]

    # After the visibility timeout Redis hands back every killed message (some twice: two workers restored them).
    killed = [("msg-1", None), *((task_id, headers) for _name, _args, task_id, headers in sent)]
    for task_id, headers in killed + killed:
        worker.deliver(task_id, headers)
    for _minute in range(5):
        assert claims.claims_sweep() == 0

    assert len(worker.runs) == claims.MAX_RESUMES + 1 and len(sent) == claims.MAX_RESUMES
    claim = TaskClaim.objects.get()
    assert (claim.origin_id, claim.state, claim.resumes) == ("msg-1", ClaimState.GIVEN_UP, claims.MAX_RESUMES)
    assert [r.getMessage() for r in caplog.records] == [
        f"task claims: {RECOMPUTE}({worker.plant_id},) stopped its worker 4 times; not sent again "
        "(its killed messages are dropped)"
    ]


@pytest.mark.django_db
def test_the_killed_original_returns_without_running_after_its_resend_finished_the_work(
    worker: _Worker, sent: list
) -> None:
    worker.oom = True
    worker.deliver("msg-1")
    assert claims.claims_sweep() == 1
    ((_name, _args, resend_id, headers),) = sent
    worker.oom = False
    worker.deliver(resend_id, headers)

    worker.deliver("msg-1")  # back after the visibility timeout
    worker.deliver(resend_id, headers)  # and a copy of the resend, for good measure

    assert worker.runs == ["msg-1", resend_id]
    claim = TaskClaim.objects.get()
    assert (claim.origin_id, claim.task_id, claim.state, claim.resumes) == ("msg-1", resend_id, ClaimState.DONE, 1)
    assert claims.claims_sweep() == 0 and len(sent) == 1


@pytest.mark.django_db
def test_a_message_requeued_when_its_pool_child_died_leaves_the_resume_to_the_sweep(
    worker: _Worker, sent: list
) -> None:
    """reject_on_worker_lost hands the message back at once while its claim still beats: running it there
    would loop on work that kills its worker every time, uncounted. The sweep resumes it, counted."""
    worker.oom = True
    worker.deliver("msg-1", stops_beating=False)
    worker.deliver("msg-1", stops_beating=False)  # requeued at once; returns without running
    assert worker.runs == ["msg-1"]
    assert claims.claims_sweep() == 0  # the claim still looks alive

    TaskClaim.objects.update(heartbeat_at=timezone.now() - dt.timedelta(seconds=600))
    assert claims.claims_sweep() == 1
    assert TaskClaim.objects.get().resumes == 1


@pytest.mark.django_db
def test_a_killed_message_back_before_any_sweep_resumes_its_work_counted(worker: _Worker, sent: list) -> None:
    worker.oom = True
    worker.deliver("msg-1")
    worker.oom = False
    worker.deliver("msg-1")  # beat was down: Redis hands it back before a sweep resent it

    assert worker.runs == ["msg-1", "msg-1"]
    claim = TaskClaim.objects.get()
    assert (claim.state, claim.resumes) == (ClaimState.DONE, 1)
    assert claims.claims_sweep() == 0 and sent == []


@pytest.mark.django_db
def test_a_sweep_does_not_resend_work_that_its_message_resumed_since_the_sweep_read_it(
    worker: _Worker, sent: list
) -> None:
    worker.oom = True
    worker.deliver("msg-1")
    worker.oom = False
    now = timezone.now()
    (stale,) = claims.claims_due(now=now)  # the sweep reads the stale claim; then its message resumes it
    results = []
    worker.during_run = lambda: results.append(claims.claim_resend(claim=stale, now=now))

    worker.deliver("msg-1")

    assert results == [False] and sent == []
    assert worker.runs == ["msg-1", "msg-1"]


@pytest.mark.django_db
def test_a_retry_keeps_the_claim_of_its_work(worker: _Worker, sent: list, monkeypatch: pytest.MonkeyPatch) -> None:
    """Celery sends a retry under the same id and headers, possibly at once: it runs the work, even if it
    starts before the failed try has returned, and the killed original still finds the work done."""
    worker.oom = True
    worker.deliver("msg-1")
    assert claims.claims_sweep() == 1
    ((_name, _args, resend_id, headers),) = sent
    worker.oom = False
    retries = []

    def fail_once(**kwargs: object) -> None:
        monkeypatch.setattr(recompute, "plant_recompute", worker._recompute)
        raise OperationalError("the database went away")  # autoretry sends a retry

    def send_retry(args: list, kwargs: dict, **options: Any) -> None:
        retries.append((options["task_id"], options["headers"]))
        worker.deliver(options["task_id"], options["headers"])  # a second worker starts it at once

    monkeypatch.setattr(recompute, "plant_recompute", fail_once)
    monkeypatch.setattr(readiness_recompute_plant, "apply_async", send_retry)
    with pytest.raises(Retry):
        worker.deliver(resend_id, headers)

    assert worker.runs == ["msg-1", resend_id]
    worker.deliver("msg-1")  # back after the visibility timeout
    assert worker.runs == ["msg-1", resend_id]
    claim = TaskClaim.objects.get()
    assert (claim.task_id, claim.state, claim.resumes) == (resend_id, ClaimState.DONE, 1)
    assert retries == [(resend_id, headers)]  # Celery's retry keeps the work's origin header
