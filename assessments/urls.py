from __future__ import annotations

from django.urls import path

from assessments.views import home, results, sessions

app_name = "assessments"

urlpatterns = [
    path("trainer/", home.trainer_home, name="trainer_home"),
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/attendees/add/", sessions.session_attendees_add, name="session_attendees_add"),
    path(
        "sessions/<int:pk>/attendees/<str:employee_no>/remove/",
        sessions.session_attendee_remove,
        name="session_attendee_remove",
    ),
    path("sessions/<int:pk>/results/", results.session_results, name="session_results"),
    path("employees/<str:employee_no>/results/new/", results.result_create, name="result_create"),
    path("assessments/<int:pk>/void/", results.assessment_void, name="assessment_void"),
    path("certifications/<int:pk>/revoke/", results.certification_revoke, name="certification_revoke"),
]
