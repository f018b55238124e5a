"""Durable claims of long Celery tasks: killed work resumes within minutes, not after an hour.

Redis gives an unacknowledged message back only after its visibility timeout
(CELERY_BROKER_TRANSPORT_OPTIONS). `acks_late` + `reject_on_worker_lost` hand back at once the
message of a pool child that dies, not those of a whole worker killed outright (OOM kill, host
reboot): they stay invisible for the whole timeout. So a task based on ClaimedTask writes a TaskClaim row when it
starts, keeps it alive from a heartbeat thread and releases it when it ends; claims_sweep, run by
beat every minute, sends the work of every claim whose heartbeat stopped again.

Why a heartbeat thread and not heartbeats at the roll-up's step boundaries: a plant's roll-up
runs in one transaction (the plant lock), so a heartbeat written on its connection would stay
invisible to the sweep until the commit; and one of its statements can run longer than the
stale threshold on a big plant. The thread beats on its own connection, in autocommit,
whatever the task is doing. A task stuck for good keeps beating only until its hard time limit
kills the pool child (and the thread with it); the claim then goes stale and is resumed, at
most MAX_RESUMES times.

One piece of work has one claim, whatever carries it. Its first message's id is the claim's
origin_id; the sweep's resends carry it in the ORIGIN_HEADER header, and Celery copies that header
into a retry. A killed message is not gone: Redis hands it back after the visibility timeout (and
Celery requeues it at once when only the pool child died), while its resend may run or have run.
Had such a message made a claim of its own, with resends of its own, work that kills its worker
every time would have grown fourfold every visibility timeout. So a message that finds its
work's claim
- waiting (sent, unsent): takes it over and runs the work; the first message of the work to start
  runs it, any later one finds it running;
- running and beating: returns at once without running (another message runs the work; or the
  pool child that ran it died a moment ago, and the sweep resends it, counted, once it is stale);
- running but stale: resumes it, counted, as the sweep would have (the same conditional UPDATE,
  so of a sweep and a message only one takes it), or gives it up after MAX_RESUMES;
- done or given up: returns at once without running.
Work that was resumed keeps its claim, done or given up, for KEEP_SETTLED, far longer than its
killed messages stay away. Work that was never resumed has no other message out: its claim is
deleted when it ends. (A message that comes back anyway, its worker killed between the task's
end and the acknowledgement, runs once more: only idempotent tasks may be claimed, they recompute
from source and upsert.)

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
from celery.exceptions import Retry
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from certtrack.models import ClaimState, TaskClaim
from certtrack.queue import task_queue

logger = logging.getLogger(__name__)

# The message header that names the work a resend or a retry belongs to (its first message's id).
ORIGIN_HEADER = "claim_origin"
# A task that killed its worker this many times in a row is not sent again (its schedule runs it again).
MAX_RESUMES = 3
# A re-sent message that no worker started within this long was dropped (expired, purged): forget it.
SENT_FORGET_AFTER = datetime.timedelta(days=1)
# The claim of resumed work, done or given up, is kept this long: its killed messages come back after
# the visibility timeout (36 min) once a worker is up, and must find it settled.
KEEP_SETTLED = datetime.timedelta(days=1)
SWEEP_BATCH = 200
WAITING = (ClaimState.SENT, ClaimState.UNSENT)
SETTLED = (ClaimState.DONE, ClaimState.GIVEN_UP)


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
                    TaskClaim.objects.filter(task_id=self.task_id, state=ClaimState.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a missed beat is retried; the task itself goes on
                    logger.warning("claim %s: heartbeat failed", self.task_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.finished.set()
        self.join(timeout=10)


def _work(claim: TaskClaim) -> str:
    return f"{claim.task_name}{tuple(claim.args)}"


def _take(claim: TaskClaim, **changes: Any) -> bool:
    """Change the claim only if it is still as `claim` read it.

    Two sweeps (two beats, a manual run), or a sweep and a message of the work, may read the same
    stale claim at once: each changes it with a conditional UPDATE on what it read, and only the
    one whose UPDATE changed the row acts (sends, runs, logs). The heartbeat is part of the
    condition: a claim whose worker beat again since it was read is not taken from that worker.
    """
    return bool(
        TaskClaim.objects.filter(
            pk=claim.pk, task_id=claim.task_id, state=claim.state, heartbeat_at=claim.heartbeat_at
        ).update(**changes)
    )


def _resume(claim: TaskClaim, *, now: datetime.datetime, **changes: Any) -> bool:
    """Take over a running claim whose worker stopped, counting a resume; or give its work up after
    MAX_RESUMES (logged once, by whoever gives it up). True when `changes` were made."""
    if claim.resumes < MAX_RESUMES:
        return _take(claim, resumes=F("resumes") + 1, **changes)
    if _take(claim, state=ClaimState.GIVEN_UP, heartbeat_at=now):
        logger.error(
            "task claims: %s stopped its worker %d times; not sent again (its killed messages are dropped)",
            _work(claim),
            claim.resumes + 1,
        )
    return False


def claim_start(
    *, origin_id: str, task_id: str, task_name: str, args: list, kwargs: dict, queue: str, worker: str
) -> bool:
    """Claim the work for this message; False when the message must return without running (its work
    runs under another message, was finished or was given up)."""
    now = timezone.now()
    running = {
        "task_id": task_id,
        "state": ClaimState.RUNNING,
        "worker": worker[:255],
        "claimed_at": now,
        "heartbeat_at": now,
    }
    if TaskClaim.objects.filter(origin_id=origin_id, state__in=WAITING).update(**running):
        return True
    claim = TaskClaim.objects.filter(origin_id=origin_id).first()
    if claim is None:
        try:
            with transaction.atomic():
                TaskClaim.objects.create(
                    origin_id=origin_id,
                    task_name=task_name,
                    args=args,
                    kwargs=kwargs,
                    queue=queue[:200],
                    **running,
                )
        except IntegrityError:  # another message of the work claimed it a moment ago
            claim = TaskClaim.objects.filter(origin_id=origin_id).first()
        else:
            return True
    if claim is not None and claim.state == ClaimState.RUNNING and claim.heartbeat_at < _stale_before(now):
        if _resume(claim, now=now, **running):
            logger.warning(
                "task claims: %s resumed by its message %s; its worker (%s) stopped beating at %s",
                _work(claim),
                task_id,
                claim.worker,
                claim.heartbeat_at.isoformat(),
            )
            return True
        claim = TaskClaim.objects.filter(origin_id=origin_id).first()
    logger.info(
        "task claims: message %s of %s%s returns without running: its work is %s",
        task_id,
        task_name,
        tuple(args),
        f"{claim.state} (message {claim.task_id})" if claim else "claimed by another message",
    )
    return False


def claim_retry(*, task_id: str) -> None:
    """The task is about to send its retry (same id, same headers): that message takes the claim over.

    Marked before the retry is sent: a retry with no countdown may start on another worker before
    this one has returned, and must find the claim waiting, not running under its own id.
    """
    TaskClaim.objects.filter(task_id=task_id, state=ClaimState.RUNNING).update(
        state=ClaimState.SENT, worker="", heartbeat_at=timezone.now()
    )


def claim_end(*, task_id: str) -> None:
    """The task ended (returned or failed, not retried): release its claim.

    Resumed work keeps its claim, done, for KEEP_SETTLED: its killed messages come back later.
    A failed retry (no retry was sent) left the claim waiting: released the same way.
    """
    mine = TaskClaim.objects.filter(task_id=task_id, state__in=(ClaimState.RUNNING, ClaimState.SENT))
    mine.filter(resumes__gt=0).update(state=ClaimState.DONE, worker="", heartbeat_at=timezone.now())
    mine.filter(resumes=0).delete()


class ClaimedTask(Task):
    """Base of tasks that must resume soon after their worker is killed (idempotent tasks only)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        # Eager or called as a function: no broker holds a message that could be lost.
        if request.is_eager or request.called_directly or not request.id:
            return super().__call__(*args, **kwargs)
        task_id = request.id
        claimed = claim_start(
            origin_id=getattr(request, ORIGIN_HEADER, None) or task_id,
            task_id=task_id,
            task_name=self.name,
            args=list(args),
            kwargs=dict(kwargs),
            queue=(request.delivery_info or {}).get("routing_key") or "",
            worker=f"{request.hostname or ''} pid {os.getpid()}",
        )
        if not claimed:
            return None
        heartbeat = _Heartbeat(task_id)
        heartbeat.start()
        retried = False
        try:
            return super().__call__(*args, **kwargs)
        except Retry:
            retried = True  # the retry message has the claim now
            raise
        finally:
            heartbeat.stop()
            if not retried:
                claim_end(task_id=task_id)

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        # Called by autoretry, whose Retry propagates through __call__ (a retry(throw=False) would not).
        request = self.request
        if not (request.is_eager or request.called_directly) and request.id:
            claim_retry(task_id=request.id)
        return super().retry(*args, **kwargs)


