""" "Who needs me" on the trainer's home: every person on pages, filtered by course and state, and a session
planned for the ticked people (or all shown) that holds exactly them, never anyone of another plant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import AuditAction, AuditEvent, TrainingSession
from assessments.services.certifications import certification_revoke
from assessments.services.results import assessments_record
from tests import factories
from tests.assessments.helpers import certify, result

pytestmark = pytest.mark.django_db


@pytest.fixture
def ehs_course(plant_sy, trainer):
    """EHS-001: theory only, required of the S1 station (SY002, SY004, ... SY010), trainer authorised."""
    course = factories.CourseFactory(code="EHS-001", title="Fire safety", needs_theory=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    return course


@pytest.fixture
def ehs_at_s1(ehs_course, stations_sy):
    factories.RequirementFactory(course=ehs_course, scope="station", station=stations_sy[0])
    return ehs_course


def _home(client, **params):
    return client.get(reverse("assessments:trainer-home"), params)


def _rows(response) -> list[str]:
    return [gap.employee.employee_no for gap in response.context["page"]]


# --- Paging and filters ------------------------------------------------------------------------


def test_it_pages_who_needs_me_beyond_100(client, trainer, hv_course, plant_sy) -> None:
    for n in range(1, 131):
        factories.EmployeeFactory(employee_no=f"SY{n:03d}", plant=plant_sy)
    client.force_login(trainer)

    first = _home(client)
    last = _home(client, page=3)

    assert first.context["gap_count"] == 130
    assert _rows(first) == [f"SY{n:03d}" for n in range(1, 51)]
    assert _rows(last) == [f"SY{n:03d}" for n in range(101, 131)]
    content = last.content.decode()
    assert "Page 3 of 3" in content
    assert 'data-employee="SY130"' in content and 'data-employee="SY100"' not in content
    assert 'href="?page=2"' in content


def test_it_filters_who_needs_me_by_course_and_state(client, trainer, hv_course, ehs_at_s1, team, today) -> None:
    certify(team[0], hv_course, today - dt.timedelta(days=400), trainer)  # SY001 HV-001 expired
    certify(team[2], hv_course, today - dt.timedelta(days=400), trainer)  # SY003 HV-001 expired
    client.force_login(trainer)

    everyone = _home(client)
    ehs = _home(client, course=ehs_at_s1.pk)
    expired = _home(client, course=hv_course.pk, status="expired")
    missing_anywhere = _home(client, status="missing", page=1)

    assert everyone.context["gap_count"] == 15  # ten HV-001 and five EHS-001
    assert _rows(ehs) == ["SY002", "SY004", "SY006", "SY008", "SY010"]
    assert {gap.course.code for gap in ehs.context["page"]} == {"EHS-001"}
    assert _rows(expired) == ["SY001", "SY003"]
    assert len(_rows(missing_anywhere)) == 13
    assert 'href="?status=missing&amp;page=2"' not in missing_anywhere.content.decode()  # one page only


def test_it_offers_only_the_trainers_own_courses_as_a_filter(client, trainer, hv_course, team, plant_sy) -> None:
    not_mine = factories.CourseFactory(code="EHS-009")
    factories.RequirementFactory(course=not_mine, scope="plant", plant=plant_sy)
    client.force_login(trainer)

    response = _home(client, course=not_mine.pk)

    form = response.context["filter_form"]
    assert list(form.fields["course"].queryset.values_list("code", flat=True)) == ["HV-001"]
    assert "course" in form.errors
    assert {gap.course.code for gap in response.context["page"]} == {"HV-001"}  # no filter applied, nothing leaked


def test_it_offers_ticking_only_once_a_course_is_chosen(client, trainer, hv_course, team) -> None:
    client.force_login(trainer)

    unfiltered = _home(client).content.decode()
    filtered = _home(client, course=hv_course.pk).content.decode()

    assert 'name="attendee"' not in unfiltered
    assert filtered.count('name="attendee"') == 10
    assert "Plan a session for the ticked people" in filtered
    assert f"?course={hv_course.pk}&amp;who_needs_me=1" in filtered


def test_it_pages_and_filters_in_a_constant_number_of_queries(
    client, trainer, hv_course, ehs_at_s1, team, plant_sy, django_assert_max_num_queries
) -> None:
    client.force_login(trainer)
    with django_assert_max_num_queries(22) as small:
        _home(client, course=hv_course.pk, status="missing")

    factories.EmployeeFactory.create_batch(80, plant=plant_sy)
    with django_assert_max_num_queries(len(small)):
        _home(client, course=hv_course.pk, status="missing", page=2)


# --- Plan a session for these people -----------------------------------------------------------


def _create(client, course, plant, **extra):
    data = {"course": course.pk, "plant": plant.pk, "held_on": (plant.local_today() + dt.timedelta(days=3))}
    return client.post(reverse("assessments:session-create"), {**data, **extra})


def test_it_carries_the_ticked_people_into_the_new_session(client, trainer, hv_course, team, plant_sy) -> None:
    client.force_login(trainer)

    form = client.get(
        reverse("assessments:session-create"),
        {"course": hv_course.pk, "attendee": [team[1].pk, team[6].pk, "x", "9" * 30]},
    ).context["form"]
    content = form.as_div()
    assert form.initial["course"] == hv_course.pk
    assert [choice[0] for choice in form.fields["attendees"].widget.choices] == [team[1].pk, team[6].pk]
    assert content.count('name="attendees"') == 2 and content.count("checked") == 2

    response = _create(client, hv_course, plant_sy, attendees=[team[1].pk, team[6].pk])

    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("assessments:session-detail", args=[session.pk])
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["SY002", "SY007"]
    event = AuditEvent.objects.get(action=AuditAction.SESSION_ATTENDEES_ADDED)
    assert event.changes == {"session": session.pk, "added": ["SY002", "SY007"]}
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_CREATED).count() == 1


def test_it_carries_all_the_people_shown_for_a_course(client, trainer, hv_course, ehs_at_s1, team, today) -> None:
    certify(team[3], hv_course, today - dt.timedelta(days=400), trainer)  # SY004 expired
    certify(team[8], hv_course, today - dt.timedelta(days=400), trainer)  # SY009 expired
    client.force_login(trainer)

    everyone = client.get(reverse("assessments:session-create"), {"course": hv_course.pk, "who_needs_me": 1}).context[
        "form"
    ]
    expired = client.get(
        reverse("assessments:session-create"), {"course": hv_course.pk, "who_needs_me": 1, "status": "expired"}
    ).context["form"]
    _create(client, hv_course, team[0].plant, attendees=expired.initial["attendees"])

    assert len(everyone.initial["attendees"]) == 10
    assert sorted(expired.initial["attendees"]) == sorted([team[3].pk, team[8].pk])
    assert sorted(TrainingSession.objects.get().attendees.values_list("employee_no", flat=True)) == ["SY004", "SY009"]


def test_it_never_carries_people_of_another_trainers_course(client, trainer, hv_course, team, plant_sy) -> None:
    not_mine = factories.CourseFactory(code="EHS-009")
    factories.RequirementFactory(course=not_mine, scope="plant", plant=plant_sy)
    client.force_login(trainer)

    form = client.get(reverse("assessments:session-create"), {"course": not_mine.pk, "who_needs_me": 1}).context["form"]
    response = _create(client, not_mine, plant_sy, attendees=[team[0].pk])

    assert form.initial["attendees"] == []
    assert response.status_code == 200 and "course" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_it_refuses_people_of_another_plant_in_a_crafted_post(
    client, trainer, hv_course, team, plant_sy, employee_de
) -> None:
    client.force_login(trainer)

    shown = client.get(reverse("assessments:session-create"), {"course": hv_course.pk, "attendee": [employee_de.pk]})
    response = _create(client, hv_course, plant_sy, attendees=[team[0].pk, employee_de.pk])

    assert 'name="attendees"' not in shown.content.decode()
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not TrainingSession.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_refuses_people_of_the_trainers_other_plant(client, trainer, hv_course, team, plant_sy, plant_de) -> None:
    factories.PlantMembershipFactory(user=trainer, plant=plant_de, role="trainer")
    de_person = factories.EmployeeFactory(employee_no="DE001", plant=plant_de)
    gone = factories.EmployeeFactory(employee_no="SY900", plant=plant_sy, status="left")
    client.force_login(trainer)

    other_plant = _create(client, hv_course, plant_sy, attendees=[team[0].pk, de_person.pk])
    left = _create(client, hv_course, plant_sy, attendees=[team[0].pk, gone.pk])

    assert "Only active employees of plant SY can attend: DE001." in other_plant.content.decode()
    assert "attendees" in left.context["form"].errors  # not an active employee: not a choice at all
    assert not TrainingSession.objects.exists()
    assert not AuditEvent.objects.exists()


# --- People already booked on an upcoming session ----------------------------------------------


@pytest.fixture
def bookings(trainer, hv_course, team, plant_sy, today):
    """SY001 and SY002 booked in a week, SY006 today; SY003 only on a cancelled session, SY004 only on a past
    one, SY005 on an upcoming session of another course, SY007 assessed (failed) in today's session."""
    sessions = {}
    for name, held_on, people in (
        ("next_week", today + dt.timedelta(days=7), team[0:2]),
        ("today", today, [team[5], team[6]]),
        ("cancelled", today + dt.timedelta(days=3), [team[2]]),
        ("past", today - dt.timedelta(days=2), [team[3]]),
    ):
        sessions[name] = factories.TrainingSessionFactory(
            course=hv_course, plant=plant_sy, trainer=trainer, held_on=held_on
        )
        sessions[name].attendees.set(people)
    TrainingSession.objects.filter(pk=sessions["cancelled"].pk).update(
        cancelled_at=timezone.now(), cancel_reason="trainer ill"
    )
    other = factories.TrainingSessionFactory(plant=plant_sy, trainer=trainer, held_on=today + dt.timedelta(days=2))
    other.attendees.set([team[4]])
    assessments_record(
        rows=[result(team[6], hv_course, "theory", today, trainer, score=40)],
        recorded_by=trainer,
        session=sessions["today"],
    )
    return sessions


