"""The ramp-up plan's pages under /planning/: planned sessions, forecasts, what-if scenarios, suggestions."""

from __future__ import annotations

from django.urls import path

from planning.views import forecasts

app_name = "planning"

urlpatterns: list = [
    # The forecast (planning/views/forecasts.py)
    path("<str:plant_code>/forecast/", forecasts.plant_forecast, name="plant-forecast"),
    path("<str:plant_code>/lines/<str:line_code>/forecast/", forecasts.line_forecast, name="line-forecast"),
]