def _send(claim: TaskClaim, task_id: str) -> None:
    """Send the claim's work again on the queue its message came from (the roll-up's to the roll-up workers):
    the work stays with the workers of its workload. A claim without a queue (kept by an older release) goes
    where its task is routed (CELERY_TASK_ROUTES); certtrack.queue records the routed queue of the sends it
    keeps."""
    from certtrack.celery import app

    app.send_task(
        claim.task_name,
        args=claim.args,
        kwargs=claim.kwargs,
        task_id=task_id,
        queue=claim.queue or task_queue(claim.task_name),
        headers={ORIGIN_HEADER: claim.origin_id},
    )


def claims_sweep(*, now: datetime.datetime | None = None) -> int:
    """Send again the work of claims whose worker stopped beating, and sends that never reached the
    broker; returns how many were sent."""
    now = now or timezone.now()
    forgotten = TaskClaim.objects.filter(state=ClaimState.SENT, heartbeat_at__lt=now - SENT_FORGET_AFTER).delete()[0]
    if forgotten:
        logger.warning("task claims: %d re-sent messages were never started; forgotten", forgotten)
    TaskClaim.objects.filter(state__in=SETTLED, heartbeat_at__lt=now - KEEP_SETTLED).delete()
    return sum(claim_resend(claim=claim, now=now) for claim in claims_due(now=now))


