"""Planned sessions through their services: each refusal writes nothing, each write is audited, holding one
makes the training session with its attendees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AuditAction, AuditEvent, TrainingSession
from planning import feasibility
from planning.models import PlannedAttendance, PlannedSession
from planning.selectors.sessions import plan_problems
from planning.services.sessions import (
    planned_session_cancel,
    planned_session_create,
    planned_session_hold,
    planned_session_update,
)
from tests import factories
from tests.planning.sessions_world import FRI, MON, SAT, THU, TODAY, plan  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return PlannedSession.objects.count(), PlannedAttendance.objects.count(), AuditEvent.objects.count()


def _create(plan, actor=None, **overrides):  # noqa: F811
    values = {
        "plant": plan["plant"],
        "course": plan["hv"],
        "planned_on": THU,
        "trainer": plan["trainer"],
        "actor": actor or plan["trainer"],
        "attendees": plan["people"][:2],
    }
    return planned_session_create(**{**values, **overrides})


def _refused(plan, field: str, **overrides) -> list[str]:  # noqa: F811
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        _create(plan, **overrides)
    assert _counts() == before
    return caught.value.message_dict[field]


def test_it_plans_a_session_with_the_course_defaults_and_audits_it(plan) -> None:  # noqa: F811
    session, warnings = _create(plan, line=plan["line"], shift="A")
    assert warnings == []
    assert (session.seats, session.delivery_mode, session.planned_on) == (3, plan["hv"].delivery_mode, THU)
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["SY-1", "SY-2"]
    event = AuditEvent.objects.get(action=AuditAction.PLANNED_SESSION_CREATED)
    assert event.object_id == str(session.pk)
    assert event.summary == "HV-001 planned on 2026-12-03 at SY, trainer trainer, 2 planned attendees"
    assert event.changes["attendees"] == ["SY-1", "SY-2"]


def test_it_refuses_a_trainer_not_authorised_for_the_course(plan) -> None:  # noqa: F811
    messages = _refused(plan, "trainer", course=plan["mod"], trainer=plan["trainer2"], actor=plan["trainer2"])
    assert messages == ["Tess Two is not authorised for MOD-010 at this plant on 2026-12-03."]


def test_it_refuses_a_trainer_booked_twice_on_a_day(plan) -> None:  # noqa: F811
    _create(plan)
    messages = _refused(plan, "trainer", course=plan["mod"], attendees=[])
    assert messages == ["trainer already holds another planned session on 2026-12-03."]


def test_it_refuses_more_attendees_than_seats(plan) -> None:  # noqa: F811
    assert _refused(plan, "seats", attendees=plan["people"], seats=3) == ["4 planned attendees for 3 seats."]


def test_it_refuses_an_attendee_who_left_or_is_of_another_plant(plan) -> None:  # noqa: F811
    assert _refused(plan, "attendees", attendees=[plan["left"]]) == [f"SY-9 {plan['left'].name} is not active."]
    messages = _refused(plan, "attendees", attendees=[plan["left"], plan["outsider"]])
    assert messages == [
        f"DE-1 {plan['outsider'].name} is not an employee of this plant.",
        f"SY-9 {plan['left'].name} is not active.",
    ]


def test_it_refuses_an_attendee_without_the_prerequisite_and_accepts_one_planned_a_day_before(plan) -> None:  # noqa: F811
    first = plan["people"][0]
    messages = _refused(plan, "attendees", course=plan["mod"], attendees=[first], planned_on=FRI)
    assert messages == [f"SY-1 {first.name} needs HV-001 passed and valid before 2026-12-04 (none valid or planned)."]
    _create(plan, attendees=[first])  # HV-001 on Thursday
    session, _warnings = _create(plan, course=plan["mod"], attendees=[first], planned_on=FRI)
    assert session.course == plan["mod"]


def test_a_prerequisite_planned_the_same_day_is_not_enough(plan) -> None:  # noqa: F811
    first = plan["people"][0]
    _create(plan, trainer=plan["trainer2"], actor=factories_manager(plan), attendees=[first])
    messages = _refused(plan, "attendees", course=plan["mod"], attendees=[first], planned_on=THU)
    assert len(messages) == 1 and "needs HV-001" in messages[0]


def factories_manager(plan):  # noqa: F811
    user = factories.UserFactory(username="boss")
    factories.PlantMembershipFactory(user=user, plant=plan["plant"], role="manager")
    return user


def test_it_refuses_today_and_the_past(plan) -> None:  # noqa: F811
    assert _refused(plan, "planned_on", planned_on=TODAY)[0].startswith("A planned session lies after today")


def test_a_trainer_plans_only_their_own_sessions_a_manager_any_authorised_trainer(plan) -> None:  # noqa: F811
    assert _refused(plan, "trainer", trainer=plan["trainer2"]) == [
        "A trainer plans only the sessions they hold themselves."
    ]
    session, _warnings = _create(plan, trainer=plan["trainer2"], actor=factories_manager(plan))
    assert session.trainer == plan["trainer2"]


def test_non_working_day_and_double_booked_attendee_are_warnings(plan) -> None:  # noqa: F811
    _session, warnings = _create(plan, planned_on=SAT)
    assert [w.code for w in warnings] == [feasibility.NOT_A_WORKING_DAY]
    manager = factories_manager(plan)
    _other, warnings = _create(plan, planned_on=SAT, trainer=plan["trainer2"], actor=manager)
    assert sorted(w.code for w in warnings) == [
        feasibility.ATTENDEE_DOUBLE_BOOKED,
        feasibility.ATTENDEE_DOUBLE_BOOKED,
        feasibility.NOT_A_WORKING_DAY,
    ]
    assert PlannedSession.objects.count() == 2


def test_it_changes_a_session_and_audits_what_changed(plan) -> None:  # noqa: F811
    session, _warnings = _create(plan)
    people = plan["people"]
    changed, warnings = planned_session_update(
        session=session,
        actor=plan["trainer"],
        planned_on=MON,
        seats=3,
        trainer=plan["trainer"],
        delivery_mode=session.delivery_mode,
        attendees=[people[1], people[2]],
    )
    assert warnings == []
    assert changed.planned_on == MON
    assert sorted(changed.attendees.values_list("employee_no", flat=True)) == ["SY-2", "SY-3"]
    event = AuditEvent.objects.get(action=AuditAction.PLANNED_SESSION_CHANGED)
    assert event.changes == {
        "before": {"planned_on": "2026-12-03", "attendees": ["SY-1", "SY-2"]},
        "after": {"planned_on": "2026-12-07", "attendees": ["SY-2", "SY-3"]},
    }
    # Nothing changed: no write, no event.
    planned_session_update(
        session=changed,
        actor=plan["trainer"],
        planned_on=MON,
        seats=3,
        trainer=plan["trainer"],
        delivery_mode=session.delivery_mode,
        attendees=[people[2], people[1]],
    )
    assert AuditEvent.objects.filter(action=AuditAction.PLANNED_SESSION_CHANGED).count() == 1


def test_a_refused_change_writes_nothing(plan) -> None:  # noqa: F811
    session, _warnings = _create(plan)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        planned_session_update(
            session=session,
            actor=plan["trainer"],
            planned_on=FRI,
            seats=1,
            trainer=plan["trainer"],
            delivery_mode=session.delivery_mode,
            attendees=plan["people"][:3],
        )
    assert caught.value.message_dict["seats"] == ["3 planned attendees for 1 seats."]
    assert _counts() == before
    session.refresh_from_db()
    assert (session.planned_on, session.seats, session.attendees.count()) == (THU, 3, 2)


def test_another_trainer_may_not_change_or_cancel_a_session(plan) -> None:  # noqa: F811
    session, _warnings = _create(plan)
    with pytest.raises(ValidationError):
        planned_session_cancel(session=session, actor=plan["trainer2"], reason="mine now")
    with pytest.raises(ValidationError):
        planned_session_update(
            session=session,
            actor=plan["trainer2"],
            planned_on=FRI,
            seats=3,
            trainer=plan["trainer2"],
            delivery_mode=session.delivery_mode,
        )
    session.refresh_from_db()
    assert (session.is_live, session.planned_on, session.trainer) == (True, THU, plan["trainer"])


def test_cancelling_is_allowed_and_the_plan_shows_what_it_breaks_elsewhere(plan) -> None:  # noqa: F811
    first = plan["people"][0]
    prerequisite, _warnings = _create(plan, attendees=[first])
    later, _warnings = _create(plan, course=plan["mod"], attendees=[first], planned_on=FRI)
    assert plan_problems(plant=plan["plant"]) == {}
    with pytest.raises(ValidationError):
        planned_session_cancel(session=prerequisite, actor=plan["trainer"], reason="  ")
    planned_session_cancel(session=prerequisite, actor=plan["trainer"], reason="Trainer ill")
    prerequisite.refresh_from_db()
    assert prerequisite.status == "cancelled" and prerequisite.cancel_reason == "Trainer ill"
    problems = plan_problems(plant=plan["plant"])
    assert list(problems) == [later.pk]
    assert [p.code for p in problems[later.pk]] == [feasibility.PREREQUISITE_MISSING]
    event = AuditEvent.objects.get(action=AuditAction.PLANNED_SESSION_CANCELLED)
    assert event.summary == "HV-001 planned session on 2026-12-03 at SY cancelled: Trainer ill"
    with pytest.raises(ValidationError):
        planned_session_cancel(session=prerequisite, actor=plan["trainer"], reason="again")


def test_holding_makes_the_training_session_with_the_attendees(plan, monkeypatch) -> None:  # noqa: F811
    session, _warnings = _create(plan, location="Room 2")
    with pytest.raises(ValidationError) as caught:
        planned_session_hold(session=session, actor=plan["trainer"])
    assert caught.value.messages == ["This session is planned for 2026-12-03: hold it from that day on."]
    assert TrainingSession.objects.count() == 0
    from employees.models import Plant

    monkeypatch.setattr(Plant, "local_today", lambda self: THU)
    with pytest.raises(ValidationError):
        planned_session_hold(session=session, actor=plan["trainer2"])  # not their session
    held = planned_session_hold(session=session, actor=plan["trainer"])
    assert (held.course, held.plant, held.held_on, held.trainer, held.location) == (
        plan["hv"],
        plan["plant"],
        THU,
        plan["trainer"],
        "Room 2",
    )
    assert sorted(held.attendees.values_list("employee_no", flat=True)) == ["SY-1", "SY-2"]
    session.refresh_from_db()
    assert session.held_session == held and session.status == "held"
    assert AuditEvent.objects.filter(action=AuditAction.PLANNED_SESSION_HELD, object_id=str(session.pk)).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_CREATED).count() == 1
    with pytest.raises(ValidationError):
        planned_session_hold(session=session, actor=plan["trainer"])  # held once
    assert TrainingSession.objects.count() == 1


def test_a_refused_hold_writes_nothing(plan, monkeypatch) -> None:  # noqa: F811
    session, _warnings = _create(plan)
    plan["people"][0].status = "left"
    plan["people"][0].save()
    from employees.models import Plant

    monkeypatch.setattr(Plant, "local_today", lambda self: THU + dt.timedelta(days=1))
    before = (TrainingSession.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError):
        planned_session_hold(session=session, actor=plan["trainer"])
    assert (TrainingSession.objects.count(), AuditEvent.objects.count()) == before
    session.refresh_from_db()
    assert session.is_live
