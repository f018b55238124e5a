"""DOMAIN.md's Worked example 2 on the employee page: per required course the level held against the
minimum, met / level below / provisional (with the day it stops counting) / provisional lapsed; qualified
and qualified counting no provisional pass; the checklist behind each practical, on 2026-12-01 and on
2027-03-31 (?date=)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED
from tests.languages import switch_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client: Client, manager) -> Client:
    client.force_login(manager)
    return client


def _page(client: Client, employee_no: str, on_date, **extra) -> tuple:
    response = client.get(f"/employees/{employee_no}/", {"date": on_date.isoformat()}, **extra)
    assert response.status_code == 200
    return response, response.content.decode()


def _row(html: str, marker: str) -> str:
    row = html[html.index(marker) :]
    return row[: row.index("</tr>")]


def test_it_shows_levels_met_and_provisional_on_december_1(worked_example_2, manager_client) -> None:
    met = {}
    for name in "PQRS":
        response, html = _page(manager_client, name, W2_TODAY)
        rows = {row.course.code: row for row in response.context["requirements"]}
        met[name] = (
            rows["BAT-MOD-010"].state.level,
            rows["BAT-MOD-010"].min_level,
            rows["BAT-MOD-010"].is_met,
            response.context["qualified"],
            response.context["qualified_confirmed"],
        )
        row = _row(html, 'data-course="BAT-MOD-010"')
        if name == "P":
            assert 'data-met="met"' in row and "O / U" in row
        if name == "Q":
            assert 'data-met="level_below"' in row
            assert "Level below: L, needs U" in row
        if name == "R":
            assert 'data-met="provisional"' in row
            assert "provisional (virtual model): counts until 2027-03-31" in row
            assert 'data-confirmed="no"' in html
        if name == "S":
            assert 'data-met="no"' in row and "- / U" in row
    assert met == {
        "P": ("O", "U", True, True, True),
        "Q": ("L", "U", False, False, False),
        "R": ("U", "U", True, True, False),
        "S": (None, "U", False, False, False),
    }


def test_r_shows_the_lapsed_pass_once_the_window_closes(worked_example_2, manager_client) -> None:
    response, html = _page(manager_client, "R", W2_WINDOW_CLOSED)

    row = _row(html, 'data-course="BAT-MOD-010"')
    assert 'data-met="provisional_lapsed"' in row
    assert "Provisional pass lapsed: needs a confirmed practical" in row
    assert (response.context["qualified"], response.context["qualified_confirmed"]) == (False, False)
    assert "Not qualified" in html
    # A date other than today: the page shows it, and offers no record or revoke (they act on today's state).
    assert (response.context["can_record"], response.context["can_revoke"]) == (False, False)


def test_it_shows_the_checklist_behind_each_practical(worked_example_2, manager_client) -> None:
    response, html = _page(manager_client, "S", W2_TODAY)

    practical = next(
        (a, marks) for a, _voidable, marks in response.context["history"] if a.course.code == "BAT-MOD-010"
    )
    assert [(item.position, item.critical, ok) for item, ok in practical[1]] == [
        (1, False, True),
        (2, False, True),
        (3, True, False),
        (4, False, True),
    ]
    checklist = html[html.index('data-checklist="1"') :]
    checklist = checklist[: checklist.index("</details>")]
    assert "Checklist revision 1" in checklist
    assert '<li data-item="3" data-ok="no" data-critical>' in checklist
    assert "HV connector locked and verified" in checklist
    assert "not OK" in checklist
    _response, r_html = _page(manager_client, "R", W2_TODAY)
    assert "virtual model: provisional" in r_html


def test_it_shows_the_checklist_items_in_the_page_language(worked_example_2, manager_client) -> None:
    item = worked_example_2["checklist"].items.get(position=3)
    item.text_zh = "高压连接器已锁止并确认"
    item.save()

    switch_language(manager_client, "zh-hans")
    _response, html = _page(manager_client, "S", W2_TODAY)

    assert "高压连接器已锁止并确认" in html


def test_it_answers_400_for_a_bad_date(worked_example_2, manager_client) -> None:
    response = manager_client.get("/employees/P/", {"date": "2026-02-30"})

    assert response.status_code == 400
    assert "is not a date" in response.content.decode()
