from __future__ import annotations

from django.urls import path

from employees import views

app_name = "employees"

urlpatterns = [
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/<str:employee_no>/", views.employee_detail, name="employee_detail"),
]
