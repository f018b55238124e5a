"""The ramp-up plan's pages under /planning/: planned sessions, forecasts, what-if scenarios, suggestions."""

from __future__ import annotations

from django.urls import path

from planning.views import forecasts, home, scenarios, sessions, suggest

app_name = "planning"

urlpatterns: list = [
    # The plan's home, the menu's "Plan" entry (planning/views/home.py)
    path("", home.plan_home, name="home"),
    # What-if scenarios (planning/views/scenarios.py)
    path("<str:plant_code>/scenarios/", scenarios.scenario_list, name="scenario_list"),
    path("<str:plant_code>/scenarios/new/", scenarios.scenario_create, name="scenario_create"),
    path("scenarios/<int:pk>/", scenarios.scenario_detail, name="scenario_detail"),
    path("scenarios/<int:pk>/edit/", scenarios.scenario_edit, name="scenario_edit"),
    path("scenarios/<int:pk>/discard/", scenarios.scenario_discard, name="scenario_discard"),
    path("scenarios/<int:pk>/changes/new/<str:kind>/", scenarios.scenario_change_add, name="scenario_change_add"),
    path("scenarios/<int:pk>/changes/<int:change_pk>/", scenarios.scenario_change_edit, name="scenario_change_edit"),
    path(
        "scenarios/<int:pk>/changes/<int:change_pk>/remove/",
        scenarios.scenario_change_remove,
        name="scenario_change_remove",
    ),
    path("scenarios/<int:pk>/sessions/new/", scenarios.scenario_session_add, name="scenario_session_add"),
    path(
        "scenarios/<int:pk>/sessions/<int:session_pk>/", scenarios.scenario_session_edit, name="scenario_session_edit"
    ),
    path(
        "scenarios/<int:pk>/sessions/<int:session_pk>/remove/",
        scenarios.scenario_session_remove,
        name="scenario_session_remove",
    ),
    path("scenarios/<int:pk>/compare/", scenarios.scenario_compare, name="scenario_compare"),
    path("scenarios/<int:pk>/promote/", scenarios.scenario_promote, name="scenario_promote"),
    # The suggested plan (issue #18): ask for one, read its quality figures.
    path("<str:plant_code>/suggest/", suggest.suggest, name="suggest"),
    path("suggestions/<int:pk>/", suggest.suggestion_detail, name="suggestion_detail"),
    # The forecast (planning/views/forecasts.py)
    path("<str:plant_code>/forecast/", forecasts.plant_forecast, name="plant-forecast"),
    path("<str:plant_code>/lines/<str:line_code>/forecast/", forecasts.line_forecast, name="line-forecast"),
    # Planned sessions (planning/views/sessions.py).
    path("<str:plant_code>/sessions/", sessions.session_list, name="session-list"),
    path("<str:plant_code>/sessions/new/", sessions.session_create, name="session-create"),
    path("<str:plant_code>/sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("<str:plant_code>/sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("<str:plant_code>/sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("<str:plant_code>/sessions/<int:pk>/hold/", sessions.session_hold, name="session-hold"),
]
