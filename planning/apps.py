from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Ramp-up planning")

    def ready(self) -> None:
        from planning import signals  # noqa: F401 (connects the plan's version bumps: planning/signals.py)
