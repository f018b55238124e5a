from __future__ import annotations

from django.urls import path

from assessments import api
from assessments.views import dashboards

urlpatterns: list = [
    # Readiness dashboards (plant managers, auditors, admins).
    path("dashboard/", dashboards.overview, name="dashboard_overview"),
    path("dashboard/plants/<str:code>/", dashboards.plant_detail, name="dashboard_plant"),
    path("dashboard/plants/<str:code>/lines/<str:line_code>/", dashboards.line_detail, name="dashboard_line"),
    # Read-only JSON API (session or bearer token).
    path("api/v1/plants/", api.plants, name="api_plants"),
    path("api/v1/plants/<str:code>/readiness", api.plant_readiness, name="api_plant_readiness"),
    path(
        "api/v1/employees/<str:employee_no>/certifications",
        api.employee_certifications,
        name="api_employee_certifications",
    ),
]
