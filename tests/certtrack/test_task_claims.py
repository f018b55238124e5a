"""Task claims: a long task claims its work while it runs; the every-minute sweep sends again the work of
a worker that stopped beating, once, and the sends a web process could not make.

The real kill of a real worker is tests/assessments/test_task_claims_worker.py; here the sweep's rules,
with its sends recorded instead of published (a published message would reach CI's worker).
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from assessments import rollup
from assessments.tasks import readiness_recompute_plant
from certtrack import claims
from certtrack.celery import app
from certtrack.models import ClaimState, TaskClaim

RECOMPUTE = "assessments.tasks.readiness_recompute_plant"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list, str]]:  # noqa: ANN001
    """What the sweep sends: (task name, args, task id)."""
    messages: list[tuple[str, list, str]] = []
    monkeypatch.setattr(claims, "_send", lambda claim, task_id: messages.append((claim.task_name, claim.args, task_id)))
    return messages


def _claim(
    *, task_name: str = RECOMPUTE, state: str = ClaimState.RUNNING, age_seconds: int = 600, **fields
) -> TaskClaim:  # noqa: ANN003
    beat = timezone.now() - dt.timedelta(seconds=age_seconds)
    return TaskClaim.objects.create(
        task_id=fields.pop("task_id", f"id-{TaskClaim.objects.count()}"),
        task_name=task_name,
        args=fields.pop("args", [7]),
        state=state,
        worker=fields.pop("worker", "celery@host-a pid 12"),
        claimed_at=beat,
        heartbeat_at=beat,
        **fields,
    )


def _run_as_worker(task, *args, task_id: str = "msg-1") -> None:  # noqa: ANN001
    """Run a task as a worker's tracer does: a message's request (not eager, not called directly)."""
    task.push_request(
        id=task_id, called_directly=False, is_eager=False, hostname="celery@host-a", delivery_info={"routing_key": "q1"}
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


def test_the_claims_sweep_runs_every_minute() -> None:
    entry = app.conf.beat_schedule["task-claims-sweep"]
    assert (entry["task"], entry["schedule"]) == ("certtrack.tasks.task_claims_sweep", 60.0)
    assert 0 < entry["options"]["expires"] < 60
    assert (django_settings.TASK_CLAIM_HEARTBEAT_SECONDS, django_settings.TASK_CLAIM_STALE_SECONDS) == (30, 180)


def test_it_refuses_a_stale_threshold_of_fewer_than_three_heartbeats(settings) -> None:  # noqa: ANN001
    from certtrack.checks import task_claim_check

    assert task_claim_check(None) == []
    settings.TASK_CLAIM_STALE_SECONDS = 60
    assert [error.id for error in task_claim_check(None)] == ["certtrack.E004"]


# --- Claiming ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_claims_a_plant_recompute_while_it_runs_and_releases_it(plant_sy, monkeypatch) -> None:  # noqa: ANN001
    seen = []
    monkeypatch.setattr(rollup, "plant_recompute", lambda **kwargs: seen.extend(TaskClaim.objects.values()))

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
def test_it_releases_the_claim_when_the_task_fails(plant_sy, monkeypatch) -> None:  # noqa: ANN001
    def fail(**kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(rollup, "plant_recompute", fail)
    with pytest.raises(ValueError, match="a bug"):
        _run_as_worker(readiness_recompute_plant, plant_sy.id)
    assert not TaskClaim.objects.exists()


@pytest.mark.django_db
def test_it_claims_nothing_for_eager_or_direct_calls(plant_sy, monkeypatch) -> None:  # noqa: ANN001
    seen = []
    monkeypatch.setattr(rollup, "plant_recompute", lambda **kwargs: seen.append(TaskClaim.objects.count()))
    readiness_recompute_plant.apply(args=[plant_sy.id])
    readiness_recompute_plant(plant_sy.id)
    assert seen == [0, 0]


@pytest.mark.django_db
def test_a_resent_message_takes_over_its_claim_and_keeps_the_resume_count(plant_sy, monkeypatch, sent) -> None:  # noqa: ANN001
    _claim(args=[plant_sy.id], resumes=1)
    assert claims.claims_sweep() == 1
    ((_name, _args, new_id),) = sent
    seen = []
    monkeypatch.setattr(rollup, "plant_recompute", lambda **kwargs: seen.extend(TaskClaim.objects.values()))

    _run_as_worker(readiness_recompute_plant, plant_sy.id, task_id=new_id)

    assert [(c["task_id"], c["state"], c["resumes"]) for c in seen] == [(new_id, ClaimState.RUNNING, 2)]
    assert not TaskClaim.objects.exists()


# --- Sweeping ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_resends_a_claim_whose_heartbeat_stopped_once(sent, settings, caplog) -> None:  # noqa: ANN001
    settings.TASK_CLAIM_STALE_SECONDS = 180
    stale = _claim(age_seconds=181)
    _claim(task_id="alive", args=[8], age_seconds=30)
    caplog.set_level(logging.WARNING, logger="certtrack.claims")

    assert claims.claims_sweep() == 1
    assert claims.claims_sweep() == 0  # its new message waits for a worker: not sent twice

    assert [(name, args) for name, args, _id in sent] == [(RECOMPUTE, [7])]
    stale.refresh_from_db()
    assert (stale.task_id, stale.state, stale.worker, stale.resumes) == (sent[0][2], ClaimState.SENT, "", 1)
    assert TaskClaim.objects.get(task_id="alive").state == ClaimState.RUNNING
    assert [r.getMessage() for r in caplog.records] == [
        f"task claims: {RECOMPUTE}(7,) resumed; its worker (celery@host-a pid 12) stopped beating at "
        f"{stale.claimed_at.isoformat()}"
    ]


@pytest.mark.django_db
def test_two_sweeps_never_both_send_a_claim(sent) -> None:  # noqa: ANN001
    _claim()
    now = timezone.now()
    seen_by_first = claims.claims_due(now=now)
    seen_by_second = claims.claims_due(now=now)  # both read the stale claim before either took it

    assert claims.claim_resend(claim=seen_by_first[0], now=now) is True
    assert claims.claim_resend(claim=seen_by_second[0], now=now) is False
    assert len(sent) == 1


@pytest.mark.django_db
def test_it_gives_up_on_work_that_killed_its_worker_again_and_again(sent, caplog) -> None:  # noqa: ANN001
    _claim(resumes=claims.MAX_RESUMES)
    caplog.set_level(logging.ERROR, logger="certtrack.claims")
    assert claims.claims_sweep() == 0
    assert sent == [] and not TaskClaim.objects.exists()
    assert "stopped its worker 4 times; not sent again" in caplog.text


@pytest.mark.django_db
def test_it_forgets_a_resent_message_no_worker_started_within_a_day(sent) -> None:  # noqa: ANN001
    _claim(state=ClaimState.SENT, worker="", age_seconds=25 * 3600)
    _claim(state=ClaimState.SENT, worker="", age_seconds=600)
    assert claims.claims_sweep() == 0
    assert TaskClaim.objects.count() == 1


@pytest.mark.django_db
def test_an_unsent_task_that_is_not_idempotent_is_sent_at_most_once(sent) -> None:  # noqa: ANN001
    _claim(
        task_name="certtrack.tasks.spreadsheet_import_commit",
        state=ClaimState.UNSENT,
        worker="",
        args=[5, "1.2.3.4"],
        age_seconds=0,
    )
    assert claims.claims_sweep() == 1
    assert [(name, args) for name, args, _id in sent] == [("certtrack.tasks.spreadsheet_import_commit", [5, "1.2.3.4"])]
    assert not TaskClaim.objects.exists()  # gone before the send: a second sweep cannot import it twice


@pytest.mark.django_db
def test_a_send_that_fails_in_the_sweep_is_kept_for_the_next_one(monkeypatch) -> None:  # noqa: ANN001
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
