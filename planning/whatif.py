"""A what-if scenario's changes applied to a plant's plan inputs, in memory: the forecast and the checker
then read the changed inputs exactly as they read the live ones. Nothing here writes to the database."""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict

from django.utils.translation import gettext as _

from planning.inputs import Person, PlanInputs, PlanSession, plan_session
from planning.models import ChangeKind, Scenario, ScenarioChange, ScenarioSession


def scenario_sessions(scenario: Scenario) -> list[PlanSession]:
    """The sessions a scenario adds, with their attendees (two queries)."""
    sessions = {
        s.id: plan_session(s, key=f"s{s.id}")
        for s in ScenarioSession.objects.filter(scenario=scenario).order_by("planned_on", "id")
    }
    for session_id, employee_id in ScenarioSession.attendees.through.objects.filter(
        scenario_session__scenario=scenario
    ).values_list("scenario_session_id", "employee_id"):
        sessions[session_id].attendee_ids.append(employee_id)
    return list(sessions.values())


def apply_scenario(
    inputs: PlanInputs,
    scenario: Scenario,
    *,
    changes: list[ScenarioChange] | None = None,
    sessions: list[PlanSession] | None = None,
) -> PlanInputs:
    """A copy of `inputs` with the scenario's changes and added sessions (the live inputs are untouched)."""
    if changes is None:
        changes = list(ScenarioChange.objects.filter(scenario=scenario).order_by("id"))
    if sessions is None:
        sessions = scenario_sessions(scenario)
    return apply_changes(inputs, changes, sessions)


def apply_changes(inputs: PlanInputs, changes: list[ScenarioChange], added: list[PlanSession]) -> PlanInputs:
    out = copy.copy(inputs)
    out.lines = {line_id: copy.copy(line) for line_id, line in inputs.lines.items()}
    out.courses = dict(inputs.courses)
    out.pass_rates = dict(inputs.pass_rates)
    out.dropped = dict(inputs.dropped)
    people = {p.id: p for p in inputs.people}
    sessions = {s.key: copy.copy(s) for s in inputs.sessions}
    for s in added:
        sessions[s.key] = s
    away: dict[int, datetime.date] = {}
    hires: list[Person] = []
    next_hire = -1
    for change in changes:
        kind = change.kind
        if kind == ChangeKind.TRAINER_AWAY and change.trainer_id and change.on_date:
            away[change.trainer_id] = min(change.on_date, away.get(change.trainer_id, change.on_date))
        elif kind == ChangeKind.SOP_MOVED and change.line_id in out.lines:
            out.lines[change.line_id].sop_date = change.on_date
        elif kind == ChangeKind.PASS_RATE and change.course_id and change.pass_rate is not None:
            out.pass_rates[change.course_id] = float(change.pass_rate)
        elif kind == ChangeKind.VALIDITY and change.course_id in out.courses:
            out.courses[change.course_id] = _with_validity(out.courses[change.course_id], change.validity_months)
        elif kind == ChangeKind.SESSION_MOVED and f"p{change.planned_session_id}" in sessions and change.on_date:
            sessions[f"p{change.planned_session_id}"].on = change.on_date
        elif kind == ChangeKind.SESSION_REMOVED and f"p{change.planned_session_id}" in sessions:
            del sessions[f"p{change.planned_session_id}"]
            out.dropped[f"p{change.planned_session_id}"] = _("removed")
        elif kind == ChangeKind.LEAVE and change.employee_id in people and change.on_date:
            person = copy.copy(people[change.employee_id])
            person.active_until = change.on_date
            people[person.id] = person
        elif kind == ChangeKind.HIRE and change.line_id in out.lines and change.on_date:
            required = dict(inputs.plant_required)
            for course_id, level in inputs.station_required.get(change.station_id, {}).items():
                required[course_id] = level
            for _i in range(change.headcount or 1):
                hires.append(
                    Person(
                        id=next_hire,
                        employee_no=_("new hire %(n)s") % {"n": -next_hire},
                        name="",
                        line_id=change.line_id,
                        station_id=change.station_id,
                        shift=change.shift,
                        required=required,
                        active_from=change.on_date,
                    )
                )
                next_hire -= 1
    for key, session in list(sessions.items()):
        since = away.get(session.trainer_id)
        if since is not None and session.on >= since:
            del sessions[key]
            out.dropped[key] = _("trainer away")
    out.people = [*people.values(), *hires]
    out.sessions = sorted(sessions.values(), key=lambda s: (s.on, s.key))
    return out


def _with_validity(course, months):
    new = copy.copy(course)
    new.validity_months = months
    return new


def changes_by_kind(changes: list[ScenarioChange]) -> dict[str, list[ScenarioChange]]:
    grouped: dict[str, list[ScenarioChange]] = defaultdict(list)
    for change in changes:
        grouped[change.kind].append(change)
    return grouped
