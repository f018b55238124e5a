from __future__ import annotations

from django.apps import AppConfig


class CerttrackConfig(AppConfig):
    name = "certtrack"
    verbose_name = "certtrack"

    def ready(self) -> None:
        from certtrack import checks  # noqa: F401  (registers the system checks)