def _row(content: str, employee_no: str) -> str:
    return content.split(f'data-employee="{employee_no}"')[1].split("</tr>")[0]


def test_it_shows_who_is_booked_already_with_a_link_to_the_session(client, trainer, hv_course, bookings) -> None:
    client.force_login(trainer)

    response = _home(client, course=hv_course.pk)

    content = response.content.decode()
    week, today = bookings["next_week"], bookings["today"]
    for employee_no, session in (("SY001", week), ("SY002", week), ("SY006", today)):
        href = reverse("assessments:session-detail", args=[session.pk])
        link = f'<a href="{href}">booked: {session.held_on:%Y-%m-%d}</a>'
        assert link in _row(content, employee_no)
    for employee_no in ("SY003", "SY004", "SY005", "SY007", "SY008"):
        assert "booked:" not in _row(content, employee_no)
    assert content.count('name="attendee"') == 10  # the booked can still be ticked by hand


def test_it_plans_for_all_shown_only_the_people_not_booked(client, trainer, hv_course, bookings, team) -> None:
    client.force_login(trainer)

    content = _home(client, course=hv_course.pk).content.decode()
    everyone = _home(client).content.decode()
    form = client.get(reverse("assessments:session-create"), {"course": hv_course.pk, "who_needs_me": 1}).context[
        "form"
    ]

    assert "Plan a session for the 7 people shown who are not booked yet" in content
    assert "Plan a session for all 10 people shown" not in content
    assert "Plan a session for these 7 people" in everyone
    assert "3 booked already" in everyone
    booked = {team[0].pk, team[1].pk, team[5].pk}
    assert sorted(form.initial["attendees"]) == sorted(e.pk for e in team if e.pk not in booked)


