"""The forecast as the pages, the dashboards' charts and the API read it: load_inputs + apply_scenario +
forecast (planning/forecast.py), cached.

A cached forecast is keyed on what it is computed from: the plant's plan version (bumped after commit by
planning/signals.py whenever a planned session, a scenario or one of their rows is written), the roll-up's
version (assessments.readiness.dashboards.cache_version: results recorded reach the certifications the
forecast starts from, and the roll-up that follows them changes its computed_at) and the plant's today.
Names, SOP dates and targets edited in the admin show within DASHBOARD_CACHE_SECONDS, as on the dashboards.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from assessments.models import LineSnapshot, PlantSnapshot
from assessments.readiness import dashboards
from employees.models import Plant, ProductionLine
from planning.forecast import Forecast, ForecastDay, LineForecast, forecast
from planning.inputs import load_inputs
from planning.models import Scenario, ScenarioStatus
from planning.whatif import apply_scenario

ALL_PLANTS = "all"
HISTORY_DAYS = dashboards.TREND_DAYS


# --- The plan's version -----------------------------------------------------------------------


def _version_key(plant_id: int | str) -> str:
    return f"planning:plan-version:{plant_id}"


def plan_version(*, plant_id: int) -> str:
    """The plant's plan version (and the one every plant shares, bumped from an employee's side). A value
    never seen before when the cache has lost it, so an evicted counter cannot bring back an old forecast."""
    keys = [_version_key(plant_id), _version_key(ALL_PLANTS)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            found[key] = cache.get_or_set(key, uuid.uuid4().hex, None)
    return "-".join(found[key] for key in keys)


def plan_changed(*, plant_id: int | None) -> None:
    """The plant's plan changed (None: some plant's, from an employee's side): after commit, a new version
    (a rolled-back change leaves the cached forecast valid)."""
    key = _version_key(ALL_PLANTS if plant_id is None else plant_id)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, None))


# --- Cached forecasts -------------------------------------------------------------------------


def forecast_version(
    *, plant: Plant, scenario: Scenario | None = None, status: dashboards.RollupStatus | None = None
) -> str:
    """What a cached forecast of the plant depends on: the plan, the roll-up, the plant's today (one query,
    none with the roll-up's status given, as a dashboard page has it). The forecast pages key their cached
    body on it too."""
    status = status or dashboards.rollup_statuses(plant_ids=[plant.id])[plant.id]
    return ":".join(
        [
            str(plant.id),
            f"s{scenario.id}" if scenario is not None else "live",
            plan_version(plant_id=plant.id),
            dashboards.cache_version(status),
            plant.local_today().isoformat(),
        ]
    )


def _check_scenario(plant: Plant, scenario: Scenario | None) -> None:
    if scenario is not None and scenario.plant_id != plant.id:
        raise ValueError(f"scenario {scenario.id} is not of plant {plant.code}")


def plant_forecasts(
    *, plant: Plant, scenario: Scenario | None = None, status: dashboards.RollupStatus | None = None
) -> Forecast:
    """Every active line's forecast and the plant's, under the live plan or a scenario of the plant."""
    _check_scenario(plant, scenario)
    key = f"planning:forecast:all:{forecast_version(plant=plant, scenario=scenario, status=status)}"
    found = cache.get(key)
    if found is None:
        inputs = load_inputs(plant=plant)
        if scenario is not None:
            inputs = apply_scenario(inputs, scenario)
        found = forecast(inputs)
        cache.set(key, found, settings.DASHBOARD_CACHE_SECONDS)
    return found


def plant_forecast(*, plant: Plant, scenario: Scenario | None = None) -> LineForecast:
    """The plant's forecast over all its active people (no target, no SOP date of its own)."""
    return plant_forecasts(plant=plant, scenario=scenario).plant


def line_forecast(
    *, line: ProductionLine, scenario: Scenario | None = None, status: dashboards.RollupStatus | None = None
) -> LineForecast:
    """One line's forecast: from the plant's cached forecast when there is one, else from the line's
    people only (cached on its own)."""
    plant = line.plant
    _check_scenario(plant, scenario)
    versions = forecast_version(plant=plant, scenario=scenario, status=status)
    key = f"planning:forecast:line{line.id}:{versions}"
    found = cache.get_many([f"planning:forecast:all:{versions}", key])
    whole = found.get(f"planning:forecast:all:{versions}")
    if whole is not None and line.id in whole.lines:
        return whole.lines[line.id]
    found = found.get(key)
    if found is None:
        inputs = load_inputs(plant=plant, line_ids={line.id})
        if scenario is not None:
            inputs = apply_scenario(inputs, scenario)
        lines = forecast(inputs, line_ids={line.id}).lines
        if line.id not in lines:  # an inactive line: no forecast
            raise Http404("no forecast for an inactive line")
        found = lines[line.id]
        cache.set(key, found, settings.DASHBOARD_CACHE_SECONDS)
    return found


