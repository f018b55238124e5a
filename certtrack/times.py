"""How a moment is shown: in a named time zone, always saying which.

A time of one plant's business (an employee's trail, a roll-up, a job of a plant) is shown in the
plant's zone; a list spanning plants (an admin's audit log, the job lists) in the viewer's zone:
the zone of the user's plants when they all share one, else settings.TIME_ZONE. Either way the
zone is named next to the time or in the column header.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone

Where = object  # a plant (anything with .time_zone), a zone name, a tzinfo, or None for settings.TIME_ZONE


def zone_of(where: Where) -> zoneinfo.ZoneInfo:
    """The ZoneInfo of a plant, a zone name or a tzinfo; settings.TIME_ZONE for None or an unknown name."""
    if isinstance(where, zoneinfo.ZoneInfo):
        return where
    name = getattr(where, "time_zone", where)
    if isinstance(name, datetime.tzinfo):
        name = getattr(name, "key", None) or str(name)
    try:
        return zoneinfo.ZoneInfo(str(name)) if name else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zone_name(where: Where) -> str:
    """The zone's IANA name ("Asia/Shanghai"): unambiguous, where abbreviations are not (CST)."""
    return zone_of(where).key


def in_zone(value: datetime.datetime, where: Where) -> datetime.datetime:
    return timezone.localtime(value, zone_of(where))


def local_time(value: datetime.datetime | None, where: Where, *, named: bool = True, seconds: bool = False) -> str:
    """ "2026-12-01 09:15 (Asia/Shanghai)"; without the zone when a column header names it; "" for None."""
    if not isinstance(value, datetime.datetime):
        return ""
    zone = zone_of(where)
    text = timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} ({zone.key})" if named else text


def viewer_zone(user: object | None) -> zoneinfo.ZoneInfo:
    """The zone of the user's plants when all their plant roles are in one zone, else settings.TIME_ZONE."""
    if user is None or not getattr(user, "is_authenticated", False):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
    zones = set(user.memberships.values_list("plant__time_zone", flat=True))
    return zone_of(zones.pop()) if len(zones) == 1 else zoneinfo.ZoneInfo(settings.TIME_ZONE)
