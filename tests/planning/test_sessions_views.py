"""The plan pages as trainers, managers and others use them: who gets what, forms that refuse and change
nothing, prefilled links from the gap lists, holding to the results grid, the panels on other pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import TrainingSession
from employees.models import Plant
from planning.models import PlannedSession
from planning.services.sessions import planned_session_cancel, planned_session_create
from tests import factories
from tests.planning.sessions_world import FRI, THU, plan  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _planned(plan, **overrides) -> PlannedSession:  # noqa: F811
    values = {
        "plant": plan["plant"],
        "course": plan["hv"],
        "planned_on": THU,
        "trainer": plan["trainer"],
        "actor": plan["trainer"],
        "attendees": plan["people"][:2],
    }
    return planned_session_create(**{**values, **overrides})[0]


def _form(plan, **overrides) -> dict:  # noqa: F811
    return {
        "course": plan["hv"].pk,
        "planned_on": "2026-12-03",
        "trainer": plan["trainer"].pk,
        "seats": "",
        "delivery_mode": "",
        "line": plan["line"].pk,
        "shift": "A",
        "location": "Room 1",
        "notes": "",
        "attendees": "SY-1, sy-2\nSY-3",
        **overrides,
    }


def test_a_trainer_plans_a_session_on_the_page(plan) -> None:  # noqa: F811
    client = _client(plan["trainer"])
    response = client.post(reverse("planning:session-create", args=["SY"]), _form(plan))
    session = PlannedSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:session-detail", args=["SY", session.pk])
    assert (session.seats, session.line, session.shift, session.location) == (3, plan["line"], "A", "Room 1")
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["SY-1", "SY-2", "SY-3"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"data-seats>3 / 3<" in page.content


def test_a_breaking_plan_re_renders_with_the_reason_and_writes_nothing(plan) -> None:  # noqa: F811
    client = _client(plan["trainer"])
    response = client.post(
        reverse("planning:session-create", args=["SY"]), _form(plan, course=plan["mod"].pk, attendees="SY-1")
    )
    assert response.status_code == 200
    assert "needs HV-001 passed and valid before 2026-12-04" not in response.content.decode()
    assert "needs HV-001 passed and valid before 2026-12-03" in response.content.decode()
    response = client.post(reverse("planning:session-create", args=["SY"]), _form(plan, attendees="SY-1 NOBODY"))
    assert "No employee of plant SY has the number: NOBODY." in response.content.decode()
    response = client.post(reverse("planning:session-create", args=["SY"]), _form(plan, seats="2"))
    assert "3 planned attendees for 2 seats." in response.content.decode()
    assert PlannedSession.objects.count() == 0


def test_the_create_page_is_prefilled_from_a_gap_list(plan) -> None:  # noqa: F811
    people = plan["people"]
    url = reverse("planning:session-create", args=["SY"])
    carried = f"{people[2].pk},{people[0].pk},{plan['outsider'].pk},x"
    query = f"?course={plan['mod'].pk}&line={plan['line'].pk}&employees={carried}"
    response = _client(plan["trainer"]).get(url + query)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["attendees"] == "SY-1\nSY-3"  # the other plant's employee is not carried
    assert (form.initial["course"], form.initial["line"], form.initial["seats"]) == (
        plan["mod"].pk,
        plan["line"].pk,
        4,
    )
    assert form.initial["delivery_mode"] == "on_the_job"


def test_a_trainer_sees_only_their_own_courses_and_themselves_a_manager_every_authorised_trainer(plan, manager) -> None:  # noqa: F811
    url = reverse("planning:session-create", args=["SY"])
    trainer2_form = _client(plan["trainer2"]).get(url).context["form"]
    assert [c.code for c in trainer2_form.fields["course"].queryset] == ["HV-001"]
    assert [u.username for u in trainer2_form.fields["trainer"].queryset] == ["trainer2"]
    manager_form = _client(manager).get(url).context["form"]
    assert [c.code for c in manager_form.fields["course"].queryset] == ["HV-001", "MOD-010"]
    assert [u.username for u in manager_form.fields["trainer"].queryset] == ["trainer", "trainer2"]
    # A trainer posting another trainer is refused on the page.
    response = _client(plan["trainer2"]).post(url, _form(plan, trainer=plan["trainer"].pk, attendees=""))
    assert response.status_code == 200 and PlannedSession.objects.count() == 0


def test_who_may_open_what(plan, manager, hr, auditor, supervisor, trainer_de, manager_de) -> None:  # noqa: F811
    session = _planned(plan)
    urls = {
        "list": reverse("planning:session-list", args=["SY"]),
        "detail": reverse("planning:session-detail", args=["SY", session.pk]),
        "create": reverse("planning:session-create", args=["SY"]),
        "edit": reverse("planning:session-edit", args=["SY", session.pk]),
        "cancel": reverse("planning:session-cancel", args=["SY", session.pk]),
    }
    expected = {
        plan["trainer"]: {"list": 200, "detail": 200, "create": 200, "edit": 200, "cancel": 200},
        plan["trainer2"]: {"list": 200, "detail": 200, "create": 200, "edit": 404, "cancel": 404},
        manager: {"list": 200, "detail": 200, "create": 200, "edit": 200, "cancel": 200},
        supervisor: {"list": 200, "detail": 200, "create": 403, "edit": 403, "cancel": 403},
        auditor: {"list": 200, "detail": 200, "create": 403, "edit": 403, "cancel": 403},
        hr: {"list": 403, "detail": 403, "create": 403, "edit": 403, "cancel": 403},
        trainer_de: {"list": 404, "detail": 404, "create": 404, "edit": 404, "cancel": 404},
        manager_de: {"list": 404, "detail": 404, "create": 404, "edit": 404, "cancel": 404},
    }
    got = {user: {name: _client(user).get(url).status_code for name, url in urls.items()} for user in expected}
    assert got == expected
    # SY's session under another plant's code: 404, even for an admin.
    factories.PlantFactory(code="XX")
    admin = factories.UserFactory(username="root", is_superuser=True)
    assert _client(admin).get(reverse("planning:session-detail", args=["XX", session.pk])).status_code == 404


def test_the_plan_list_filters_and_flags_the_problems_a_cancel_left(plan, manager) -> None:  # noqa: F811
    first = plan["people"][0]
    prerequisite = _planned(plan, attendees=[first])
    later = _planned(plan, course=plan["mod"], attendees=[first], planned_on=FRI, line=plan["line"])
    planned_session_cancel(session=prerequisite, actor=manager, reason="Room flooded")
    client = _client(manager)
    page = client.get(reverse("planning:session-list", args=["SY"])).content.decode()
    assert f'<tr data-session="{later.pk}" class="table-danger" data-broken>' in page
    assert f"{first.employee_no} {first.name} needs HV-001 passed and valid before 2026-12-04" in page
    assert f'data-session="{prerequisite.pk}"' not in page  # cancelled: not in the live plan
    cancelled = client.get(reverse("planning:session-list", args=["SY"]), {"status": "cancelled"}).content.decode()
    assert f'data-session="{prerequisite.pk}"' in cancelled and f'data-session="{later.pk}"' not in cancelled
    by_course = client.get(reverse("planning:session-list", args=["SY"]), {"course": plan["hv"].pk, "status": "all"})
    assert [row[0].pk for row in by_course.context["rows"]] == [prerequisite.pk]
    by_month = client.get(reverse("planning:session-list", args=["SY"]), {"month": "2027-01"})
    assert by_month.context["rows"] == []
    bad = client.get(reverse("planning:session-list", args=["SY"]), {"month": "2026-13", "line": "x"})
    assert bad.status_code == 200


def test_edit_and_cancel_on_the_pages(plan, manager) -> None:  # noqa: F811
    session = _planned(plan)
    client = _client(manager)
    response = client.post(
        reverse("planning:session-edit", args=["SY", session.pk]),
        {
            "planned_on": "2026-12-04",
            "trainer": plan["trainer2"].pk,
            "seats": "3",
            "delivery_mode": session.delivery_mode,
            "line": "",
            "shift": "",
            "location": "",
            "notes": "",
            "attendees": "SY-1",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.planned_on, session.trainer, session.attendees.count()) == (FRI, plan["trainer2"], 1)
    url = reverse("planning:session-cancel", args=["SY", session.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    session.refresh_from_db()
    assert session.is_live
    assert client.post(url, {"reason": "Line stop"}).status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"
    # A cancelled session takes no more changes.
    response = client.get(reverse("planning:session-edit", args=["SY", session.pk]))
    assert response.status_code == 302


def test_holding_leads_to_the_results_grid_with_the_attendees(plan, manager, monkeypatch) -> None:  # noqa: F811
    session = _planned(plan)
    url = reverse("planning:session-hold", args=["SY", session.pk])
    assert _client(manager).post(url).status_code == 403
    assert _client(plan["trainer2"]).post(url).status_code == 404
    early = _client(plan["trainer"]).post(url)
    assert early["Location"] == reverse("planning:session-detail", args=["SY", session.pk])
    assert TrainingSession.objects.count() == 0
    monkeypatch.setattr(Plant, "local_today", lambda self: THU)
    response = _client(plan["trainer"]).post(url)
    held = TrainingSession.objects.get()
    assert response["Location"] == reverse("assessments:session-results", args=[held.pk])
    assert sorted(held.attendees.values_list("employee_no", flat=True)) == ["SY-1", "SY-2"]
    assert _client(plan["trainer"]).get(response["Location"]).status_code == 200


def test_the_trainer_home_and_the_employee_page_show_the_plan(plan, monkeypatch) -> None:  # noqa: F811
    session = _planned(plan)
    client = _client(plan["trainer"])
    home = client.get(reverse("assessments:trainer-home")).content.decode()
    assert f'data-planned-session="{session.pk}"' in home
    # Each number kept whole on a narrow column.
    assert '<span class="text-nowrap">SY-1</span>, <span class="text-nowrap">SY-2</span>' in home
    assert "data-hold" not in home  # not before its day
    monkeypatch.setattr(Plant, "local_today", lambda self: THU)
    assert "data-hold" in client.get(reverse("assessments:trainer-home")).content.decode()
    other = _client(plan["trainer2"]).get(reverse("assessments:trainer-home")).content.decode()
    assert f'data-planned-session="{session.pk}"' not in other
    employee_page = client.get(reverse("assessments:employee-detail", args=["SY-1"])).content.decode()
    assert 'id="planned-for-employee"' in employee_page
    assert f'data-planned-session="{session.pk}"' in employee_page
    assert "HV-001" in employee_page
    nobody = client.get(reverse("assessments:employee-detail", args=["SY-4"])).content.decode()
    assert "Nothing planned for this person." in nobody


def test_the_line_page_and_the_gap_list_link_to_planning(plan, manager) -> None:  # noqa: F811
    from django.core.cache import cache

    cache.clear()
    line_page = _client(manager).get(reverse("readiness:line", args=["SY", "L1"])).content.decode()
    assert f'href="/planning/SY/sessions/new/?line={plan["line"].pk}"' in line_page
    factories.RequirementFactory(course=plan["hv"], scope="plant", plant=plan["plant"])
    home = _client(plan["trainer"]).get(reverse("assessments:trainer-home"), {"course": plan["hv"].pk})
    text = home.content.decode()
    assert 'id="plan-ticked-later"' in text and 'formaction="/planning/SY/sessions/new/"' in text
    ids = ",".join(str(p.pk) for p in sorted(plan["people"], key=lambda p: p.pk))
    assert f"/planning/SY/sessions/new/?course={plan['hv'].pk}&amp;employees={ids.replace(',', '%2C')}" in text
