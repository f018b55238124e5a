"""Small display helpers of the readiness pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import formats

from assessments.readiness.figures import ShiftCoverage

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A fraction as a percentage; "–" for no figure (a line without employees is never 100%).

    A figure of a roll-up that does not exist yet reaches the filter as "" (the template's invalid value).
    """
    if not isinstance(value, int | float):
        return "–"
    return f"{formats.number_format(round(value * 100, 1), 1)}%"


@register.filter
def shift_cell_class(cell: ShiftCoverage) -> str:
    """Colour of a (station, shift) cell against its per-shift target: red nobody, amber short, green covered."""
    if cell.qualified >= cell.target:
        return "text-bg-success"
    return "text-bg-danger" if cell.qualified == 0 else "text-bg-warning"


@register.filter
def shift_cell_state(cell: ShiftCoverage) -> str:
    """covered / short / zero: the cell's colour as a word (data attribute; tests and screen readers)."""
    if cell.qualified >= cell.target:
        return "covered"
    return "zero" if cell.qualified == 0 else "short"


@register.simple_tag(takes_context=True)
def figure_url(
    context: template.Context, kind: str, line: str = "", course: str = "", station: str = "", export: bool = False
) -> str:
    """The list behind a count of the page: its kind for the page's plant, this scope and the page's date.

    The date goes into the link only when the page is computed for a date other than the roll-up's, so
    links of the (cached) roll-up page stay the same whatever day it is.
    """
    query = {name: value for name, value in (("line", line), ("course", course), ("station", station)) if value}
    if context.get("computed"):
        query["date"] = context["on_date"].isoformat()
    url = reverse("readiness:figures-export" if export else "readiness:figures", args=[context["plant"].code, kind])
    return f"{url}?{urlencode(query)}" if query else url
