"""The audit log as a user may read it, on the page and in the Excel export.

Scoped to the plants the user may read the log of; dates are days of the zone the log is shown in.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from assessments.models import AuditEvent
from certtrack.names import user_name
from certtrack.times import in_zone, viewer_zone, zone_name
from employees.access import Capability, scope_to_plants


def audit_events_for_user(
    *, user: object, filters: dict | None = None, zone: datetime.tzinfo | None = None
) -> QuerySet[AuditEvent]:
    """Audit events the user may read (Capability.VIEW_AUDIT_LOG), newest first, filtered.

    Events without a plant (company-wide changes) are visible to company-wide admins only.
    The date filters are days of `zone`, the zone the log is shown in (default: the viewer's).
    """
    events = scope_to_plants(
        AuditEvent.objects.select_related("actor", "plant", "employee", "course"),
        user=user,
        capability=Capability.VIEW_AUDIT_LOG,
    )
    filters = filters or {}
    if filters.get("actor"):
        events = events.filter(actor__username__iexact=filters["actor"].strip())
    if filters.get("employee"):
        events = events.filter(employee__employee_no__iexact=filters["employee"].strip())
    if filters.get("course"):
        events = events.filter(course__code__iexact=filters["course"].strip())
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("date_from") or filters.get("date_to"):
        zone = zone or viewer_zone(user)
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=_day_start(filters["date_from"], zone))
    if filters.get("date_to"):
        events = events.filter(occurred_at__lt=_day_start(filters["date_to"] + datetime.timedelta(days=1), zone))
    return events.order_by("-occurred_at", "-id")


def _day_start(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


# (header, column width) of the audit export; the time column names its zone.
AUDIT_COLUMNS = (
    (gettext_lazy("When (%(zone)s)"), 20),
    (gettext_lazy("User name"), 14),
    (gettext_lazy("Name"), 16),
    (gettext_lazy("From"), 15),
    (gettext_lazy("Event"), 26),
    (gettext_lazy("Plant"), 7),
    (gettext_lazy("Employee"), 14),
    (gettext_lazy("Employee name"), 18),
    (gettext_lazy("Course"), 15),
    (gettext_lazy("Course title"), 36),
    (gettext_lazy("Summary"), 70),
    (gettext_lazy("Changes"), 50),
)


def audit_headers(*, zone: datetime.tzinfo) -> list[str]:
    """The export's headers in the active language."""
    first, *rest = (str(title) for title, _width in AUDIT_COLUMNS)
    return [first % {"zone": zone_name(zone)}, *rest]


def audit_rows(events: QuerySet[AuditEvent], *, zone: datetime.tzinfo) -> Iterable[tuple]:
    """One row per event: the time in `zone` (naive, as Excel keeps it), names, labels and the
    summary in the active language."""
    for event in events.iterator(chunk_size=2000):
        yield (
            in_zone(event.occurred_at, zone).replace(tzinfo=None),
            event.actor.get_username() if event.actor else "",
            user_name(event.actor) if event.actor else "",
            event.ip_address or "",
            event.get_action_display(),
            event.plant.code if event.plant else "",
            event.employee.employee_no if event.employee else "",
            event.employee.name if event.employee else "",
            event.course.code if event.course else "",
            event.course.display_title if event.course else "",
            event.display_summary,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
        )
