from __future__ import annotations

from django.urls import path

from employees import views

urlpatterns = [
    path("employees/", views.employee_list, name="employee-list"),
    path("employees/<str:employee_no>/", views.employee_detail, name="employee-detail"),
]
