"""Readiness dashboards (plant managers, auditors, admins): the `readiness` URL namespace."""

from __future__ import annotations

from django.urls import path

from assessments.readiness import views

app_name = "readiness"

urlpatterns = [
    path("dashboard/", views.overview, name="overview"),
    path("dashboard/plants/<str:code>/", views.plant_detail, name="plant"),
    path("dashboard/plants/<str:code>/lines/<str:line_code>/", views.line_detail, name="line"),
    # The line's people x stations ILUO matrix (?date=, ?shift=), computed from the recorded results.
    path("dashboard/plants/<str:code>/lines/<str:line_code>/levels/", views.line_levels, name="line-levels"),
    # The list behind each count of the plant and line pages (?line=, ?course=, ?station=, ?date=), and its workbook.
    path("dashboard/plants/<str:code>/figures/<slug:kind>/", views.figure_list, name="figures"),
    path("dashboard/plants/<str:code>/figures/<slug:kind>.xlsx", views.figure_export, name="figures-export"),
]
