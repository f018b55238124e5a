from __future__ import annotations

from django.apps import AppConfig


class CerttrackConfig(AppConfig):
    name = "certtrack"
    verbose_name = "certtrack"

    def ready(self) -> None:
        from certtrack import checks  # noqa: F401  (registers the system checks)
        from certtrack.celery import app

        # Celery imports the apps' tasks.py lazily, at worker start. Web processes enqueue
        # tasks by name (services.enqueue_after_commit) and must know them too.
        app.autodiscover_tasks(force=True)
