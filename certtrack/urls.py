from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from certtrack import views

# URL names: lowercase-hyphen, namespaced per app ("assessments:session-detail", "readiness:plant",
# "api:plants", "hr:roster-export"); the shell's own (login, logout, healthz, favicon) and Django's
# (set_language, admin:...) have none.
# One trailing-slash rule: a page ends in "/"; a file download (".xlsx", a job's file, the favicon), a JSON
# endpoint (the API, the health check) does not. A path that moved to follow it answers its old path with a
# permanent redirect (certtrack.views.MovedPermanently).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("sso.accounts_urls")),  # "login": the password form and the company sign-in
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("employees.language_urls")),
    path("", include("employees.urls")),
    path("", include("courses.urls")),
    path("", include("assessments.urls")),
    path("", include("assessments.readiness.urls")),
    path("api/v1/", include("api.urls")),
    path("hr/", include("spreadsheets.urls")),
    path("", include("gate.urls")),
    path("planning/", include("planning.urls")),
    path("notifications/", include("notifications.urls")),
    path("sso/", include("sso.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
