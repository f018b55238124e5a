"""The forecast pages: a line's (/planning/<plant>/lines/<line>/forecast/) and a plant's
(/planning/<plant>/forecast/), under the live plan or ?scenario=<id> (a draft of the same plant, else 404).
Capability.VIEW_PLAN; another plant's is a 404."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from certtrack.replicas import read_replica
from employees.access import Capability, capability_required, plant_get_for_user
from employees.models import Plant, ProductionLine
from planning.forecast import ForecastDay, LineForecast
from planning.models import Scenario
from planning.selectors import forecasts
from planning.templatetags.planning_forecast import chart_words

MAX_ID = 2**31 - 1


def _scenario(request: HttpRequest, plant: Plant) -> Scenario | None:
    value = request.GET.get("scenario", "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise Http404("no such scenario")
    return forecasts.scenario_for_plant(plant=plant, scenario_id=int(value))


class _LinePage:
    """What the cached body of a line's page shows, computed on a cache miss only."""

    def __init__(self, line: ProductionLine, scenario: Scenario | None) -> None:
        self.line, self.scenario = line, scenario

    @cached_property
    def forecast(self) -> LineForecast:
        return forecasts.line_forecast(line=self.line, scenario=self.scenario)

    @cached_property
    def rows(self) -> list[ForecastDay]:
        return forecasts.table_days(self.forecast)

    @cached_property
    def chart(self) -> dict:
        return {**forecasts.line_chart(line=self.line, forecast_line=self.forecast), "words": chart_words()}


class _PlantPage:
    def __init__(self, plant: Plant, scenario: Scenario | None) -> None:
        self.plant, self.scenario = plant, scenario

    @cached_property
    def whole(self) -> forecasts.Forecast:
        return forecasts.plant_forecasts(plant=self.plant, scenario=self.scenario)

    @cached_property
    def forecast(self) -> LineForecast:
        return self.whole.plant

    @cached_property
    def lines(self) -> list[LineForecast]:
        return list(self.whole.lines.values())

    @cached_property
    def rows(self) -> list[ForecastDay]:
        return forecasts.table_days(self.forecast)

    @cached_property
    def chart(self) -> dict:
        return {**forecasts.plant_total_chart(plant=self.plant, forecast_plant=self.forecast), "words": chart_words()}


def _cached_body(plant: Plant, scenario: Scenario | None) -> dict:
    """The page's body is a {% cache %} fragment keyed on the forecast's version (plan, roll-up, today): a
    view of an unchanged forecast costs the access checks, the roll-up status query and a cache read."""
    return {
        "version": forecasts.forecast_version(plant=plant, scenario=scenario),
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
    }


@read_replica
@require_GET
@capability_required(Capability.VIEW_PLAN)
def line_forecast(request: HttpRequest, plant_code: str, line_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.VIEW_PLAN)
    line = get_object_or_404(ProductionLine, plant=plant, code=line_code, is_active=True)
    line.plant = plant
    scenario = _scenario(request, plant)
    return render(
        request,
        "planning/forecast_line.html",
        {
            "plant": plant,
            "line": line,
            "scenario": scenario,
            "page": _LinePage(line, scenario),
            "show": True,
            **_cached_body(plant, scenario),
        },
    )


@read_replica
@require_GET
@capability_required(Capability.VIEW_PLAN)
def plant_forecast(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.VIEW_PLAN)
    scenario = _scenario(request, plant)
    return render(
        request,
        "planning/forecast_plant.html",
        {
            "plant": plant,
            "scenario": scenario,
            "page": _PlantPage(plant, scenario),
            "show": True,
            **_cached_body(plant, scenario),
        },
    )
