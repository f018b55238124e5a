"""Reads of what-if scenarios: scoped to the user's plants, and the side-by-side comparison of a scenario with
the live plan (the same forecast over the live inputs and over the scenario's, loaded once)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from employees.access import Capability, User, scope_to_plants
from planning.feasibility import Problem, check_plan
from planning.forecast import ForecastDay, LineForecast, forecast
from planning.inputs import PlanInputs, load_inputs
from planning.models import Scenario, ScenarioChange, ScenarioSession
from planning.whatif import apply_scenario


def _rounded(value: float) -> float:
    """Two decimals, and no "-0.0" (a sum of pass-rate weights may land a hair below zero)."""
    return round(value, 2) + 0.0


def scenarios_for_user(*, user: User, capability: Iterable[str] = Capability.VIEW_SCENARIOS) -> QuerySet[Scenario]:
    return scope_to_plants(Scenario.objects.select_related("plant", "created_by"), user=user, capability=capability)


def scenario_get_for_user(*, user: User, pk: int, capability: Iterable[str] = Capability.VIEW_SCENARIOS) -> Scenario:
    """The scenario, or 404 when it does not exist or is of a plant the user may not see for the capability."""
    return get_object_or_404(scenarios_for_user(user=user, capability=capability), pk=pk)


def scenarios_of_plant(*, plant_id: int, user: User) -> QuerySet[Scenario]:
    return (
        scenarios_for_user(user=user)
        .filter(plant_id=plant_id)
        .annotate(change_count=Count("changes", distinct=True), session_count=Count("sessions", distinct=True))
    )


def scenario_changes(scenario: Scenario) -> list[ScenarioChange]:
    return list(
        ScenarioChange.objects.filter(scenario=scenario)
        .select_related("trainer", "line", "station", "course", "planned_session__course", "employee")
        .order_by("id")
    )


def scenario_added_sessions(scenario: Scenario) -> list[ScenarioSession]:
    return list(
        ScenarioSession.objects.filter(scenario=scenario)
        .select_related("course", "trainer", "line")
        .prefetch_related("attendees")
        .order_by("planned_on", "id")
    )


@dataclass(frozen=True)
class ShownProblem:
    """A feasibility problem with the session it is about in words ("BAT-MOD-010 2027-01-15")."""

    problem: Problem
    session: str

    def __getattr__(self, name: str) -> object:
        return getattr(self.problem, name)


def session_labels(*inputs: PlanInputs) -> dict[str, str]:
    """{session key: "<course code> <date>"} of every session of the given inputs."""
    labels: dict[str, str] = {}
    for each in inputs:
        for session in each.sessions:
            course = each.courses.get(session.course_id)
            labels[session.key] = f"{course.code if course else session.course_id} {session.on.isoformat()}"
    return labels


def problems_shown(problems: list[Problem], *inputs: PlanInputs) -> list[ShownProblem]:
    labels = session_labels(*inputs)
    return [ShownProblem(p, labels.get(p.session_key, p.session_key)) for p in problems]


def scenario_problems(scenario: Scenario, inputs: PlanInputs | None = None) -> list[ShownProblem]:
    """Every feasibility problem of the scenario's plan (all its changes applied), breaking ones first."""
    inputs = inputs if inputs is not None else load_inputs(plant=scenario.plant)
    changed = apply_scenario(inputs, scenario)
    return problems_shown(sorted(check_plan(changed), key=lambda p: not p.breaks), changed)


# --- Comparison ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side (live or scenario) on one day of the table."""

    date: datetime.date | None
    planned: int | None
    expected: float | None
    confirmed: int | None
    expected_confirmed: float | None


@dataclass(frozen=True)
class Row:
    label: str  # "today", "sop", "window"
    live: Side
    scenario: Side

    @property
    def delta_planned(self) -> int | None:
        if self.live.planned is None or self.scenario.planned is None:
            return None
        return self.scenario.planned - self.live.planned

    @property
    def delta_expected(self) -> float | None:
        if self.live.expected is None or self.scenario.expected is None:
            return None
        return _rounded(self.scenario.expected - self.live.expected)

    @property
    def delta_confirmed(self) -> int | None:
        if self.live.confirmed is None or self.scenario.confirmed is None:
            return None
        return self.scenario.confirmed - self.live.confirmed


