"""Showing people and moments: {% load display %}.

    {{ user|person_name }}                      刘建国 / Ingrid Berg (Berg Ingrid in Chinese)
    {{ moment|local_time:plant }}               2026-12-01 09:15 (Asia/Shanghai)
    {{ moment|local_clock:zone }}               2026-12-01 09:15, under a header naming the zone
    {{ moment|local_clock_seconds:zone }}       2026-12-01 09:15:03
    {{ zone|zone_name }}                        Asia/Shanghai
    {% display_zone as zone %}                  the viewer's zone (certtrack.times.viewer_zone)
    {% display_zone job.plant as zone %}        the plant's zone; the viewer's when there is no plant

A zone argument is a plant, a zone name or a tzinfo (certtrack.times.zone_of).
"""

from __future__ import annotations

import datetime
import zoneinfo

from django import template

from certtrack import names, times

register = template.Library()


@register.filter
def person_name(user: object) -> str:
    return names.user_name(user or None)


@register.filter
def local_time(value: datetime.datetime | None, where: object) -> str:
    return times.local_time(value, where)


@register.filter
def local_clock(value: datetime.datetime | None, where: object) -> str:
    return times.local_time(value, where, named=False)


@register.filter
def local_clock_seconds(value: datetime.datetime | None, where: object) -> str:
    return times.local_time(value, where, named=False, seconds=True)


@register.filter
def zone_name(where: object) -> str:
    return times.zone_name(where)


@register.simple_tag(takes_context=True)
def display_zone(context: template.Context, plant: object = None) -> zoneinfo.ZoneInfo:
    """The plant's zone when a plant is given, else the viewer's (computed once per request: one query)."""
    if plant:
        return times.zone_of(plant)
    request = context.get("request")
    if request is None:
        return times.viewer_zone(None)
    if not hasattr(request, "_viewer_zone"):
        request._viewer_zone = times.viewer_zone(getattr(request, "user", None))
    return request._viewer_zone
