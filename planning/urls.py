"""The ramp-up plan's pages under /planning/: planned sessions, forecasts, what-if scenarios, suggestions."""

from __future__ import annotations

from django.urls import path

from planning.views import sessions

app_name = "planning"

urlpatterns: list = [
    # Planned sessions (planning/views/sessions.py).
    path("<str:plant_code>/sessions/", sessions.session_list, name="session-list"),
    path("<str:plant_code>/sessions/new/", sessions.session_create, name="session-create"),
    path("<str:plant_code>/sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("<str:plant_code>/sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("<str:plant_code>/sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("<str:plant_code>/sessions/<int:pk>/hold/", sessions.session_hold, name="session-hold"),
]
