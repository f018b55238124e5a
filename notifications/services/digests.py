"""The weekly digest of a plant manager: what expires in the next 30 days, the stations that lose coverage
because of it, and the gaps no planned session fills."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from assessments.models import Certification, StationCoverage
from assessments.readiness.dashboards import rollup_statuses
from assessments.readiness.figures import required_pairs_compute, station_figures_compute
from courses.models import Course
from employees.models import EmployeeStatus, Plant, Station
from notifications.links import plant_dashboard_url, unsubscribe_url
from notifications.services.recipients import Reader
from planning.models import PlannedAttendance

HORIZON_DAYS = 30
LISTED = 50  # rows an email lists of each part; the counts are whole


@dataclass(frozen=True)
class GapCourse:
    course: Course
    people: int


@dataclass(frozen=True)
class DigestFigures:
    on_date: datetime.date
    horizon: datetime.date
    expiring: list[Certification]
    stations: list[Station]
    gaps: list[GapCourse]

    @property
    def gap_count(self) -> int:
        return sum(gap.people for gap in self.gaps)


def digest_figures(*, plant: Plant, on_date: datetime.date) -> DigestFigures:
    """The plant's figures for D (DOMAIN.md): certifications valid on D expiring within 30 days; stations
    covered on D and not on D + 30 (per-shift coverage, expiries applied); required (employee, course)
    pairs not met on D + 30 with no live planned attendance of the course for the employee after D."""
    horizon = on_date + datetime.timedelta(days=HORIZON_DAYS)
    expiring = list(
        Certification.objects.filter(
            employee__plant=plant,
            employee__status=EmployeeStatus.ACTIVE,
            certified_on__isnull=False,
            expires_on__gt=on_date,
            expires_on__lte=horizon,
        )
        .select_related("employee", "employee__line", "course")
        .order_by("expires_on", "employee__employee_no", "course__code")
    )
    covered_now = _covered_on(plant=plant, on_date=on_date)
    losing_ids = {
        row.station_id
        for row in station_figures_compute(plant_id=plant.id, on_date=horizon, plant=plant)
        if not row.covered and row.station_id in covered_now
    }
    stations = list(Station.objects.filter(id__in=losing_ids).select_related("line").order_by("line__code", "code"))
    unmet = [
        (pair.employee_id, pair.course_id)
        for pair in required_pairs_compute(plant_id=plant.id, on_date=horizon, plant=plant)
        if not pair.is_met
    ]
    planned = set(
        PlannedAttendance.objects.filter(
            planned_session__plant=plant,
            planned_session__cancelled_at__isnull=True,
            planned_session__held_session__isnull=True,
            planned_session__planned_on__gt=on_date,
        ).values_list("employee_id", "planned_session__course_id")
    )
    by_course = Counter(course_id for employee_id, course_id in unmet if (employee_id, course_id) not in planned)
    courses = Course.objects.in_bulk(list(by_course))
    gaps = [GapCourse(courses[course_id], people) for course_id, people in by_course.most_common()]
    return DigestFigures(on_date, horizon, expiring, stations, gaps)


def _covered_on(*, plant: Plant, on_date: datetime.date) -> set[int]:
    """The stations covered on D: the roll-up's stored coverage when it is for D with nothing pending (the
    dashboards' figures, one cheap query), else computed for D like the pages "as of" a date."""
    status = rollup_statuses(plant_ids=[plant.id]).get(plant.id)
    if status is not None and status.on_date == on_date and status.pending == 0:
        return set(
            StationCoverage.objects.filter(plant=plant, on_date=on_date, covered=True).values_list(
                "station_id", flat=True
            )
        )
    return {
        row.station_id
        for row in station_figures_compute(plant_id=plant.id, on_date=on_date, plant=plant)
        if row.covered
    }


def digest_render(*, figures: DigestFigures, reader: Reader, plant: Plant) -> tuple[str, str, str]:
    """(subject, plain-text body, unsubscribe link) in the reader's language."""
    link = unsubscribe_url(user_id=reader.user.pk)
    with translation.override(reader.language):
        iso_year, iso_week, _day = figures.on_date.isocalendar()
        subject = gettext("Weekly expiry digest for %(plant)s, week %(week)s") % {
            "plant": plant.code,
            "week": f"{iso_year}-W{iso_week:02d}",
        }
        body = render_to_string(
            "notifications/email/digest.txt",
            {
                "plant": plant,
                "figures": figures,
                "expiring": figures.expiring[:LISTED],
                "stations": figures.stations[:LISTED],
                "gaps": figures.gaps[:LISTED],
                "dashboard_url": plant_dashboard_url(plant.code),
                "unsubscribe_url": link,
                "reader": reader.user,
            },
        )
    return subject, body, link
