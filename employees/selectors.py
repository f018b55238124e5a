"""Reads of organisation data: employees, lines and stations, each scoped through employees.access so a
view never sees another plant's rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from employees.access import User, scope_to_plants
from employees.models import Employee, EmployeeStatus, ProductionLine, Station


def employees_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[Employee]:
    return scope_to_plants(
        Employee.objects.select_related("plant", "line", "station", "role"), user=user, capability=capability
    )


def lines_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[ProductionLine]:
    return scope_to_plants(ProductionLine.objects.select_related("plant"), user=user, capability=capability)


def stations_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[Station]:
    return scope_to_plants(
        Station.objects.select_related("line", "line__plant"), user=user, capability=capability, field="line__plant"
    )


def employee_get_for_user(*, user: User, employee_no: str, capability: Iterable[str] | None = None) -> Employee:
    return get_object_or_404(employees_for_user(user=user, capability=capability), employee_no=employee_no)


def active_employees(queryset: QuerySet[Employee] | None = None) -> QuerySet[Employee]:
    return (queryset if queryset is not None else Employee.objects.all()).filter(status=EmployeeStatus.ACTIVE)
