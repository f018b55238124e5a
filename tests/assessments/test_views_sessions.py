"""Trainer home, session list, create, detail and attendees: each persona, and the outsider's 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments.models import TrainingSession
from assessments.selectors.gaps import trainer_gaps
from tests import factories
from tests.assessments.helpers import certify, result

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(plant_sy, hv_course, trainer, today):
    return factories.TrainingSessionFactory(
        course=hv_course, plant=plant_sy, trainer=trainer, held_on=today, location="Training room 2"
    )


def _add(client, session, **data):
    return client.post(reverse("assessments:session-attendees-add", args=[session.pk]), data, follow=True)


# --- Trainer home and "who needs me" --------------------------------------------------------


def test_it_lists_who_needs_the_trainer(team, hv_course, plant_sy, trainer, today) -> None:
    from assessments.services.results import assessments_record

    certify(team[0], hv_course, today, trainer)  # valid for 12 months: not listed
    certify(team[1], hv_course, dt.date(2025, 1, 1), trainer)  # long expired
    assessments_record(
        rows=[result(team[2], hv_course, "theory", today, trainer, score=50)], recorded_by=trainer
    )  # in progress
    not_mine = factories.CourseFactory(code="EHS-009")
    factories.RequirementFactory(course=not_mine, scope="plant", plant=plant_sy)  # required, but not my course

    gaps = trainer_gaps(user=trainer)

    states = {(g.employee.employee_no, g.course.code): g.status for g in gaps}
    assert ("SY001", "HV-001") not in states
    assert states[("SY002", "HV-001")] == "expired"
    assert states[("SY003", "HV-001")] == "in_progress"
    assert states[("SY004", "HV-001")] == "missing"
    assert len(states) == 9
    assert not any(code == "EHS-009" for _no, code in states)
    assert gaps[0].status == "expired"  # the most urgent first


def test_it_lists_certifications_expiring_within_30_days(team, plant_sy, trainer, today) -> None:
    course = factories.CourseFactory(code="HV-002", needs_theory=True, validity_months=1)
    factories.RequirementFactory(course=course, scope="plant", plant=plant_sy)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    for employee in team:
        certify(employee, course, today - dt.timedelta(days=5), trainer)  # expires in ~25 days

    gaps = trainer_gaps(user=trainer)

    assert {g.status for g in gaps} == {"expiring"}
    assert len(gaps) == 10


def test_it_shows_the_trainer_home_in_a_constant_number_of_queries(
    client, trainer, plant_sy, hv_course, team, today, django_assert_max_num_queries
) -> None:
    factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)
    factories.TrainingSessionFactory(
        course=hv_course, plant=plant_sy, trainer=trainer, held_on=today + dt.timedelta(days=7), location="Hall B"
    )
    client.force_login(trainer)
    with django_assert_max_num_queries(20) as small:
        response = client.get(reverse("assessments:trainer-home"))
    content = response.content.decode()
    assert "HV-001" in content and "Hall B" in content
    assert "SY010" in content  # nobody is certified yet: everyone needs the trainer

    factories.EmployeeFactory.create_batch(30, plant=plant_sy)
    with django_assert_max_num_queries(len(small)):
        client.get(reverse("assessments:trainer-home"))


def test_it_keeps_the_trainer_home_to_people_who_record(client, manager, hr) -> None:
    for user in (manager, hr):
        client.force_login(user)
        assert client.get(reverse("assessments:trainer-home")).status_code == 403


def test_it_shows_a_trainer_of_another_plant_nothing_of_sy(client, trainer_de, team, hv_course, session) -> None:
    client.force_login(trainer_de)

    content = client.get(reverse("assessments:trainer-home")).content.decode()

    assert "SY001" not in content and "Training room 2" not in content


# --- Sessions -----------------------------------------------------------------------------


def test_it_offers_only_the_courses_the_trainer_may_assess(client, trainer, hv_course) -> None:
    factories.CourseFactory(code="EHS-010")
    client.force_login(trainer)

    form = client.get(reverse("assessments:session-create")).context["form"]

    assert list(form.fields["course"].queryset.values_list("code", flat=True)) == ["HV-001"]
    assert [p.code for p in form.fields["plant"].queryset] == ["SY"]


def test_it_creates_a_session(client, trainer, hv_course, plant_sy, today) -> None:
    client.force_login(trainer)

    response = client.post(
        reverse("assessments:session-create"),
        {"course": hv_course.pk, "plant": plant_sy.pk, "held_on": today.isoformat(), "location": "Line 1 cell"},
    )

    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("assessments:session-detail", args=[session.pk])
    assert (session.location, session.delivery_mode, session.trainer) == ("Line 1 cell", "classroom", trainer)


def test_it_refuses_a_session_at_another_plant(client, trainer_de, hv_course, plant_sy, today) -> None:
    client.force_login(trainer_de)

    response = client.post(
        reverse("assessments:session-create"),
        {"course": hv_course.pk, "plant": plant_sy.pk, "held_on": today.isoformat()},
    )

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"course", "plant"}
    assert not TrainingSession.objects.exists()


def test_it_adds_attendees_by_numbers_name_line_and_station(client, trainer, session, team, line_sy, stations_sy):
    client.force_login(trainer)

    response = _add(client, session, q="SY001, SY002")
    assert "2 attendees added." in response.content.decode()
    _add(client, session, q="Operator 03")
    assert session.attendees.count() == 3

    _add(client, session, station=stations_sy[0].pk)  # even numbers stand at S1
    assert session.attendees.count() == 3 + 4  # SY002 was already there
    _add(client, session, line=line_sy.pk)
    assert session.attendees.count() == 10


def test_it_asks_to_pick_when_a_name_matches_several_people(client, trainer, session, team) -> None:
    client.force_login(trainer)

    response = _add(client, session, q="Operator")

    content = response.content.decode()
    assert "10 employees match “Operator”: pick them below." in content
    assert content.count('name="pick"') == 10
    response = _add(client, session, pick=[team[4].pk, team[5].pk])
    assert set(session.attendees.values_list("employee_no", flat=True)) == {"SY005", "SY006"}


def test_it_says_when_nobody_matches(client, trainer, session, employee_de) -> None:
    client.force_login(trainer)

    response = _add(client, session, q="Nobody by this name")

    assert "No active employee of this plant matches “Nobody by this name”." in response.content.decode()
    assert session.attendees.count() == 0


def test_it_removes_an_attendee(client, trainer, session, team) -> None:
    session.attendees.set(team[:2])
    client.force_login(trainer)

    client.post(reverse("assessments:session-attendee-remove", args=[session.pk, "SY001"]))

    assert list(session.attendees.values_list("employee_no", flat=True)) == ["SY002"]


def test_it_shows_the_session_to_plant_people_and_editing_to_trainers(client, session, team, manager, trainer):
    session.attendees.set(team[:3])
    client.force_login(manager)
    response = client.get(reverse("assessments:session-detail", args=[session.pk]))
    assert response.status_code == 200
    assert "SY003" in response.content.decode()
    assert "Enter results" not in response.content.decode()
    assert _add(client, session, q="SY004").status_code == 404

    client.force_login(trainer)
    assert "Enter results" in client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode()


@pytest.mark.parametrize("persona", ["trainer_de", "manager_de", "hr_de"])
def test_it_answers_404_to_the_other_plant(request, client, session, team, persona) -> None:
    session.attendees.set(team[:2])
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("assessments:session-detail", args=[session.pk])).status_code == 404
    assert _add(client, session, q="SY003").status_code == 404
    remove = reverse("assessments:session-attendee-remove", args=[session.pk, "SY001"])
    assert client.post(remove).status_code == 404
    assert session.attendees.count() == 2
    assert "Training room 2" not in client.get(reverse("assessments:session-list")).content.decode()


def test_it_lists_sessions_of_the_users_plants(client, session, auditor) -> None:
    client.force_login(auditor)

    response = client.get(reverse("assessments:session-list"))

    assert "Training room 2" in response.content.decode()


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30, "-1", " 7 "])
def test_it_reads_ids_in_links_as_ascii_digits_only(client, trainer, value) -> None:
    """ "²".isdigit() is true but int("²") raises: such a link was a 500 (found by the bad-input fuzzing)."""
    client.force_login(trainer)

    session_form = client.get(
        reverse("assessments:session-create"), {"course": value, "plant": value, "attendee": value}
    )

    assert session_form.status_code == 200
