from __future__ import annotations

from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """No models: the app exists so its management commands are found."""

    name = "devdata"
    verbose_name = "Development data"
