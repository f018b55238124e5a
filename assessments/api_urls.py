"""Read-only JSON API (session or bearer token): the `api` URL namespace. Endpoints end without a slash."""

from __future__ import annotations

from django.urls import path

from assessments import api
from certtrack.views import MovedPermanently

app_name = "api"

urlpatterns = [
    path("api/v1/plants", api.plants, name="plants"),
    # The path before the one trailing-slash rule (issue #15), for bookmarks and scripts (curl -L).
    path("api/v1/plants/", MovedPermanently.as_view(pattern_name="api:plants"), name="plants-old-path"),
    path("api/v1/plants/<str:code>/readiness", api.plant_readiness, name="plant-readiness"),
    path(
        "api/v1/employees/<str:employee_no>/certifications",
        api.employee_certifications,
        name="employee-certifications",
    ),
]
