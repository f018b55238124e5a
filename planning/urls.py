"""The ramp-up plan's pages under /planning/: planned sessions, forecasts, what-if scenarios, suggestions."""

from __future__ import annotations

from django.urls import path

from planning.views import suggest

app_name = "planning"

urlpatterns: list = [
    # The suggested plan (issue #18): ask for one, read its quality figures.
    path("<str:plant_code>/suggest/", suggest.suggest, name="suggest"),
    path("suggestions/<int:pk>/", suggest.suggestion_detail, name="suggestion_detail"),
]
