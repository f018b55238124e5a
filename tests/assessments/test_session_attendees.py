"""Adding and removing a session's attendees: ticked people, pasted numbers with a reason for each one not
added, the plant's own number format in the box, and an audit event for every change."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent
from assessments.services.sessions import training_session_attendee_remove, training_session_attendees_add
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(plant_sy, hv_course, trainer, today):
    return factories.TrainingSessionFactory(
        course=hv_course, plant=plant_sy, trainer=trainer, held_on=today, location="Training room 2"
    )


def _add(client, session, **data):
    return client.post(reverse("assessments:session-attendees-add", args=[session.pk]), data, follow=True)


def _attending(session) -> list[str]:
    return sorted(session.attendees.values_list("employee_no", flat=True))


# --- Item 7: the ticked people are added whatever the box holds ------------------------------


def test_it_adds_the_ticked_people_while_the_search_is_still_in_the_box(client, trainer, session, team) -> None:
    client.force_login(trainer)
    listed = _add(client, session, q="Operator").content.decode()
    assert listed.count('name="pick"') == 10

    response = _add(client, session, q="Operator", pick=[team[4].pk, team[5].pk])

    assert _attending(session) == ["SY005", "SY006"]
    assert "2 attendees added." in response.content.decode()


def test_it_adds_the_ticked_people_and_the_numbers_in_the_box(client, trainer, session, team) -> None:
    client.force_login(trainer)

    _add(client, session, q="sy009", pick=[team[0].pk])

    assert _attending(session) == ["SY001", "SY009"]


def test_it_marks_the_people_already_attending_in_the_pick_list(client, trainer, session, team) -> None:
    session.attendees.set(team[:2])
    client.force_login(trainer)

    content = _add(client, session, q="Operator").content.decode()

    assert content.count('name="pick"') == 8
    assert content.count("(already attending)") == 2


def test_it_refuses_a_ticked_person_of_another_plant(client, trainer, session, team, employee_de) -> None:
    client.force_login(trainer)

    response = _add(client, session, q="Operator", pick=[team[0].pk, employee_de.pk])

    assert response.status_code == 200
    assert response.context["add_form"].errors["pick"]
    assert _attending(session) == []


# --- Item 8: each pasted number on its own, with a reason for each one not added --------------


def test_it_matches_numbers_case_insensitively(client, trainer, session, plant_sy) -> None:
    factories.EmployeeFactory(employee_no="SY-000101", plant=plant_sy)
    factories.EmployeeFactory(employee_no="SY-000102", plant=plant_sy)
    client.force_login(trainer)

    response = _add(client, session, q="sy-000101 Sy-000102")

    assert _attending(session) == ["SY-000101", "SY-000102"]
    assert "2 attendees added." in response.content.decode()


def test_it_splits_a_paste_from_excel_on_every_separator(client, trainer, session, team) -> None:
    client.force_login(trainer)

    _add(client, session, q="SY001\r\nSY002\tSY003,SY004;SY005 SY006\n\nＳＹ００７，SY008；")

    assert _attending(session) == [f"SY{n:03d}" for n in range(1, 9)]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("SY-999999", "SY-999999: unknown employee number"),
        ("sy005", "SY005: not active (Left)"),
        ("SY006", "SY006: not active (On leave)"),
        ("de001", "DE001: employee of another plant"),
        ("SY001", "SY001: already attending"),
    ],
)
def test_it_says_why_a_number_is_not_added(client, trainer, session, team, employee_de, typed, reason) -> None:
    team[4].status = "left"
    team[4].save()
    team[5].status = "on_leave"
    team[5].save()
    session.attendees.set([team[0]])
    client.force_login(trainer)

    response = _add(client, session, q=typed)

    assert response.status_code == 200
    assert f"Nobody added. Not added: {reason}." in response.content.decode()
    assert response.context["add_form"]["q"].value() == typed  # the text stays in the box to correct
    assert _attending(session) == ["SY001"]
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_ATTENDEES_ADDED).exists()


def test_it_adds_the_valid_numbers_and_lists_each_other_one(client, trainer, session, team, employee_de) -> None:
    team[9].status = "left"
    team[9].save()
    session.attendees.set([team[2]])
    client.force_login(trainer)

    response = _add(client, session, q="sy001\tSY-00O002\nDE001; SY010, SY003\r\nSY002")

    assert _attending(session) == ["SY001", "SY002", "SY003"]
    content = response.content.decode()
    assert "2 attendees added. 1 was already on the list." in content
    assert (
        "Not added: SY-00O002: unknown employee number; DE001: employee of another plant; "
        "SY010: not active (Left); SY003: already attending."
    ) in content


def test_it_still_searches_names_and_parts_of_numbers(client, trainer, session, team) -> None:
    client.force_login(trainer)

    _add(client, session, q="Operator 03")
    content = _add(client, session, q="SY00").content.decode()

    assert _attending(session) == ["SY003"]
    assert "9 employees match “SY00”: pick them below." in content


# --- Item 17: the box shows the plant's own number format --------------------------------------


def test_it_shows_an_example_in_the_plants_number_format(client, trainer, session, plant_sy) -> None:
    factories.EmployeeFactory(employee_no="SY-000102", plant=plant_sy)
    factories.EmployeeFactory(employee_no="SY-000101", plant=plant_sy)
    factories.EmployeeFactory(employee_no="SY-000100", plant=plant_sy, status="left")
    client.force_login(trainer)

    content = client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode()

    assert 'placeholder="e.g. SY-000101 SY-000102, or a name"' in content
    assert "E00012" not in content


def test_it_shows_no_made_up_number_at_a_plant_without_employees(client, trainer, session) -> None:
    client.force_login(trainer)

    content = client.get(reverse("assessments:session-detail", args=[session.pk])).content.decode()

    assert 'placeholder="Employee numbers or a name"' in content


# --- Item 12: adding and removing attendees is audited ----------------------------------------


def test_it_audits_the_numbers_added(client, trainer, session, team) -> None:
    client.force_login(trainer)

    _add(client, session, q="SY002 SY001 SY002")
    _add(client, session, q="SY001")  # nobody new: no event

    event = AuditEvent.objects.get(action=AuditAction.SESSION_ATTENDEES_ADDED)
    assert event.changes == {"session": session.pk, "added": ["SY001", "SY002"]}
    assert (event.actor, event.ip_address, event.plant_id, event.course_id) == (
        trainer,
        "127.0.0.1",
        session.plant_id,
        session.course_id,
    )
    assert (event.object_type, event.object_id) == ("TrainingSession", str(session.pk))
    assert event.display_summary == (
        f"Added to the {session.course.code} session on {session.held_on.isoformat()} at SY: SY001, SY002"
    )


def test_it_audits_the_one_removed(client, trainer, session, team) -> None:
    session.attendees.set(team[:2])
    client.force_login(trainer)

    client.post(reverse("assessments:session-attendee-remove", args=[session.pk, "SY002"]))

    event = AuditEvent.objects.get(action=AuditAction.SESSION_ATTENDEE_REMOVED)
    assert event.changes == {"session": session.pk, "removed": "SY002"}
    assert (event.actor, event.employee, event.ip_address) == (trainer, team[1], "127.0.0.1")
    assert _attending(session) == ["SY001"]
    held_on = session.held_on.isoformat()
    assert event.display_summary == f"Removed from the {session.course.code} session on {held_on} at SY: SY002"


def test_it_adds_nobody_when_the_audit_cannot_be_written(session, team, trainer, monkeypatch) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("assessments.services.sessions.audit_event_create", broken)

    with pytest.raises(RuntimeError):
        training_session_attendees_add(session=session, employees=team[:3], actor=trainer)
    session.attendees.add(team[5])
    with pytest.raises(RuntimeError):
        training_session_attendee_remove(session=session, employee=team[5], actor=trainer)

    assert _attending(session) == ["SY006"]


def test_it_refuses_attendee_changes_by_someone_of_another_plant(session, team, trainer_de) -> None:
    session.attendees.add(team[0])

    with pytest.raises(ValidationError, match="You may not run sessions at plant SY."):
        training_session_attendees_add(session=session, employees=team[1:3], actor=trainer_de)
    with pytest.raises(ValidationError, match="You may not run sessions at plant SY."):
        training_session_attendee_remove(session=session, employee=team[0], actor=trainer_de)

    assert _attending(session) == ["SY001"]
    assert not AuditEvent.objects.exists()


def test_it_refuses_to_remove_someone_not_on_the_list(session, team, trainer) -> None:
    with pytest.raises(ValidationError, match="SY004 is not on the list of this session."):
        training_session_attendee_remove(session=session, employee=team[3], actor=trainer)

    assert not AuditEvent.objects.exists()


# --- The trainer's words: a list to tick is no error, and no zero is mentioned ---------------------


def test_it_lists_the_people_a_name_matches_as_a_list_to_tick_not_an_error(client, trainer, session, team) -> None:
    client.force_login(trainer)

    response = _add(client, session, q="Operator")

    content = response.content.decode()
    add_form = content.split('action="/sessions/')[1].split("</form>")[0]
    assert response.status_code == 200
    assert "is-invalid" not in add_form and "invalid-feedback" not in add_form and "alert-danger" not in add_form
    assert (
        '<p class="small text-body-secondary mb-2" data-matches>10 employees match “Operator”: pick them below.</p>'
    ) in add_form
    assert add_form.count('name="pick"') == 10
    assert 'name="q" id="id_q" value="Operator"' in add_form
    assert _attending(session) == []
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_ATTENDEES_ADDED).exists()


def test_it_still_marks_a_name_matching_nobody_as_an_error(client, trainer, session, team) -> None:
    client.force_login(trainer)

    content = _add(client, session, q="Nobody by this name").content.decode()

    assert "is-invalid" in content
    error = "No active employee of this plant matches “Nobody by this name”."
    assert f'<div class="invalid-feedback">{error}</div>' in content


@pytest.mark.parametrize(
    ("already", "expected"),
    [
        (0, "1 attendee added."),
        (1, "1 attendee added. 1 was already on the list."),
        (2, "1 attendee added. 2 were already on the list."),
    ],
)
def test_it_says_how_many_were_added_and_mentions_those_already_there_only_when_there_are_some(
    client, trainer, session, team, line_sy, already, expected
) -> None:
    session.attendees.set(team[1 : 1 + already])
    client.force_login(trainer)

    response = _add(client, session, q=" ".join(e.employee_no for e in team[: 1 + already]))

    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == expected
    assert _attending(session) == [e.employee_no for e in team[: 1 + already]]
