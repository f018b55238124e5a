"""People's names in the reader's order (issue #14 item 6): "欢迎, 建国 刘" must read 刘建国."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import AuditAction, AuditEvent
from certtrack.names import is_cjk, person_name, user_name
from devdata.demo import data as demo_data
from devdata.demo.services import _person_name
from tests import factories
from tests.languages import switch_language


@pytest.mark.parametrize(
    ("given", "family", "language", "shown"),
    [
        ("建国", "刘", "en", "刘建国"),
        ("建国", "刘", "zh-hans", "刘建国"),
        ("太郎", "山田", "en", "山田太郎"),
        ("민준", "김", "en", "김민준"),
        ("Ingrid", "Berg", "en", "Ingrid Berg"),
        ("Ingrid", "Berg", "zh-hans", "Berg Ingrid"),
        ("Péter", "Kovács", "zh-hans", "Kovács Péter"),
        ("Wei", "王", "en", "王Wei"),  # any CJK character: family first, no space
        ("", "刘", "en", "刘"),
        ("Ingrid", "", "zh-hans", "Ingrid"),
        ("", "", "en", ""),
    ],
)
def test_it_orders_a_name_for_the_reader(given: str, family: str, language: str, shown: str) -> None:
    with translation.override(language):
        assert person_name(given, family) == shown
    assert person_name(given, family, language=language) == shown


def test_it_recognises_cjk_text() -> None:
    assert is_cjk("刘") and is_cjk("やまだ") and is_cjk("김") and is_cjk("𠀋")
    assert not is_cjk("Kovács Péter") and not is_cjk("")


@pytest.fixture
def liu(plant_sy):
    user = factories.UserFactory(username="liu", first_name="建国", last_name="刘")
    factories.PlantMembershipFactory(user=user, plant=plant_sy, role="trainer")
    return user


def test_it_falls_back_to_the_user_name(db) -> None:
    assert user_name(factories.UserFactory(username="nobody-named")) == "nobody-named"
    assert user_name(None) == ""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_welcomes_a_chinese_user_family_name_first(client, liu, language: str) -> None:
    client.force_login(liu)
    switch_language(client, language)
    page = client.get(reverse("employees:home")).content.decode()
    assert "刘建国" in page
    assert "建国 刘" not in page


def test_it_shows_a_western_name_family_first_in_chinese(client, plant_sy) -> None:
    user = factories.UserFactory(username="ingrid", first_name="Ingrid", last_name="Berg")
    factories.PlantMembershipFactory(user=user, plant=plant_sy, role="manager")
    client.force_login(user)
    assert "Welcome, Ingrid Berg" in client.get(reverse("employees:home")).content.decode()
    switch_language(client, "zh-hans")
    assert "Berg Ingrid" in client.get(reverse("employees:home")).content.decode()


def test_it_names_trainers_assessors_and_actors_family_name_first(client, liu, plant_sy, admin_user) -> None:
    course = factories.CourseFactory(code="HV-001")
    factories.TrainerAuthorisationFactory(user=liu, course=course, plant=plant_sy)
    employee = factories.EmployeeFactory(employee_no="SY001", name="王伟", plant=plant_sy)
    session = factories.TrainingSessionFactory(course=course, plant=plant_sy, trainer=liu)
    factories.AssessmentFactory(employee=employee, course=course, assessor=liu, recorded_by=liu, session=session)
    AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=liu,
        action=AuditAction.ASSESSMENT_RECORDED,
        plant=plant_sy,
        employee=employee,
        course=course,
        summary="SY001 HV-001",
    )
    client.force_login(admin_user)
    pages = {
        "session": client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode(),
        "employee": client.get(reverse("assessments:employee-detail", args=["SY001"])).content.decode(),
        "audit": client.get(reverse("assessments:audit-log")).content.decode(),
    }
    for name, page in pages.items():
        assert "刘建国" in page, name
        assert "建国 刘" not in page, name
    assert pages["employee"].count("刘建国") >= 3  # assessor, recorded by, audit actor
    assert "王伟" in pages["employee"]  # an employee's one-field name shows as stored


def test_it_stores_demo_chinese_employee_names_family_name_first() -> None:
    """The demo's 王伟-style names are one field, family name first and no space: shown as stored."""
    rng = random.Random(14)
    names = [_person_name(rng, "zh", Counter()) for _ in range(50)]
    assert all(name[0] in demo_data.ZH_SURNAMES and " " not in name and is_cjk(name) for name in names)
    hungarian = _person_name(rng, "hu", Counter())
    assert hungarian.split(" ")[0] in demo_data.HU_SURNAMES  # Hungarian names are family name first too
