"""Course titles in the viewer's language everywhere (issue #14 item 4).

The plant dashboard's "courses that block the most people" read the English title straight from
SQL and stayed English in zh-hans; the API gave only the English title.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments.readiness.recompute import drain_marks
from assessments.services.certifications import certifications_refresh
from courses.models import Course
from employees.models import Plant
from tests import factories
from tests.assessments.conftest import D1
from tests.languages import switch_language

TITLES = {"HV-001": "高压安全", "BAT-PACK-001": "电池包装配 1", "BAT-PACK-002": "电池包装配 2"}


@pytest.fixture
def chinese_titles(worked_example):
    for code in TITLES:
        course = Course.objects.get(code=code)
        course.title, course.title_zh = f"English {code}", TITLES[code]
        course.save()
    return worked_example


@pytest.fixture
def rolled_up(chinese_titles, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: D1)
    drain_marks()
    return chinese_titles


def _blocking(client) -> str:
    page = client.get(reverse("readiness:plant", args=["SY"])).content.decode()
    return page.split('id="blocking-courses"')[1].split("</table>")[0]


def test_it_shows_blocking_courses_in_the_viewers_language(client, manager, rolled_up) -> None:
    client.force_login(manager)
    english = _blocking(client)
    assert "English HV-001" in english and "高压安全" not in english  # B lacks HV-001 on D1
    switch_language(client, "zh-hans")
    chinese = _blocking(client)
    assert "高压安全" in chinese and "English HV-001" not in chinese


def test_it_shows_the_line_gaps_in_the_viewers_language(client, manager, rolled_up) -> None:
    client.force_login(manager)
    switch_language(client, "zh-hans")
    page = client.get(reverse("readiness:line", args=["SY", "L1"])).content.decode()
    assert "HV-001 高压安全" in page.split('data-course="HV-001"')[1]


def test_it_answers_the_api_with_the_english_and_the_localised_title(client, manager, chinese_titles) -> None:
    client.force_login(manager)
    url = "/api/v1/employees/C/certifications?date=2026-06-30"
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9").json()["certifications"]
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["certifications"]
    assert {(r["course"], r["title"], r["title_localised"]) for r in chinese} == {
        (code, f"English {code}", title) for code, title in TITLES.items()
    }
    assert {(r["course"], r["title"], r["title_localised"]) for r in english} == {
        (code, f"English {code}", f"English {code}") for code in TITLES
    }
    assert {r["required"] for r in chinese} == {True, False}  # both the required and the other certifications


def test_it_falls_back_to_english_without_a_chinese_title(client, manager, plant_sy) -> None:
    course = factories.CourseFactory(code="NO-ZH", title="Only English", title_zh="")
    employee = factories.EmployeeFactory(employee_no="SY9", plant=plant_sy)
    factories.AssessmentFactory(employee=employee, course=course, assessed_on=dt.date(2026, 1, 10))
    certifications_refresh(pairs=[(employee.id, course.id)])
    client.force_login(manager)
    rows = client.get("/api/v1/employees/SY9/certifications", HTTP_ACCEPT_LANGUAGE="zh-Hans").json()["certifications"]
    assert [(r["title"], r["title_localised"]) for r in rows] == [("Only English", "Only English")]
