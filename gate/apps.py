from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GateConfig(AppConfig):
    name = "gate"
    verbose_name = _("Station gate")
