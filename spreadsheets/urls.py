from __future__ import annotations

from django.urls import path

from certtrack.views import MovedPermanently
from spreadsheets import views as hr_views  # as in certtrack/hr_urls.py: a clean move

app_name = "hr"

urlpatterns = [
    path("exports/", hr_views.exports, name="exports"),
    path("exports/roster.xlsx", hr_views.export_roster, name="roster-export"),
    path("imports/", hr_views.imports, name="imports"),
    path("imports/<slug:kind>/", hr_views.import_upload, name="import-upload"),
    path("imports/<slug:kind>/template.xlsx", hr_views.import_template, name="import-template"),
    path("jobs/<int:pk>/", hr_views.job_detail, name="job"),
    path("jobs/<int:pk>/confirm/", hr_views.job_confirm, name="job-confirm"),
    # The path before the one trailing-slash rule (issue #15): a POST is sent on with a 308.
    path("jobs/<int:pk>/confirm", MovedPermanently.as_view(pattern_name="hr:job-confirm"), name="job-confirm-old-path"),
    # A file download: no trailing slash.
    path("jobs/<int:pk>/download", hr_views.job_download, name="job-download"),
    path("jobs/<int:pk>/errors.xlsx", hr_views.job_errors, name="job-errors"),
]
