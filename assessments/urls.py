from __future__ import annotations

from django.urls import path

from assessments.views import audit

urlpatterns = [
    path("audit/", audit.audit_log, name="audit-log"),
    path("audit/export.xlsx", audit.audit_export, name="audit-export"),
]