def scenario_for_plant(*, plant: Plant, scenario_id: int | None) -> Scenario | None:
    """A draft scenario of the plant by id (None without an id); 404 for any other."""
    if scenario_id is None:
        return None
    scenario = Scenario.objects.filter(id=scenario_id, plant=plant, status=ScenarioStatus.DRAFT).first()
    if scenario is None:
        raise Http404("no such draft scenario at this plant")
    return scenario


# --- What the pages show ----------------------------------------------------------------------


def table_days(line: LineForecast, *, step_days: int = 7) -> list[ForecastDay]:
    """The forecast table's rows: today and every week after it, the SOP day and the last day."""
    if not line.days:
        return []
    picked = {day.date: day for day in line.days[::step_days]}
    for day in (line.at_sop, line.days[-1]):
        if day is not None:
            picked[day.date] = day
    return [picked[d] for d in sorted(picked)]


def forecast_json(line: LineForecast) -> dict:
    """A forecast as the charts and the API read it (expected figures rounded to 0.01 person)."""
    return {
        "code": line.code,
        "sop_date": line.sop_date.isoformat() if line.sop_date else None,
        "target": line.target,
        "target_pct": line.target_pct,
        "reaches_target_on": line.reaches_target_on.isoformat() if line.reaches_target_on else None,
        "short_at_sop": line.short_at_sop,
        "days": [
            {
                "date": day.date.isoformat(),
                "headcount": day.headcount,
                "planned_qualified": day.planned_qualified,
                "expected_qualified": round(day.expected_qualified, 2),
                "planned_qualified_confirmed": day.planned_qualified_confirmed,
                "expected_qualified_confirmed": round(day.expected_qualified_confirmed, 2),
                "target": day.target,
            }
            for day in line.days
        ],
    }


def line_chart(*, line: ProductionLine, forecast_line: LineForecast) -> dict:
    """The line chart's data: the line's actual qualified over the last 90 days (its roll-up snapshots,
    one query) and its forecast, in people."""
    return {"history": _history(LineSnapshot.objects.filter(line=line), forecast_line), **_chart(forecast_line)}


def plant_total_chart(*, plant: Plant, forecast_plant: LineForecast) -> dict:
    """As line_chart, for the whole plant (no target, no SOP date)."""
    return {"history": _history(PlantSnapshot.objects.filter(plant=plant), forecast_plant), **_chart(forecast_plant)}


def _history(snapshots: QuerySet, forecast_line: LineForecast) -> list[dict]:
    today = forecast_line.days[0].date
    since = today - datetime.timedelta(days=HISTORY_DAYS)
    rows = (
        snapshots.filter(on_date__gt=since, on_date__lte=today)
        .order_by("on_date")
        .values_list("on_date", "qualified", "qualified_confirmed")
    )
    return [{"date": on.isoformat(), "qualified": q, "qualified_confirmed": c} for on, q, c in rows]


def _chart(line: LineForecast) -> dict:
    return {
        "sop_date": line.sop_date.isoformat() if line.sop_date else None,
        "dates": [day.date.isoformat() for day in line.days],
        "planned": [day.planned_qualified for day in line.days],
        "expected": [round(day.expected_qualified, 2) for day in line.days],
        "planned_confirmed": [day.planned_qualified_confirmed for day in line.days],
        "expected_confirmed": [round(day.expected_qualified_confirmed, 2) for day in line.days],
        "target": [day.target for day in line.days],
    }


def plant_chart(*, forecasts: Forecast) -> dict:
    """What extends the plant page's trend chart (readiness per line, in percent) into the future: per line
    its planned and expected readiness, its target and its SOP date."""
    lines = []
    for line in forecasts.lines.values():
        lines.append(
            {
                "code": line.code,
                "sop_date": line.sop_date.isoformat() if line.sop_date else None,
                "target_pct": line.target_pct,
                "dates": [day.date.isoformat() for day in line.days],
                "planned": [_pct(day.planned_qualified, day.headcount) for day in line.days],
                "expected": [_pct(day.expected_qualified, day.headcount) for day in line.days],
            }
        )
    return {"lines": lines}


def _pct(value: float, headcount: int) -> float | None:
    return round(100 * value / headcount, 1) if headcount else None
