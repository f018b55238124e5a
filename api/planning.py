"""The forecast endpoint (scope `read`): a line's planned and expected qualified, day by day to its SOP
date, under the live plan or a draft scenario of the plant (planning/selectors/forecasts.py, cached).

Scoped as the plan's pages: plants through Capability.VIEW_PLAN; another plant, an unknown line or
scenario is a 404 naming what was not found.
"""

from __future__ import annotations

from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Field as SchemaField
from ninja import Path, Query, Router, Schema

from api.auth import needs
from api.errors import ApiError
from api.schemas import NO_NUL, Error, LineForecastOut
from assessments.models import TokenScope
from employees.access import Capability, plant_get_for_user
from employees.models import ProductionLine
from planning.selectors.forecasts import forecast_json, line_forecast, scenario_for_plant

router = Router(tags=["planning"], auth=needs(TokenScope.READ))

# A scenario id is a database integer: anything past it cannot exist (and must not reach the database).
MAX_ID = 2**31 - 1


class ScenarioParam(Schema):
    scenario: int | None = SchemaField(
        None, ge=1, le=MAX_ID, description="A draft what-if scenario of the plant (default: the live plan)"
    )


def _not_found(detail: str) -> ApiError:
    return ApiError(404, "not found", detail)


@router.get(
    "/plants/{code}/lines/{line_code}/forecast",
    response={200: LineForecastOut, 400: Error, 401: Error, 403: Error, 404: Error},
    url_name="line-forecast",
    summary="A line's forecast to its SOP date",
)
def line_forecast_get(
    request: HttpRequest,
    code: Annotated[str, Path(pattern=NO_NUL, description="The plant's code", examples=["SY"])],
    line_code: Annotated[str, Path(pattern=NO_NUL, description="The line's code", examples=["L2"])],
    query: Query[ScenarioParam],
) -> dict:
    """Planned and expected qualified (both rules: `qualified` and `qualified_confirmed`) per day from the
    plant's today to the line's SOP date plus the confirmation window, the target, the day the plan reaches
    it and the people short at SOP. Cached until the plan, a scenario or the roll-up changes."""
    try:
        plant = plant_get_for_user(user=request.user, code=code, capability=Capability.VIEW_PLAN)
    except Http404:
        raise _not_found(f"no plant {code[:20]!r} among yours") from None
    line = ProductionLine.objects.filter(plant=plant, code=line_code, is_active=True).select_related("plant").first()
    if line is None:
        raise _not_found(f"no active line {line_code[:20]!r} at plant {plant.code}")
    try:
        scenario = scenario_for_plant(plant=plant, scenario_id=query.scenario)
    except Http404:
        raise _not_found(f"no draft scenario {query.scenario} at plant {plant.code}") from None
    payload = forecast_json(line_forecast(line=line, scenario=scenario))
    return {
        "line": line.code,
        "plant": plant.code,
        "scenario": scenario.id if scenario else None,
        **{key: value for key, value in payload.items() if key != "code"},
    }
