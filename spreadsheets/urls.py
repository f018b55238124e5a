from __future__ import annotations

from django.urls import path

from spreadsheets import views as hr_views  # as in certtrack/hr_urls.py: a clean move

app_name = "hr"

urlpatterns = [
    path("exports/", hr_views.exports, name="exports"),
    path("exports/roster.xlsx", hr_views.export_roster, name="export_roster"),
    path("imports/", hr_views.imports, name="imports"),
    path("imports/<slug:kind>/", hr_views.import_upload, name="import_upload"),
    path("imports/<slug:kind>/template.xlsx", hr_views.import_template, name="import_template"),
    path("jobs/<int:pk>/", hr_views.job_detail, name="job"),
    path("jobs/<int:pk>/confirm", hr_views.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/download", hr_views.job_download, name="job_download"),
    path("jobs/<int:pk>/errors.xlsx", hr_views.job_errors, name="job-errors"),
]
