"""`{% load planning_forecast %}`: the forecast on the readiness pages (assessments may not import planning:
tests/test_layers.py).

`{% plant_forecast_extension plant %}` gives the plant page's trend chart its future (json_script
"forecast-data", read by static/js/readiness-charts.js); `{% line_forecast_chart line %}` draws the line
page's chart of actual and forecast qualified. Both render outside the dashboards' cached body (the plan
changes without a roll-up) and read the forecast's own cache (planning/selectors/forecasts.py); they show
nothing to a user without Capability.VIEW_PLAN at the plant.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from assessments.readiness.dashboards import RollupStatus
from employees.access import Capability, can
from employees.models import Plant, ProductionLine
from planning.selectors import forecasts

register = template.Library()


def _may_view_plan(context: template.Context, plant: Plant) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and can(user=user, capability=Capability.VIEW_PLAN, plant_id=plant.id)


def _status(context: template.Context) -> RollupStatus | None:
    """The roll-up status the dashboard page has read already (no second query for the forecast's version)."""
    status = context.get("status")
    return status if isinstance(status, RollupStatus) else None


def chart_words() -> dict:
    """The charts' legend, in the reader's language."""
    return {
        "qualified": _("Qualified"),
        "qualified_confirmed": _("Qualified, confirmed"),
        "planned": _("Planned qualified"),
        "expected": _("Expected qualified"),
        "planned_confirmed": _("Planned qualified, confirmed"),
        "expected_confirmed": _("Expected qualified, confirmed"),
        "target": _("Target"),
        "sop": _("SOP"),
        "today": _("Today"),
    }


@register.inclusion_tag("planning/_plant_forecast_extension.html", takes_context=True)
def plant_forecast_extension(context: template.Context, plant: Plant) -> dict:
    if not _may_view_plan(context, plant):
        return {"show": False}
    chart = forecasts.plant_chart(forecasts=forecasts.plant_forecasts(plant=plant, status=_status(context)))
    for line in chart["lines"]:
        line["planned_label"] = _("%(line)s planned") % {"line": line["code"]}
        line["expected_label"] = _("%(line)s expected") % {"line": line["code"]}
        line["sop_label"] = _("%(line)s SOP") % {"line": line["code"]}
    return {"show": True, "plant": plant, "chart": chart}


@register.inclusion_tag("planning/_forecast_chart.html", takes_context=True)
def line_forecast_chart(context: template.Context, line: ProductionLine) -> dict:
    if not _may_view_plan(context, line.plant):
        return {"show": False}
    status = _status(context)
    forecast_line = forecasts.line_forecast(line=line, status=status)
    # The history's query runs once per forecast version, like the forecast itself.
    key = f"planning:line-chart:{line.id}:{forecasts.forecast_version(plant=line.plant, status=status)}"
    chart = cache.get(key)
    if chart is None:
        chart = forecasts.line_chart(line=line, forecast_line=forecast_line)
        cache.set(key, chart, settings.DASHBOARD_CACHE_SECONDS)
    return {
        "show": True,
        "plant": line.plant,
        "line": line,
        "forecast": forecast_line,
        "chart": {**chart, "words": chart_words()},
        "link": True,
    }
