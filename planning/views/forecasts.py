"""The forecast pages: a line's (/planning/<plant>/lines/<line>/forecast/) and a plant's
(/planning/<plant>/forecast/), under the live plan or ?scenario=<id> (a draft of the same plant, else 404).
Capability.VIEW_PLAN; another plant's is a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from employees.access import Capability, capability_required, plant_get_for_user
from employees.models import Plant, ProductionLine
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


@require_GET
@capability_required(Capability.VIEW_PLAN)
def line_forecast(request: HttpRequest, plant_code: str, line_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.VIEW_PLAN)
    line = get_object_or_404(
        ProductionLine.objects.select_related("plant"), plant=plant, code=line_code, is_active=True
    )
    scenario = _scenario(request, plant)
    forecast = forecasts.line_forecast(line=line, scenario=scenario)
    return render(
        request,
        "planning/forecast_line.html",
        {
            "plant": plant,
            "line": line,
            "scenario": scenario,
            "forecast": forecast,
            "rows": forecasts.table_days(forecast),
            "chart": {**forecasts.line_chart(line=line, forecast_line=forecast), "words": chart_words()},
            "show": True,
        },
    )


@require_GET
@capability_required(Capability.VIEW_PLAN)
def plant_forecast(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.VIEW_PLAN)
    scenario = _scenario(request, plant)
    whole = forecasts.plant_forecasts(plant=plant, scenario=scenario)
    return render(
        request,
        "planning/forecast_plant.html",
        {
            "plant": plant,
            "scenario": scenario,
            "forecast": whole.plant,
            "lines": list(whole.lines.values()),
            "rows": forecasts.table_days(whole.plant),
            "chart": {**forecasts.plant_total_chart(plant=plant, forecast_plant=whole.plant), "words": chart_words()},
            "show": True,
        },
    )
