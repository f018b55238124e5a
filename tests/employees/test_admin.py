"""The admin: every model listed with its filters and search, memberships on the user page."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from employees.models import PlantMembership
from tests import factories


def test_every_model_list_renders_with_search_and_filters(client, admin_user, plant_sy) -> None:
    factories.EmployeeFactory(plant=plant_sy, employee_no="SY-9")
    client.force_login(admin_user)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"employees", "courses", "assessments", "auth"}:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "SY"} if model_admin.search_fields else {})
        assert response.status_code == 200, url


def test_it_grants_a_plant_role_from_the_user_page(client, admin_user, plant_sy) -> None:
    user = factories.UserFactory(username="new-trainer")
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "username": "new-trainer",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "0",
        "profile-0-language": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-plant": plant_sy.pk,
        "memberships-0-role": "trainer",
        "trainer_authorisations-TOTAL_FORMS": "0",
        "trainer_authorisations-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(PlantMembership.objects.filter(user=user).values_list("plant__code", "role")) == [("SY", "trainer")]


@pytest.mark.django_db
def test_employees_cannot_be_deleted_in_the_admin(client, admin_user) -> None:
    from employees.admin import EmployeeAdmin
    from employees.models import Employee

    assert EmployeeAdmin(Employee, admin.site).has_delete_permission(None) is False
