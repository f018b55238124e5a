"""Editing and cancelling a training session (issue #14 item 12): the services' rules and audit events, the
pages for each persona, and what a cancelled session still accepts (nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import Assessment, AuditAction, AuditEvent, TrainingSession
from assessments.selectors.sessions import trainer_sessions
from assessments.services.results import BatchRejected, assessment_void, assessments_record
from assessments.services.sessions import (
    training_session_attendee_remove,
    training_session_attendees_add,
    training_session_cancel,
    training_session_update,
)
from tests import factories
from tests.assessments.helpers import result

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(plant_sy, hv_course, trainer, team, today):
    session = factories.TrainingSessionFactory(
        course=hv_course,
        plant=plant_sy,
        trainer=trainer,
        held_on=today + dt.timedelta(days=7),
        location="Training room 2",
        delivery_mode="classroom",
    )
    session.attendees.set(team[:3])
    return session


@pytest.fixture
def second_trainer(plant_sy, hv_course):
    user = factories.UserFactory(username="trainer-2", first_name="Li", last_name="Na")
    factories.PlantMembershipFactory(user=user, plant=plant_sy, role="trainer")
    factories.TrainerAuthorisationFactory(user=user, course=hv_course, plant=plant_sy)
    return user


def _update(session, actor, **changes):
    values = {
        "held_on": session.held_on,
        "location": session.location,
        "delivery_mode": session.delivery_mode,
        "trainer": session.trainer,
        **changes,
    }
    return training_session_update(session=session, actor=actor, **values)


# --- training_session_update ------------------------------------------------------------------------


def test_it_changes_date_location_mode_and_trainer_and_audits_before_and_after(
    session, trainer, second_trainer, today
) -> None:
    new_date = today + dt.timedelta(days=9)

    _update(session, trainer, held_on=new_date, location=" Hall B ", delivery_mode="virtual", trainer=second_trainer)

    session.refresh_from_db()
    assert (session.held_on, session.location, session.delivery_mode, session.trainer) == (
        new_date,
        "Hall B",
        "virtual",
        second_trainer,
    )
    event = AuditEvent.objects.get(action=AuditAction.SESSION_CHANGED)
    assert event.changes == {
        "before": {
            "held_on": (today + dt.timedelta(days=7)).isoformat(),
            "location": "Training room 2",
            "delivery_mode": "classroom",
            "trainer": "trainer",
        },
        "after": {
            "held_on": new_date.isoformat(),
            "location": "Hall B",
            "delivery_mode": "virtual",
            "trainer": "trainer-2",
        },
    }
    assert (event.actor, event.plant_id, event.course_id, event.object_id) == (
        trainer,
        session.plant_id,
        session.course_id,
        str(session.pk),
    )


def test_it_writes_nothing_when_nothing_changed(session, trainer) -> None:
    _update(session, trainer, location="Training room 2 ")

    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_CHANGED).exists()


def test_it_refuses_a_trainer_not_authorised_for_the_course(session, trainer, plant_sy) -> None:
    stranger = factories.UserFactory(username="stranger")
    factories.PlantMembershipFactory(user=stranger, plant=plant_sy, role="trainer")

    with pytest.raises(ValidationError) as refused:
        _update(session, trainer, trainer=stranger, location="Hall B")

    assert refused.value.message_dict == {
        "trainer": [f"stranger is not authorised to assess HV-001 at plant SY on {session.held_on.isoformat()}."]
    }
    session.refresh_from_db()
    assert (session.trainer, session.location) == (trainer, "Training room 2")
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_CHANGED).exists()


def test_it_refuses_a_date_after_the_trainers_authorisation_ends(session, trainer, second_trainer, today) -> None:
    second_trainer.trainer_authorisations.update(valid_until=today + dt.timedelta(days=10))

    session = _update(session, trainer, trainer=second_trainer)  # on the session's date (in 7 days): authorised
    with pytest.raises(ValidationError) as refused:
        _update(session, trainer, held_on=today + dt.timedelta(days=11))

    assert list(refused.value.message_dict) == ["trainer"]
    session.refresh_from_db()
    assert session.held_on == today + dt.timedelta(days=7)


def test_it_refuses_a_new_trainer_without_the_trainer_role_at_the_plant(session, trainer, manager, hv_course) -> None:
    factories.TrainerAuthorisationFactory(user=manager, course=hv_course, plant=session.plant)

    with pytest.raises(ValidationError) as refused:
        _update(session, trainer, trainer=manager)

    assert list(refused.value.message_dict) == ["trainer"]


def test_it_keeps_a_session_with_results_on_or_before_its_first_result(
    session, trainer, team, hv_course, today
) -> None:
    _update(session, trainer, held_on=today - dt.timedelta(days=3))
    assessments_record(
        rows=[result(team[0], hv_course, "theory", today - dt.timedelta(days=2), trainer, score=90)],
        recorded_by=trainer,
        session=session,
    )

    with pytest.raises(ValidationError) as refused:
        _update(session, trainer, held_on=today)
    _update(session, trainer, held_on=today - dt.timedelta(days=2))  # the first result's day: fine

    assert refused.value.message_dict == {
        "held_on": [
            f"Results of this session are dated from {(today - dt.timedelta(days=2)).isoformat()}: the session may not "
            "move after its first result (results keep their own dates)."
        ]
    }
    session.refresh_from_db()
    assert session.held_on == today - dt.timedelta(days=2)


def test_it_refuses_an_edit_by_someone_who_does_not_run_sessions_there(session, manager, trainer_de) -> None:
    for actor in (manager, trainer_de):
        with pytest.raises(ValidationError, match="You may not run sessions at plant SY."):
            _update(session, actor, location="Hall B")


# --- training_session_cancel ---------------------------------------------------------------------------


def test_it_cancels_with_a_reason_and_audits_it(session, trainer) -> None:
    training_session_cancel(session=session, actor=trainer, reason="  trainer ill  ")

    session.refresh_from_db()
    assert (session.is_cancelled, session.cancelled_by, session.cancel_reason) == (True, trainer, "trainer ill")
    event = AuditEvent.objects.get(action=AuditAction.SESSION_CANCELLED)
    assert event.changes == {"reason": "trainer ill", "held_on": session.held_on.isoformat()}
    assert event.actor == trainer


def test_it_refuses_to_cancel_without_a_reason_or_twice(session, trainer) -> None:
    with pytest.raises(ValidationError, match="Give a reason for cancelling the session."):
        training_session_cancel(session=session, actor=trainer, reason="   ")
    training_session_cancel(session=session, actor=trainer, reason="room flooded")
    with pytest.raises(ValidationError, match="This session was cancelled on"):
        training_session_cancel(session=session, actor=trainer, reason="again")

    assert AuditEvent.objects.filter(action=AuditAction.SESSION_CANCELLED).count() == 1


def test_it_cancels_a_session_only_once_its_results_are_voided(session, trainer, team, hv_course, today) -> None:
    _update(session, trainer, held_on=today)
    recorded = assessments_record(
        rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer, session=session
    )

    with pytest.raises(ValidationError, match="This session has 1 recorded result: void it first"):
        training_session_cancel(session=session, actor=trainer, reason="wrong course")
    assessment_void(assessment=recorded[0], actor=trainer, reason="wrong course")
    training_session_cancel(session=session, actor=trainer, reason="wrong course")

    session.refresh_from_db()
    assert session.is_cancelled


def test_it_refuses_results_attendees_and_edits_once_cancelled(session, trainer, team, hv_course, today) -> None:
    _update(session, trainer, held_on=today)
    training_session_cancel(session=session, actor=trainer, reason="trainer ill")
    session.refresh_from_db()

    with pytest.raises(BatchRejected) as rejected:
        assessments_record(
            rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer, session=session
        )
    with pytest.raises(ValidationError, match="This session was cancelled on"):
        training_session_attendees_add(session=session, employees=[team[5]], actor=trainer)
    with pytest.raises(ValidationError, match="This session was cancelled on"):
        training_session_attendee_remove(session=session, employee=team[0], actor=trainer)
    with pytest.raises(ValidationError, match="This session was cancelled on"):
        _update(session, trainer, location="Hall B")

    assert rejected.value.errors == {0: ["This session was cancelled: it takes no results."]}
    assert Assessment.objects.count() == 0
    assert session.attendees.count() == 3


def test_it_records_nothing_from_a_save_begun_before_the_cancel(session, trainer, team, hv_course, today) -> None:
    """The grid was open (its session object loaded) when someone else cancelled the session."""
    _update(session, trainer, held_on=today)
    stale = TrainingSession.objects.get(pk=session.pk)
    training_session_cancel(session=session, actor=trainer, reason="trainer ill")

    with pytest.raises(BatchRejected):
        assessments_record(
            rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer, session=stale
        )

    assert Assessment.objects.count() == 0


def test_it_drops_a_cancelled_session_from_the_trainers_upcoming_list(session, trainer) -> None:
    assert trainer_sessions(user=trainer).upcoming == [session]

    training_session_cancel(session=session, actor=trainer, reason="trainer ill")

    assert trainer_sessions(user=trainer).upcoming == []


# --- The pages -------------------------------------------------------------------------------------------


def test_it_edits_a_session_from_its_page(client, session, trainer, second_trainer, today) -> None:
    client.force_login(trainer)
    detail = client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode()
    assert reverse("assessments:session-edit", args=[session.pk]) in detail
    assert reverse("assessments:session-cancel", args=[session.pk]) in detail
    form = client.get(reverse("assessments:session-edit", args=[session.pk])).content.decode()
    assert f'value="{session.held_on.isoformat()}"' in form
    assert "Li Na" in form

    response = client.post(
        reverse("assessments:session-edit", args=[session.pk]),
        {
            "held_on": (today + dt.timedelta(days=8)).isoformat(),
            "location": "Hall B",
            "delivery_mode": "on_the_job",
            "trainer": second_trainer.pk,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("assessments:session-detail", args=[session.pk])
    assert "Session changed." in response.content.decode()
    session.refresh_from_db()
    assert (session.location, session.delivery_mode, session.trainer) == ("Hall B", "on_the_job", second_trainer)


@pytest.mark.parametrize(
    "data",
    [
        {"held_on": "", "location": "x", "delivery_mode": "classroom"},
        {"held_on": "2026-13-45", "location": "x", "delivery_mode": "classroom"},
        {"held_on": "2026-12-20", "location": "x" * 121, "delivery_mode": "classroom"},
        {"held_on": "2026-12-20", "location": "x", "delivery_mode": "teleport"},
        {"held_on": "2026-12-20", "location": "x", "delivery_mode": "classroom", "trainer": "99999999999999999999"},
        {"held_on": "2026-12-20", "location": "x", "delivery_mode": "classroom", "trainer": "abc"},
    ],
)
def test_it_shows_the_edit_form_again_on_bad_input_and_changes_nothing(client, session, trainer, data) -> None:
    client.force_login(trainer)

    response = client.post(reverse("assessments:session-edit", args=[session.pk]), {"trainer": trainer.pk, **data})

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    session.refresh_from_db()
    assert session.location == "Training room 2"


def test_it_shows_the_services_refusal_on_the_edit_form(client, session, trainer, plant_sy) -> None:
    stranger = factories.UserFactory(username="stranger")
    factories.PlantMembershipFactory(user=stranger, plant=plant_sy, role="trainer")
    factories.TrainerAuthorisationFactory(
        user=stranger, course=session.course, plant=plant_sy, valid_until=session.held_on - dt.timedelta(days=1)
    )
    client.force_login(trainer)

    response = client.post(
        reverse("assessments:session-edit", args=[session.pk]),
        {
            "held_on": session.held_on.isoformat(),
            "location": "Hall B",
            "delivery_mode": "classroom",
            "trainer": stranger.pk,
        },
    )

    assert response.status_code == 200
    assert "stranger is not authorised to assess HV-001 at plant SY on" in response.content.decode()
    session.refresh_from_db()
    assert (session.trainer, session.location) == (trainer, "Training room 2")


def test_it_cancels_from_the_page_and_shows_the_session_as_cancelled(client, session, trainer, manager) -> None:
    client.force_login(trainer)
    refused = client.post(reverse("assessments:session-cancel", args=[session.pk]), {"reason": ""})
    assert refused.status_code == 200
    assert "Give a reason." in refused.content.decode()

    response = client.post(
        reverse("assessments:session-cancel", args=[session.pk]), {"reason": "trainer ill"}, follow=True
    )

    content = response.content.decode()
    assert "Session cancelled." in content
    assert 'id="session-cancelled-badge"' in content
    assert "Cancelled by trainer on" in content and "trainer ill" in content
    assert reverse("assessments:session-results", args=[session.pk]) not in content
    assert reverse("assessments:session-attendees-add", args=[session.pk]) not in content
    assert reverse("assessments:session-edit", args=[session.pk]) not in content
    client.force_login(manager)  # everyone who sees the session sees why it was cancelled
    assert "trainer ill" in client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode()
    listing = client.get(reverse("assessments:session-list")).content.decode()
    assert "Cancelled" in listing


def test_it_says_why_a_session_with_results_is_not_cancelled(client, session, trainer, team, hv_course, today) -> None:
    _update(session, trainer, held_on=today)
    assessments_record(
        rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer, session=session
    )
    client.force_login(trainer)

    page = client.get(reverse("assessments:session-cancel", args=[session.pk])).content.decode()
    response = client.post(reverse("assessments:session-cancel", args=[session.pk]), {"reason": "wrong course"})

    refusal = (
        "This session has 1 recorded result. A session with results is not cancelled: void the result first, "
        "or keep the session."
    )
    back = (
        f'<a class="btn btn-outline-secondary btn-lg" href="{reverse("assessments:session-detail", args=[session.pk])}"'
    )
    for content in (page, response.content.decode()):
        main = content.split("<main")[1]
        assert main.count(refusal) == 1 and main.count("recorded result") == 1  # said once
        assert "btn-danger" not in main and 'name="reason"' not in main  # nothing offered that is refused
        assert back in main
    assert response.status_code == 200
    session.refresh_from_db()
    assert not session.is_cancelled


def test_it_sends_the_pages_of_a_cancelled_session_back_with_the_reason(client, session, trainer, team) -> None:
    training_session_cancel(session=session, actor=trainer, reason="trainer ill")
    client.force_login(trainer)

    for name in ("assessments:session-results", "assessments:session-edit", "assessments:session-cancel"):
        response = client.get(reverse(name, args=[session.pk]))
        assert (name, response.status_code, response["Location"]) == (
            name,
            302,
            reverse("assessments:session-detail", args=[session.pk]),
        )
    added = client.post(
        reverse("assessments:session-attendees-add", args=[session.pk]), {"q": team[5].employee_no}, follow=True
    )

    assert "This session was cancelled on" in added.content.decode()
    assert session.attendees.count() == 3
    assert TrainingSession.objects.get(pk=session.pk).cancel_reason == "trainer ill"


@pytest.mark.parametrize("persona", ["trainer_de", "manager_de", "manager", "hr", "auditor"])
def test_it_answers_404_to_people_who_do_not_run_sessions_there(request, client, session, persona) -> None:
    client.force_login(request.getfixturevalue(persona))

    edit = client.post(reverse("assessments:session-edit", args=[session.pk]), {"location": "Hall B"})
    cancel = client.post(reverse("assessments:session-cancel", args=[session.pk]), {"reason": "x"})

    assert (edit.status_code, cancel.status_code) == (404, 404)
    session.refresh_from_db()
    assert (session.location, session.is_cancelled) == ("Training room 2", False)


def test_it_keeps_the_admin_from_changing_a_session_behind_the_services(client, admin_user, session) -> None:
    """The admin shows sessions read-only: a change there would skip the trainer checks and the audit event."""
    client.force_login(admin_user)
    url = reverse("admin:assessments_trainingsession_change", args=[session.pk])

    assert client.get(url).status_code == 200  # viewable
    response = client.post(url, {"location": "Moved", "cancel_reason": "by the back door"})

    assert response.status_code == 403
    session.refresh_from_db()
    assert (session.location, session.cancel_reason, session.cancelled_at) == ("Training room 2", "", None)


def test_it_refuses_attendee_changes_when_the_cancel_lands_after_the_caller_read_the_session(
    session, trainer, team
) -> None:
    """The caller's copy predates the cancel (another tablet cancelled in between): the lock re-reads it."""
    stale = TrainingSession.objects.get(pk=session.pk)
    training_session_cancel(session=session, actor=trainer, reason="room flooded")

    with pytest.raises(ValidationError, match="This session was cancelled on"):
        training_session_attendees_add(session=stale, employees=[team[5]], actor=trainer)
    with pytest.raises(ValidationError, match="This session was cancelled on"):
        training_session_attendee_remove(session=stale, employee=team[0], actor=trainer)

    assert sorted(session.attendees.values_list("pk", flat=True)) == sorted(e.pk for e in team[:3])
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.SESSION_ATTENDEES_ADDED, AuditAction.SESSION_ATTENDEE_REMOVED]
    ).exists()


def test_it_takes_someone_off_once_their_results_in_the_session_are_voided(
    session, trainer, team, hv_course, today
) -> None:
    _update(session, trainer, held_on=today)
    recorded = assessments_record(
        rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer, session=session
    )[0]
    with pytest.raises(ValidationError, match="already has results in this session"):
        training_session_attendee_remove(session=session, employee=team[0], actor=trainer)

    assessment_void(assessment=recorded, actor=trainer, reason="wrong person")
    training_session_attendee_remove(session=session, employee=team[0], actor=trainer)

    assert team[0] not in session.attendees.all()


def test_it_names_who_cancelled_family_name_first_and_when_in_the_plant_zone(client, session, trainer) -> None:
    trainer.first_name, trainer.last_name = "建国", "刘"
    trainer.save()
    training_session_cancel(session=session, actor=trainer, reason="trainer ill")
    client.force_login(trainer)

    page = client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode()

    assert "Cancelled by 刘建国 on " in page
    assert "(Asia/Shanghai)." in page
