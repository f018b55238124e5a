"""Small display helpers of the readiness pages."""

from __future__ import annotations

from django import template
from django.utils import formats

from assessments.models import StationCoverage

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
def coverage_class(coverage: StationCoverage) -> str:
    """Heat-map colour of a station: red nobody, amber short of target or a single point of failure, green covered."""
    if coverage.qualified == 0 and coverage.target > 0:
        return "text-bg-danger"
    if not coverage.covered or coverage.single_point:
        return "text-bg-warning"
    return "text-bg-success"
