"""Durable claims of long Celery tasks: killed work resumes within minutes, not after an hour.

Redis gives an unacknowledged message back only after its visibility timeout
(CELERY_BROKER_TRANSPORT_OPTIONS). `acks_late` + `reject_on_worker_lost` cover a pool child
that dies, not a whole worker killed outright (OOM kill, host reboot): its messages stay
invisible for the whole timeout. So a task based on ClaimedTask writes a TaskClaim row when it
starts, keeps it alive from a heartbeat thread and deletes it when it ends; claims_sweep, run by
beat every minute, sends the work of every claim whose heartbeat stopped again.

Why a heartbeat thread and not heartbeats at the roll-up's step boundaries: a plant's roll-up
runs in one transaction (the plant lock), so a heartbeat written on its connection would stay
invisible to the sweep until the commit; and one of its statements can run longer than the
stale threshold on a big plant. The thread beats on its own connection, in autocommit,
whatever the task is doing. A task stuck for good keeps beating only until its hard time limit
kills the pool child (and the thread with it); the claim then goes stale and is resumed, at
most MAX_RESUMES times.

Only idempotent tasks may be claimed (they recompute from source and upsert): the old message
still comes back after the visibility timeout and runs once more, harmlessly.

The same table keeps sends that a web process could not make (certtrack.queue, `durable`):
the sweep sends those too.
"""

from __future__ import annotations

import datetime
import importlib
import logging
import os
import threading
import uuid
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from certtrack.models import ClaimState, TaskClaim

logger = logging.getLogger(__name__)

# A task that killed its worker this many times in a row is not sent again (its schedule runs it again).
MAX_RESUMES = 3
# A re-sent message that no worker started within this long was dropped (expired, purged): forget it.
SENT_FORGET_AFTER = datetime.timedelta(days=1)
SWEEP_BATCH = 200


class _Heartbeat(threading.Thread):
    """Refreshes one claim's heartbeat every TASK_CLAIM_HEARTBEAT_SECONDS, on the thread's own connection."""

    def __init__(self, task_id: str) -> None:
        super().__init__(name=f"claim-heartbeat-{task_id}", daemon=True)
        self.task_id = task_id
        self.interval = settings.TASK_CLAIM_HEARTBEAT_SECONDS
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            while not self.finished.wait(self.interval):
                try:
                    TaskClaim.objects.filter(task_id=self.task_id).update(heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - a missed beat is retried; the task itself goes on
                    logger.warning("claim %s: heartbeat failed", self.task_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.finished.set()
        self.join(timeout=10)


def claim_start(*, task_id: str, task_name: str, args: list, kwargs: dict, queue: str, worker: str) -> None:
    """Record that this worker runs the task (a row the sweep made when it re-sent it is taken over)."""
    now = timezone.now()
    running = {"state": ClaimState.RUNNING, "worker": worker[:255], "claimed_at": now, "heartbeat_at": now}
    if not TaskClaim.objects.filter(task_id=task_id).update(**running):
        TaskClaim.objects.create(
            task_id=task_id, task_name=task_name, args=args, kwargs=kwargs, queue=queue[:200], **running
        )


def claim_end(*, task_id: str) -> None:
    TaskClaim.objects.filter(task_id=task_id).delete()


class ClaimedTask(Task):
    """Base of tasks that must resume soon after their worker is killed (idempotent tasks only)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        # Eager or called as a function: no broker holds a message that could be lost.
        if request.is_eager or request.called_directly or not request.id:
            return super().__call__(*args, **kwargs)
        task_id = request.id
        claim_start(
            task_id=task_id,
            task_name=self.name,
            args=list(args),
            kwargs=dict(kwargs),
            queue=(request.delivery_info or {}).get("routing_key") or "",
            worker=f"{request.hostname or ''} pid {os.getpid()}",
        )
        heartbeat = _Heartbeat(task_id)
        heartbeat.start()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            heartbeat.stop()
            claim_end(task_id=task_id)


def _send(claim: TaskClaim, task_id: str) -> None:
    from certtrack.celery import app

    app.send_task(claim.task_name, args=claim.args, kwargs=claim.kwargs, task_id=task_id, queue=claim.queue or None)


def claims_sweep(*, now: datetime.datetime | None = None) -> int:
    """Send again the work of claims whose worker stopped beating, and sends that never reached the
    broker; returns how many were sent."""
    now = now or timezone.now()
    forgotten = TaskClaim.objects.filter(state=ClaimState.SENT, heartbeat_at__lt=now - SENT_FORGET_AFTER).delete()[0]
    if forgotten:
        logger.warning("task claims: %d re-sent messages were never started; forgotten", forgotten)
    return sum(claim_resend(claim=claim, now=now) for claim in claims_due(now=now))


def claims_due(*, now: datetime.datetime) -> list[TaskClaim]:
    stale = now - datetime.timedelta(seconds=settings.TASK_CLAIM_STALE_SECONDS)
    return list(
        TaskClaim.objects.filter(
            Q(state=ClaimState.UNSENT) | Q(state=ClaimState.RUNNING, heartbeat_at__lt=stale)
        ).order_by("id")[:SWEEP_BATCH]
    )


def _is_claimed_task(task_name: str) -> bool:
    from certtrack.celery import app

    try:
        importlib.import_module(task_name.rpartition(".")[0])  # a web process has not autodiscovered it
    except ImportError:
        return False
    return isinstance(app.tasks.get(task_name), ClaimedTask)


def claim_resend(*, claim: TaskClaim, now: datetime.datetime) -> bool:
    """Send this claim's work again, unless another sweep took it over since `claim` was read.

    Two sweeps at once (two beats, a manual run) never both send a claim: each takes it over with a
    conditional UPDATE on the task id and state it read, and only the one whose UPDATE changed the row
    sends. An idempotent (claimed) task is sent at least once: its row stays, as "sent" under the new
    task id, until a worker starts that message. Any other task (an import) is sent at most once: its
    row is deleted before the send (and put back only if the send raised).
    """
    crashed = claim.state == ClaimState.RUNNING
    mine = TaskClaim.objects.filter(pk=claim.pk, task_id=claim.task_id, state=claim.state)
    if crashed and claim.resumes >= MAX_RESUMES:
        if mine.delete()[0]:
            logger.error(
                "task claims: %s%s stopped its worker %d times; not sent again",
                claim.task_name,
                tuple(claim.args),
                claim.resumes + 1,
            )
        return False
    new_id = str(uuid.uuid4())
    if not mine.update(
        task_id=new_id, state=ClaimState.SENT, worker="", heartbeat_at=now, resumes=F("resumes") + int(crashed)
    ):
        return False  # another sweep took it
    if not _is_claimed_task(claim.task_name):
        TaskClaim.objects.filter(task_id=new_id).delete()
    try:
        _send(claim, new_id)
    except Exception:  # noqa: BLE001 - the broker is unreachable from here too: the next sweep tries again
        logger.warning("task claims: could not send %s%s", claim.task_name, tuple(claim.args), exc_info=True)
        kept = {f.attname: getattr(claim, f.attname) for f in TaskClaim._meta.concrete_fields if not f.primary_key}
        TaskClaim.objects.update_or_create(task_id=new_id, defaults={**kept, "task_id": new_id})
        return False
    if crashed:
        logger.warning(
            "task claims: %s%s resumed; its worker (%s) stopped beating at %s",
            claim.task_name,
            tuple(claim.args),
            claim.worker,
            claim.heartbeat_at.isoformat(),
        )
    return True
