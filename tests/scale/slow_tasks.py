"""A test-only spreadsheet task that takes as long as the test says (a large export, without the data).

Loaded into the test's own workers with `celery worker --include=tests.scale.slow_tasks`; its name falls
under the spreadsheets route (certtrack.tasks.spreadsheet_*), as a real export's does.
"""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="certtrack.tasks.spreadsheet_slow_for_tests", ignore_result=True)
def spreadsheet_slow_for_tests(seconds: float, started_file: str, finished_file: str) -> None:
    Path(started_file).write_text(str(time.time()))
    time.sleep(seconds)
    Path(finished_file).write_text(str(time.time()))