def test_it_offers_no_plan_for_all_when_everyone_shown_is_booked(client, trainer, hv_course, team, today) -> None:
    session = factories.TrainingSessionFactory(
        course=hv_course, plant=team[0].plant, trainer=trainer, held_on=today + dt.timedelta(days=1)
    )
    session.attendees.set(team)
    client.force_login(trainer)

    content = _home(client).content.decode()
    filtered = _home(client, course=hv_course.pk).content.decode()

    assert "Plan a session for these" not in content and "10 booked already" in content
    assert "Plan a session for all" not in filtered and "people shown who are not booked" not in filtered
    assert "Plan a session for the ticked people" in filtered


def test_it_shows_bookings_in_a_constant_number_of_queries(
    client, trainer, hv_course, team, plant_sy, today, django_assert_num_queries, settings
) -> None:
    first = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)
    first.attendees.set(team[:1])
    client.force_login(trainer)
    _home(client)  # the first request after the login saves the session too
    # The request's session (1; none when CACHE_URL reads it from Redis) and user (1), the trainer's plants
    # (1), trainer_gaps (7: authorisations, requirements, roster, required sets, certifications, courses, and
    # one for the bookings), the filter form (3: plants, the course chosen, the course list), the sessions (1),
    # the authorisations (1), the planned sessions (1: planning's panel; none planned, so no check of the plan).
    queries = 15 + (0 if settings.SESSION_ENGINE == "certtrack.sessions" else 1)
    with django_assert_num_queries(queries):
        _home(client, course=hv_course.pk)

    for n in range(3):
        later = factories.TrainingSessionFactory(
            course=hv_course, plant=plant_sy, trainer=trainer, held_on=today + dt.timedelta(days=n + 1)
        )
        later.attendees.set(team[n * 3 : n * 3 + 3])
    factories.EmployeeFactory.create_batch(20, plant=plant_sy)
    with django_assert_num_queries(queries):
        content = _home(client, course=hv_course.pk).content.decode()
    assert content.count("booked:") == 9