@dataclass(frozen=True)
class LineComparison:
    key: str  # "plant" or "line-<id>"
    code: str
    name: str
    live: LineForecast
    scenario: LineForecast
    rows: list[Row]
    chart: dict

    @property
    def delta_short(self) -> int | None:
        if self.live.short_at_sop is None or self.scenario.short_at_sop is None:
            return None
        return self.scenario.short_at_sop - self.live.short_at_sop

    @property
    def changed(self) -> bool:
        return self.live.days != self.scenario.days or self.live.sop_date != self.scenario.sop_date


@dataclass(frozen=True)
class Comparison:
    today: datetime.date
    lines: list[LineComparison]
    plant: LineComparison
    dropped: dict[str, str]


def _side(line: LineForecast, day: datetime.date | None) -> Side:
    found: ForecastDay | None = None
    if day is not None and line.days:
        found = line.on(max(day, line.days[0].date)) or line.days[-1]
    if found is None:
        return Side(day, None, None, None, None)
    return Side(
        day,
        found.planned_qualified,
        _rounded(found.expected_qualified),
        found.planned_qualified_confirmed,
        _rounded(found.expected_qualified_confirmed),
    )


def _window(sop: datetime.date | None, window_days: int) -> datetime.date | None:
    return sop + datetime.timedelta(days=window_days) if sop is not None else None


def _chart(live: LineForecast, scenario: LineForecast) -> dict:
    """Both forecasts over the union of their days (a moved SOP date lengthens or shortens one of them)."""
    start = live.days[0].date
    end = max(live.days[-1].date, scenario.days[-1].date)
    labels, series = [], {"live_planned": [], "live_expected": [], "scenario_planned": [], "scenario_expected": []}
    target = []
    day = start
    while day <= end:
        labels.append(day.isoformat())
        for name, line in (("live", live), ("scenario", scenario)):
            found = line.on(day)
            series[f"{name}_planned"].append(found.planned_qualified if found else None)
            series[f"{name}_expected"].append(_rounded(found.expected_qualified) if found else None)
        found = scenario.on(day) or live.on(day)
        target.append(found.target if found else None)
        day += datetime.timedelta(days=1)
    return {
        "labels": labels,
        **series,
        "target": target,
        "live_sop": live.sop_date.isoformat() if live.sop_date else None,
        "scenario_sop": scenario.sop_date.isoformat() if scenario.sop_date else None,
    }


def _compare(key: str, live: LineForecast, scenario: LineForecast, window_days: int, sops) -> LineComparison:
    live_sop, scenario_sop = sops
    rows = [
        Row("today", _side(live, live.days[0].date), _side(scenario, scenario.days[0].date)),
        Row("sop", _side(live, live_sop), _side(scenario, scenario_sop)),
        Row(
            "window",
            _side(live, _window(live_sop, window_days)),
            _side(scenario, _window(scenario_sop, window_days)),
        ),
    ]
    return LineComparison(key, live.code, live.name, live, scenario, rows, _chart(live, scenario))


def scenario_comparison(scenario: Scenario, inputs: PlanInputs | None = None) -> Comparison:
    """The live plan's forecast beside the scenario's, per line and for the plant: reads the plant's inputs
    once, applies the scenario in memory, writes nothing."""
    live_inputs = inputs if inputs is not None else load_inputs(plant=scenario.plant)
    scenario_inputs = apply_scenario(live_inputs, scenario)
    live, changed = forecast(live_inputs), forecast(scenario_inputs)
    window = live_inputs.confirmation_window_days
    lines = [
        _compare(
            f"line-{line_id}",
            live.lines[line_id],
            changed.lines[line_id],
            window,
            (live.lines[line_id].sop_date, changed.lines[line_id].sop_date),
        )
        for line_id in live.lines
    ]

    def last_sop(result) -> datetime.date | None:
        dates = [line.sop_date for line in result.lines.values() if line.sop_date is not None]
        return max(dates) if dates else None

    plant = _compare("plant", live.plant, changed.plant, window, (last_sop(live), last_sop(changed)))
    labels = session_labels(live_inputs, scenario_inputs)
    dropped = {labels.get(key, key): why for key, why in scenario_inputs.dropped.items()}
    return Comparison(today=live.today, lines=lines, plant=plant, dropped=dropped)
