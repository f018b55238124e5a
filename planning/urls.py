"""The ramp-up plan's pages under /planning/: planned sessions, forecasts, what-if scenarios, suggestions."""

from __future__ import annotations

app_name = "planning"

urlpatterns: list = []