def _stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.TASK_CLAIM_STALE_SECONDS)


def claims_due(*, now: datetime.datetime) -> list[TaskClaim]:
    return list(
        TaskClaim.objects.filter(
            Q(state=ClaimState.UNSENT) | Q(state=ClaimState.RUNNING, heartbeat_at__lt=_stale_before(now))
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
    """Send this claim's work again, unless another sweep or a message of the work took it since
    `claim` was read (_take), or it killed its worker too often.

    An idempotent (claimed) task is sent at least once: its row stays, as "sent" under the new
    message's id, until a message of the work starts. Any other task (an import) is sent at most
    once: its row is deleted before the send (and put back only if the send raised).
    """
    crashed = claim.state == ClaimState.RUNNING
    new_id = str(uuid.uuid4())
    sent = {"task_id": new_id, "state": ClaimState.SENT, "worker": "", "heartbeat_at": now}
    if not (_resume(claim, now=now, **sent) if crashed else _take(claim, **sent)):
        return False
    claimed = _is_claimed_task(claim.task_name)
    if not claimed:
        TaskClaim.objects.filter(task_id=new_id).delete()
    try:
        _send(claim, new_id)
    except Exception:  # the broker is unreachable from here too: the next sweep tries again
        logger.warning("task claims: could not send %s", _work(claim), exc_info=True)
        kept = {f.attname: getattr(claim, f.attname) for f in TaskClaim._meta.concrete_fields if not f.primary_key}
        kept["task_id"] = new_id
        if claimed:  # back as it was read, unless a message of the work started meanwhile
            TaskClaim.objects.filter(task_id=new_id, state=ClaimState.SENT).update(**kept)
        else:
            TaskClaim.objects.create(**kept)
        return False
    if crashed:
        logger.warning(
            "task claims: %s resumed; its worker (%s) stopped beating at %s",
            _work(claim),
            claim.worker,
            claim.heartbeat_at.isoformat(),
        )
    return True
