"""Promoting a what-if scenario: its sessions become planned sessions, its moves and removals reach the live
plan, each audited; refused with nothing written when the result would break the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AuditAction, AuditEvent
from planning.feasibility import TRAINER_DOUBLE_BOOKED
from planning.models import ChangeKind, PlannedAttendance, PlannedSession, PlanSource, ScenarioStatus
from planning.services.scenarios import (
    PromotionRefused,
    SessionInput,
    scenario_change_add,
    scenario_create,
    scenario_promote,
    scenario_session_add,
)
from tests.planning.scenario_fixtures import JAN_15, planned_session

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_promotion_writes_the_plan_and_only_the_plan(full_scenario, w2, manager, live_session):
    removed = PlannedSession.objects.get(planned_on=dt.date(2027, 1, 25))
    before = len(_actions())
    promotion = scenario_promote(scenario=full_scenario, actor=manager)
    # The added session, with its attendees, in the live plan.
    created = PlannedSession.objects.live().get(planned_on=JAN_15)
    assert [s.pk for s in promotion.created] == [created.pk]
    assert (created.source, created.shift, created.seats, created.created_by) == (PlanSource.PROMOTED, "A", 4, manager)
    assert list(created.attendees.values_list("employee_no", flat=True)) == ["Q"]
    # The move and the removal.
    live_session.refresh_from_db()
    removed.refresh_from_db()
    assert live_session.planned_on == dt.date(2027, 1, 22) and live_session.is_live
    assert removed.cancelled_at is not None and removed.cancelled_by == manager
    assert removed.cancel_reason == "Removed by the what-if scenario “Everything”."
    # The other inputs stay what-ifs: the line's SOP date, P's status, the course's validity.
    w2["line"].refresh_from_db()
    w2["P"].refresh_from_db()
    w2["hv"].refresh_from_db()
    assert w2["line"].sop_date == dt.date(2027, 3, 1)
    assert w2["P"].status == "active"
    assert w2["hv"].validity_months == 12
    # The scenario is promoted; one audit row per planned session and one for the scenario.
    full_scenario.refresh_from_db()
    assert (full_scenario.status, full_scenario.promoted_by) == (ScenarioStatus.PROMOTED, manager)
    assert full_scenario.promoted_at is not None
    assert _actions()[before:] == [
        AuditAction.PLANNED_SESSION_CREATED,
        AuditAction.PLANNED_SESSION_CHANGED,
        AuditAction.PLANNED_SESSION_CANCELLED,
        AuditAction.SCENARIO_PROMOTED,
    ]
    summaries = list(AuditEvent.objects.order_by("id").values_list("summary", flat=True))[before:]
    assert summaries == [
        "BAT-MOD-010 session on 2027-01-15 at SY planned from what-if scenario Everything",
        "BAT-MOD-010 session at SY moved from 2027-01-20 to 2027-01-22 by what-if scenario Everything",
        "BAT-MOD-010 session on 2027-01-25 at SY cancelled by what-if scenario Everything",
        "What-if scenario Everything at SY promoted: 1 sessions planned, 1 moved, 1 cancelled",
    ]


def test_a_promoted_scenario_cannot_be_promoted_again(full_scenario, manager):
    scenario_promote(scenario=full_scenario, actor=manager)
    sessions, events = PlannedSession.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="can no longer change"):
        scenario_promote(scenario=full_scenario, actor=manager)
    assert (PlannedSession.objects.count(), AuditEvent.objects.count()) == (sessions, events)


def test_a_suggested_scenario_promotes_as_suggestion(w2, trainer, manager):
    scenario = scenario_create(
        plant=w2["plant"], name="Suggested", actor=manager, source=PlanSource.SUGGESTION, suggestion={"gaps": 1}
    )
    scenario_session_add(
        scenario=scenario,
        actor=manager,
        data=SessionInput(course=w2["mod"], planned_on=JAN_15, seats=2, trainer=trainer, attendees=[w2["S"]]),
    )
    promotion = scenario_promote(scenario=scenario, actor=manager)
    assert [s.source for s in promotion.created] == [PlanSource.SUGGESTION]


def test_a_breaking_problem_refuses_promotion_and_writes_nothing(w2, trainer, manager, live_session):
    """The scenario adds a session on the day its trainer already holds one: double booked."""
    scenario = scenario_create(plant=w2["plant"], name="Double", actor=manager)
    scenario_session_add(
        scenario=scenario,
        actor=manager,
        data=SessionInput(
            course=w2["hv"], planned_on=live_session.planned_on, seats=2, trainer=trainer, attendees=[w2["Q"]]
        ),
    )
    counts = (PlannedSession.objects.count(), PlannedAttendance.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PromotionRefused) as refused:
        scenario_promote(scenario=scenario, actor=manager)
    assert sorted((p.code, p.session_key) for p in refused.value.problems) == sorted(
        [(TRAINER_DOUBLE_BOOKED, f"p{live_session.pk}"), (TRAINER_DOUBLE_BOOKED, f"s{scenario.sessions.get().pk}")]
    )
    assert (PlannedSession.objects.count(), PlannedAttendance.objects.count(), AuditEvent.objects.count()) == counts
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DRAFT


def test_a_move_onto_a_busy_day_refuses_promotion(w2, trainer, manager, live_session):
    other = planned_session(w2, trainer, manager, on=dt.date(2027, 1, 25), course=w2["hv"])
    scenario = scenario_create(plant=w2["plant"], name="Move", actor=manager)
    scenario_change_add(
        scenario=scenario,
        kind=ChangeKind.SESSION_MOVED,
        actor=manager,
        planned_session=other,
        on_date=live_session.planned_on,
    )
    with pytest.raises(PromotionRefused):
        scenario_promote(scenario=scenario, actor=manager)
    other.refresh_from_db()
    assert other.planned_on == dt.date(2027, 1, 25)


def test_problems_the_live_plan_has_already_do_not_block(w2, trainer, manager):
    crowded = planned_session(w2, trainer, manager, on=dt.date(2027, 1, 26), attendees=[w2["Q"], w2["S"]])
    PlannedSession.objects.filter(pk=crowded.pk).update(seats=1)  # over seats in the live plan already
    scenario = scenario_create(plant=w2["plant"], name="Unrelated", actor=manager)
    scenario_session_add(
        scenario=scenario,
        actor=manager,
        data=SessionInput(course=w2["mod"], planned_on=JAN_15, seats=2, trainer=trainer, attendees=[w2["R"]]),
    )
    promotion = scenario_promote(scenario=scenario, actor=manager)
    assert len(promotion.created) == 1


def test_a_session_cancelled_since_refuses_promotion(w2, trainer, manager, live_session):
    scenario = scenario_create(plant=w2["plant"], name="Stale", actor=manager)
    scenario_change_add(scenario=scenario, kind=ChangeKind.SESSION_REMOVED, actor=manager, planned_session=live_session)
    PlannedSession.objects.filter(pk=live_session.pk).update(
        cancelled_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), cancelled_by=manager, cancel_reason="gone"
    )
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="no longer in the live plan"):
        scenario_promote(scenario=scenario, actor=manager)
    assert AuditEvent.objects.count() == events
