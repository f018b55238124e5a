from __future__ import annotations

from django.urls import path

from assessments import api
from assessments.views import audit, dashboards, employees, figures, home, results, sessions

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
    # Readiness dashboards (plant managers, auditors, admins).
    path("dashboard/", dashboards.overview, name="dashboard_overview"),
    path("dashboard/plants/<str:code>/", dashboards.plant_detail, name="dashboard_plant"),
    path("dashboard/plants/<str:code>/lines/<str:line_code>/", dashboards.line_detail, name="dashboard_line"),
    # The list behind each count of the plant and line pages (?line=, ?course=, ?station=, ?date=), and its workbook.
    path("dashboard/plants/<str:code>/figures/<slug:kind>/", figures.figure_list, name="dashboard-drilldown"),
    path(
        "dashboard/plants/<str:code>/figures/<slug:kind>.xlsx", figures.figure_export, name="dashboard-drilldown-export"
    ),
    # Read-only JSON API (session or bearer token).
    path("api/v1/plants/", api.plants, name="api_plants"),
    path("api/v1/plants/<str:code>/readiness", api.plant_readiness, name="api_plant_readiness"),
    path(
        "api/v1/employees/<str:employee_no>/certifications",
        api.employee_certifications,
        name="api_employee_certifications",
    ),
]
