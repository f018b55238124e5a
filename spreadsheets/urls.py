from __future__ import annotations

from django.urls import path

from spreadsheets import views

app_name = "hr"

urlpatterns = [
    path("exports/", views.exports, name="exports"),
    path("exports/roster.xlsx", views.export_roster, name="export_roster"),
    path("imports/", views.imports, name="imports"),
    path("imports/<slug:kind>/", views.import_upload, name="import_upload"),
    path("imports/<slug:kind>/template.xlsx", views.import_template, name="import_template"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/confirm", views.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/download", views.job_download, name="job_download"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="job-errors"),
]
