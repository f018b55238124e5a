"""Sending Celery tasks from web requests and services: after commit, never failing the caller."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args: object, on_failure: Callable[[], None] | None = None) -> None:
    """Send a task once the current transaction commits (at once outside one).

    A dead or hung broker raises (or times out: see CELERY_BROKER_TRANSPORT_OPTIONS)
    inside the on_commit hook; it is logged and `on_failure` runs, but the caller's
    write has already committed and its request goes on. Work that must never be
    lost is written to an outbox in the same transaction (assessments.ReadinessMark).
    """

    def send() -> None:
        from certtrack.celery import app

        try:
            # Celery's Django autodiscovery is lazy and only runs in the worker: a web process
            # has not imported the task module, and app.tasks[name] would raise NotRegistered.
            importlib.import_module(task_name.rpartition(".")[0])
            app.tasks[task_name].apply_async(args=list(args))
        except Exception:  # noqa: BLE001 - a broker outage must not fail the request
            logger.warning("could not enqueue %s%s", task_name, tuple(args), exc_info=True)
            if on_failure is not None:
                on_failure()

    transaction.on_commit(send)
