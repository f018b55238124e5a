from __future__ import annotations

from django.urls import path

from assessments.views import audit, employees, home, results, sessions

app_name = "assessments"

urlpatterns = [
    # The roster: employee list and the employee page with each person's qualifications.
    path("employees/", employees.employee_list, name="employee-list"),
    path("employees/<str:employee_no>/", employees.employee_detail, name="employee-detail"),
    path("audit/", audit.audit_log, name="audit-log"),
    path("audit/export.xlsx", audit.audit_export, name="audit-export"),
    path("trainer/", home.trainer_home, name="trainer-home"),
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
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
