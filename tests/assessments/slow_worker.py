"""A Celery worker whose plant roll-up pauses inside its transaction, for tests that kill it there.

    python -m tests.assessments.slow_worker <celery worker options>

SLOW_ROLLUP_SECONDS: how long a roll-up sleeps once it has written (uncommitted) its employee rows;
SLOW_ROLLUP_MARKER: a file touched when the pause starts. Without them it is a plain worker.
The pause is patched in here, in the test's own launcher: no product setting exists for it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
django.setup()

from assessments.readiness import recompute  # noqa: E402 - after django.setup()
from certtrack.celery import app  # noqa: E402


def _slow_down(seconds: float, marker: str) -> None:
    store_aggregates = recompute.store_aggregates

    def paused(**kwargs: object) -> None:
        if marker:
            Path(marker).touch()
        time.sleep(seconds)
        store_aggregates(**kwargs)

    recompute.store_aggregates = paused  # the prefork pool's children fork from here: they inherit it


if __name__ == "__main__":
    if float(os.environ.get("SLOW_ROLLUP_SECONDS") or 0):
        _slow_down(float(os.environ["SLOW_ROLLUP_SECONDS"]), os.environ.get("SLOW_ROLLUP_MARKER", ""))
    app.worker_main(["worker", *sys.argv[1:]])
