"""The key guarantee of what-if scenarios (issue #18): creating, editing and comparing a scenario never writes
an assessment, a certification, a training session, a planned session or a roll-up row; only promotion
writes planned sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments.models import Assessment, Certification, TrainingSession, readiness
from planning.models import ChangeKind, PlannedAttendance, PlannedSession
from planning.selectors.scenarios import scenario_comparison
from planning.services.scenarios import SessionInput, scenario_change_edit, scenario_promote, scenario_session_edit
from tests.planning.scenario_fixtures import JAN_15, build_full_scenario

pytestmark = pytest.mark.django_db

GUARDED = [
    Assessment,
    Certification,
    TrainingSession,
    PlannedSession,
    PlannedAttendance,
    readiness.ReadinessMark,
    readiness.ReadinessState,
    readiness.EmployeeReadiness,
    readiness.CourseReadiness,
    readiness.StationCoverage,
    readiness.StationShiftCoverage,
    readiness.StationQualification,
    readiness.LineSnapshot,
    readiness.PlantSnapshot,
]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in GUARDED}


def test_a_scenario_and_its_comparison_write_no_record(w2, trainer, manager, client, live_session):
    # The fixture's live plan: two planned sessions and their attendees (full_scenario adds the second).
    before = _counts()
    assert before["Assessment"] > 0 and before["Certification"] > 0 and before["PlannedSession"] == 1
    before["PlannedSession"], before["PlannedAttendance"] = 2, 2
    scenario = build_full_scenario(w2, trainer, manager, live_session)  # after the counts
    assert scenario.changes.count() == len(ChangeKind.values)
    # Edit a change and the added session, compare (service and page), view it.
    change = scenario.changes.get(kind=ChangeKind.SOP_MOVED)
    scenario_change_edit(change=change, actor=manager, line=w2["line"], on_date=dt.date(2027, 5, 3))
    session = scenario.sessions.get()
    scenario_session_edit(
        session=session,
        actor=manager,
        data=SessionInput(course=w2["mod"], planned_on=JAN_15, seats=3, trainer=trainer, attendees=[w2["Q"], w2["S"]]),
    )
    comparison = scenario_comparison(scenario)
    line = next(c for c in comparison.lines if c.code == "L2")
    assert line.scenario.sop_date == dt.date(2027, 5, 3) and line.live.sop_date == dt.date(2027, 3, 1)
    client.force_login(manager)
    for name in ("planning:scenario_detail", "planning:scenario_compare", "planning:scenario_promote"):
        assert client.get(reverse(name, kwargs={"pk": scenario.pk})).status_code == 200
    assert _counts() == before
    # Promotion writes planned sessions (and their attendees), nothing else.
    scenario_promote(scenario=scenario, actor=manager)
    after = _counts()
    assert after["PlannedSession"] == before["PlannedSession"] + 1
    assert after["PlannedAttendance"] == before["PlannedAttendance"] + 2
    assert {k: v for k, v in after.items() if not k.startswith("Planned")} == {
        k: v for k, v in before.items() if not k.startswith("Planned")
    }
