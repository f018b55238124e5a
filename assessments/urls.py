from __future__ import annotations

from django.urls import path

from assessments.views import audit, home, results, sessions

urlpatterns = [
    path("audit/", audit.audit_log, name="audit-log"),
    path("audit/export.xlsx", audit.audit_export, name="audit-export"),
    path("trainer/", home.trainer_home, name="trainer-home"),
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/attendees/add/", sessions.session_attendees_add, name="session-attendees-add"),
    path(
        "sessions/<int:pk>/attendees/<str:employee_no>/remove/",
        sessions.session_attendee_remove,
        name="session-attendee-remove",
    ),
    path("sessions/<int:pk>/results/", results.session_results, name="session-results"),
    path("employees/<str:employee_no>/results/new/", results.result_create, name="result-create"),
    path("assessments/<int:pk>/void/", results.assessment_void, name="assessment-void"),
    path("certifications/<int:pk>/revoke/", results.certification_revoke, name="certification-revoke"),
]
