from __future__ import annotations

from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    name = "spreadsheets"
    label = "spreadsheets"
    verbose_name = "spreadsheets"

    def ready(self) -> None:
        # The tasks keep their names certtrack.tasks.* (queued messages, task claims and beat use them),
        # and certtrack.queue imports a task's module from its name: register them in every process.
        from spreadsheets import tasks  # noqa: F401
