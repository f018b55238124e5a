""" "Who needs me" for a trainer of two plants (issue #14 item 13): a session is held at one plant, so the
home page counts and plans per course and plant, the gap list filters by plant, and "plan a session for
these people" carries that plant and its people only, never a mix the session would refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessments.models import TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def de_people(trainer, hv_course, plant_de):
    """The trainer is a trainer at DE too, authorised for HV-001 there, where it is plant-wide: three people."""
    factories.PlantMembershipFactory(user=trainer, plant=plant_de, role="trainer")
    factories.TrainerAuthorisationFactory(user=trainer, course=hv_course, plant=plant_de)
    factories.RequirementFactory(course=hv_course, scope="plant", plant=plant_de)
    return [factories.EmployeeFactory(employee_no=f"DE{n:03d}", plant=plant_de) for n in range(1, 4)]


def _home(client, **params):
    return client.get(reverse("assessments:trainer-home"), params)


def _plan(client, **params):
    return client.get(reverse("assessments:session-create"), params)


def test_it_counts_and_plans_per_course_and_plant(
    client, trainer, hv_course, team, de_people, plant_sy, plant_de
) -> None:
    client.force_login(trainer)

    response = _home(client)

    content = response.content.decode()
    assert "these 13 people" not in content
    plan = reverse("assessments:session-create")
    for plant, count in ((plant_sy, 10), (plant_de, 3)):
        link = f"{plan}?course={hv_course.pk}&amp;who_needs_me=1&amp;plant={plant.pk}"
        assert f'{link}">Plan a session for these {count} people' in content
    summary = [(row["course"].code, row["plant"].code, row["total"]) for row in response.context["gap_summary"]]
    assert summary == [("HV-001", "SY", 10), ("HV-001", "DE", 3)]


def test_it_plans_the_session_at_the_plant_of_the_link_with_its_people(
    client, trainer, hv_course, team, de_people, plant_de
) -> None:
    client.force_login(trainer)

    form = _plan(client, course=hv_course.pk, who_needs_me=1, plant=plant_de.pk).context["form"]
    response = client.post(
        reverse("assessments:session-create"),
        {
            "course": form.initial["course"],
            "plant": form.initial["plant"],
            "held_on": form.initial["held_on"] + dt.timedelta(days=2),
            "attendees": form.initial["attendees"],
        },
    )

    assert form.initial["plant"] == plant_de.pk
    assert form.initial["held_on"] == plant_de.local_today()
    assert sorted(form.initial["attendees"]) == sorted(e.pk for e in de_people)
    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("assessments:session-detail", args=[session.pk])
    assert session.plant == plant_de
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["DE001", "DE002", "DE003"]


def test_it_filters_who_needs_me_by_plant_and_ticks_people_of_that_plant(
    client, trainer, hv_course, team, de_people, plant_de
) -> None:
    client.force_login(trainer)

    response = _home(client, course=hv_course.pk, plant=plant_de.pk)

    assert "plant" in response.context["filter_form"].fields
    assert [gap.employee.employee_no for gap in response.context["page"]] == ["DE001", "DE002", "DE003"]
    content = response.content.decode()
    assert content.count('name="attendee"') == 3
    assert f'<input type="hidden" name="plant" value="{plant_de.pk}">' in content
    assert f"who_needs_me=1&amp;plant={plant_de.pk}" in content  # "all 3 people shown"


def test_it_offers_ticking_only_once_a_plant_is_chosen_when_people_are_of_two(
    client, trainer, hv_course, team, de_people
) -> None:
    client.force_login(trainer)

    content = _home(client, course=hv_course.pk).content.decode()

    assert 'name="attendee"' not in content
    assert "Plan a session for all" not in content
    assert "choose a plant to tick people and plan a session for them" in content


def test_it_carries_nobody_from_a_link_without_a_plant_when_people_are_of_two(
    client, trainer, hv_course, team, de_people
) -> None:
    client.force_login(trainer)

    response = _plan(client, course=hv_course.pk, who_needs_me=1)

    assert response.context["form"].initial["attendees"] == []
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "People at several plants need this course, and a session is held at one plant: plan it from that "
        'plant\'s row of "Who needs me" on your home page.'
    ]


def test_it_creates_nothing_from_a_crafted_post_with_people_of_both_plants(
    client, trainer, hv_course, team, de_people, plant_sy, plant_de
) -> None:
    client.force_login(trainer)
    held_on = plant_sy.local_today() + dt.timedelta(days=2)

    for plant in (plant_sy, plant_de):
        response = client.post(
            reverse("assessments:session-create"),
            {"course": hv_course.pk, "plant": plant.pk, "held_on": held_on, "attendees": [team[0].pk, de_people[0].pk]},
        )
        assert response.status_code == 200
        assert "Only active employees of plant" in response.content.decode()

    assert not TrainingSession.objects.exists()


def test_it_keeps_a_single_plant_trainers_page_as_it_was(client, trainer, hv_course, team, plant_sy) -> None:
    client.force_login(trainer)

    response = _home(client, course=hv_course.pk)
    form = _plan(client, course=hv_course.pk, who_needs_me=1).context["form"]

    assert "plant" not in response.context["filter_form"].fields
    assert response.content.decode().count('name="attendee"') == 10
    assert form.initial["plant"] == plant_sy.pk
    assert len(form.initial["attendees"]) == 10