# --- Counts say what they count ----------------------------------------------------------------


def test_it_counts_gaps_and_people_apart(client, trainer, hv_course, ehs_at_s1, team) -> None:
    client.force_login(trainer)

    response = _home(client)
    filtered = _home(client, course=ehs_at_s1.pk).content.decode()

    header = response.content.decode().split('id="who-needs-me"')[1].split("</h2>")[0]
    assert "15 gaps" in header and "10 people" in header  # ten HV-001 and five EHS-001: ten people
    summary = response.content.decode().split("<summary>")[1].split("</summary>")[0]
    assert " ".join(summary.split()) == "Show 15 gaps (10 people)"
    assert (response.context["gap_count"], response.context["people_count"]) == (15, 10)
    shown = " ".join(filtered.split("<summary>")[1].split("</summary>")[0].split())
    assert shown == "Show 5 of 15 gaps (5 people)"
    assert "Show 15 people" not in response.content.decode()


def test_it_says_expired_or_revoked_and_the_state_of_each_row(client, trainer, manager, hv_course, team, today) -> None:
    certify(team[0], hv_course, today - dt.timedelta(days=400), trainer)  # SY001 expired
    certify(team[1], hv_course, today - dt.timedelta(days=10), trainer)
    certification_revoke(
        certification=team[1].certifications.get(course=hv_course), actor=manager, reason="quality incident"
    )
    client.force_login(trainer)

    content = _home(client, course=hv_course.pk).content.decode()

    summary = content.split('id="who-needs-me"')[1].split("<thead>")[1].split("</thead>")[0]
    assert ">Expired or revoked<" in summary
    assert content.split('data-course="HV-001"')[1].split("</tr>")[0].count('<td class="text-end">2</td>') == 1
    assert ">Expired<" in _row(content, "SY001") and ">Revoked<" in _row(content, "SY002")
