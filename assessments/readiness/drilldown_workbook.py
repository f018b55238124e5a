"""A drill-down list as an Excel workbook: its rows in the requester's language, then a sheet saying
what the list is (plant, scope, date, source), so a file passed around still tells where it came from.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessments.readiness.drilldowns import Drilldown, Kind
from certtrack.xlsx import Table


def tables(d: Drilldown) -> list[Table]:
    """The list as the workbook's sheets: the rows, then what they are (plant, scope, date, source)."""
    if d.family == "people":
        table = Table(
            title=_("Employees"),
            headers=[
                _("Employee no"),
                _("Name"),
                _("Line"),
                _("Station"),
                _("Job role"),
                _("Qualified"),
                _("Valid"),
                pgettext("count of required courses", "Required"),
                _("Completion %"),
                _("Next expiry"),
            ],
            rows=[
                [
                    r.employee_no,
                    r.name,
                    r.line,
                    r.station,
                    r.role,
                    _("yes") if r.qualified else _("no"),
                    r.valid,
                    r.required,
                    round(r.completion * 100, 1),
                    r.next_expiry,
                ]
                for r in d.rows
            ],
            widths=(14, 28, 8, 10, 18, 10, 7, 9, 13, 12),
        )
    elif d.kind == Kind.GAPS:
        table = Table(
            title=_("Gaps"),
            headers=[
                _("Employee no"),
                _("Name"),
                _("Line"),
                _("Station"),
                _("Course"),
                _("Title"),
                _("State"),
                _("Expired on"),
            ],
            rows=[
                [r.employee_no, r.name, r.line, r.station, r.course_code, r.course_title, r.status_label, r.expires_on]
                for r in d.rows
            ],
            widths=(14, 28, 8, 10, 14, 40, 14, 12),
        )
    elif d.family == "pairs":
        table = Table(
            title=_("Expiring"),
            headers=[
                _("Employee no"),
                _("Name"),
                _("Line"),
                _("Station"),
                _("Course"),
                _("Title"),
                _("Expires on"),
                _("Days left"),
            ],
            rows=[
                [r.employee_no, r.name, r.line, r.station, r.course_code, r.course_title, r.expires_on, r.days_left]
                for r in d.rows
            ],
            widths=(14, 28, 8, 10, 14, 40, 12, 10),
        )
    else:
        table = Table(
            title=_("Stations"),
            headers=[
                _("Line"),
                _("Station"),
                pgettext("a station's name", "Name"),
                _("Qualified"),
                _("Target"),
                _("Covered"),
                _("Single point of failure"),
                _("Qualified people"),
            ],
            rows=[
                [
                    r.line,
                    r.station,
                    r.station_name,
                    r.qualified,
                    r.target,
                    _("yes") if r.covered else _("no"),
                    _("yes") if r.single_point else _("no"),
                    "; ".join(f"{no} {name}" for no, name in r.people),
                ]
                for r in d.rows
            ],
            widths=(8, 10, 28, 10, 8, 10, 12, 60),
        )
    about = Table(
        title=_("About"),
        headers=[_("Item"), _("Value")],
        rows=[
            [_("List"), d.kind.label],
            [_("Plant"), f"{d.plant.code} {d.plant.name}"],
            [_("Line"), f"{d.line.code} {d.line.name}" if d.line else _("all")],
            *([[_("Course"), f"{d.course.code} {d.course.display_title}"]] if d.course else []),
            *([[_("Station"), f"{d.station.code} {d.station.name}"]] if d.station else []),
            [_("Figures for"), d.on_date],
            [_("Source"), _("computed for this date from the recorded results") if d.computed else _("roll-up")],
            [_("Rows"), len(d.rows)],
        ],
        widths=(16, 60),
    )
    return [table, about]


def filename(d: Drilldown) -> str:
    scope = "-".join(
        part
        for part in (d.plant.code, d.line and d.line.code, d.course and d.course.code, d.station and d.station.code)
        if part
    )
    return f"{d.kind.value}-{scope}-{d.on_date.isoformat()}.xlsx"
