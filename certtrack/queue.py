"""Sending Celery tasks from web requests and services: after commit, never failing nor slowing the caller."""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from time import monotonic

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Per broker URL: the monotonic time before which this process sends nothing to it (after a failure).
_broker_paused_until: dict[str, float] = {}


def broker_paused(url: str) -> bool:
    return monotonic() < _broker_paused_until.get(url, 0.0)


def _broker_failed(url: str) -> None:
    _broker_paused_until[url] = monotonic() + settings.BROKER_RETRY_SECONDS


def broker_pause_reset() -> None:
    """Forget every pause (tests that point Celery at a dead broker and back)."""
    _broker_paused_until.clear()


def task_queue(task_name: str) -> str:
    """The queue a task is sent to: its route in CELERY_TASK_ROUTES, else the default queue."""
    from certtrack.celery import app

    return app.amqp.router.route({}, task_name)["queue"].name


def enqueue_on_commit(
    task_name: str, *args: object, durable: bool = False, on_failure: Callable[[], None] | None = None
) -> None:
    """Send a task once the current transaction commits (at once outside one).

    A dead broker raises and a hung one times out (CELERY_BROKER_TRANSPORT_OPTIONS: about 2 s)
    inside the on_commit hook; the caller's write has already committed and its request goes on.
    After such a failure this process sends nothing to that broker for BROKER_RETRY_SECONDS, so an
    outage costs one timeout per process and interval, not one per save (as certtrack.sessions does
    with the session cache); one warning is logged per failure, none for the sends skipped.

    A send that fails or is skipped is not retried here. Work that must never be lost either has an
    outbox written in the caller's transaction (assessments.ReadinessMark, drained every minute), or
    is `durable`: then it is kept as an unsent TaskClaim that certtrack.claims.claims_sweep (every
    minute, from a worker) sends. `on_failure` runs when neither could keep it.
    """

    def send() -> None:
        from certtrack.celery import app

        url = app.conf.broker_url
        eager = app.conf.task_always_eager
        task_id = str(uuid.uuid4())
        if not eager and broker_paused(url):
            _keep_for_later(task_name, args, task_id, durable=durable, on_failure=on_failure)
            return
        try:
            # Celery's Django autodiscovery is lazy and only runs in the worker: a web process
            # has not imported the task module, and app.tasks[name] would raise NotRegistered.
            importlib.import_module(task_name.rpartition(".")[0])
            task = app.tasks[task_name]
        except Exception:  # a programming error, not the broker's: no pause
            logger.exception("could not enqueue %s%s: no such task", task_name, tuple(args))
            if on_failure is not None:
                on_failure()
            return
        try:
            task.apply_async(args=list(args), task_id=task_id)
        except Exception:  # a broker outage must not fail the request
            if eager:  # the task itself ran inline and failed: nothing to send later
                logger.warning("could not enqueue %s%s: the task failed", task_name, tuple(args), exc_info=True)
                if on_failure is not None:
                    on_failure()
                return
            _broker_failed(url)
            logger.warning(
                "could not enqueue %s%s; sending nothing to the broker for %s s (the outbox and the "
                "every-minute sweep keep the work)",
                task_name,
                tuple(args),
                settings.BROKER_RETRY_SECONDS,
                exc_info=True,
            )
            _keep_for_later(task_name, args, task_id, durable=durable, on_failure=on_failure)

    transaction.on_commit(send)


def _keep_for_later(
    task_name: str, args: tuple, task_id: str, *, durable: bool, on_failure: Callable[[], None] | None
) -> None:
    if durable:
        from certtrack.models import ClaimState, TaskClaim

        now = timezone.now()
        try:
            TaskClaim.objects.create(
                origin_id=task_id,
                task_id=task_id,
                task_name=task_name,
                args=list(args),
                queue=task_queue(task_name),
                state=ClaimState.UNSENT,
                claimed_at=now,
                heartbeat_at=now,
            )
        except Exception:  # the database failed too: the caller's fallback
            logger.exception("could not keep %s%s for a later send", task_name, tuple(args))
        else:
            return
    if on_failure is not None:
        on_failure()
