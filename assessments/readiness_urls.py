"""Readiness dashboards (plant managers, auditors, admins): the `readiness` URL namespace."""

from __future__ import annotations

from django.urls import path

from assessments.views import dashboards, figures

app_name = "readiness"

urlpatterns = [
    path("dashboard/", dashboards.overview, name="overview"),
    path("dashboard/plants/<str:code>/", dashboards.plant_detail, name="plant"),
    path("dashboard/plants/<str:code>/lines/<str:line_code>/", dashboards.line_detail, name="line"),
    # The list behind each count of the plant and line pages (?line=, ?course=, ?station=, ?date=), and its workbook.
    path("dashboard/plants/<str:code>/figures/<slug:kind>/", figures.figure_list, name="figures"),
    path("dashboard/plants/<str:code>/figures/<slug:kind>.xlsx", figures.figure_export, name="figures-export"),
]
