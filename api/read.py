"""The read endpoints (scope `read`): plants, a plant's readiness on a date, an employee's certifications.

Scoping is exactly the pages': plants through Capability.VIEW_DASHBOARDS, employees through
Capability.VIEW_PEOPLE; anything outside the user's (or the token's) plants is a 404.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field as SchemaField
from ninja import Path, Query, Router, Schema

from api.auth import needs
from api.errors import bad_request
from api.schemas import NO_NUL, EmployeeCertifications, Error, PlantList, PlantReadiness
from assessments.models import TokenScope
from assessments.readiness import dashboards
from assessments.readiness.figures import Figures
from assessments.selectors.certifications import (
    CertificationAsOf,
    employee_other_certifications_as_of,
    employee_requirements,
)
from certtrack.forms import DATE_PATTERN, EARLIEST_DATE, LATEST_DATE
from courses.models import Course
from employees.access import Capability, plant_get_for_user, plants_for_user
from employees.models import Employee, Plant
from employees.selectors import employee_get_for_user

router = Router(tags=["read"], auth=needs(TokenScope.READ))

READ_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error}


class OnDate(Schema):
    date: str | None = SchemaField(
        None,
        description="A calendar date, YYYY-MM-DD, between 1970-01-01 and 2199-12-31 (default: the plant's today)",
        json_schema_extra={"format": "date"},
    )


def date_param(value: str | None, plant: Plant) -> datetime.date:
    if value is None:
        return plant.local_today()
    try:
        if not DATE_PATTERN.match(value):
            raise ValueError
        on_date = datetime.date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"date must be a calendar date as YYYY-MM-DD, got {value!r}") from None
    # Expiry windows and validity add days and months to the date: keep it far from date.max.
    if not EARLIEST_DATE <= on_date <= LATEST_DATE:
        raise bad_request(f"date must be between {EARLIEST_DATE} and {LATEST_DATE}, got {value!r}")
    return on_date


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@router.get("/plants", response={200: PlantList, 401: Error, 403: Error}, url_name="plants", summary="Plants")
def plants(request: HttpRequest) -> dict:
    """The plants whose dashboards the user may see (Capability.VIEW_DASHBOARDS), by code."""
    rows = plants_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS).order_by("code")
    return {
        "plants": [
            {
                "code": plant.code,
                "name": plant.name,
                "country": plant.country,
                "time_zone": plant.time_zone,
                "readiness_url": request.build_absolute_uri(reverse("api:plant-readiness", args=[plant.code])),
            }
            for plant in rows
        ]
    }


def _figures_json(figures: Figures) -> dict:
    return {
        "headcount": figures.headcount,
        "qualified": figures.qualified,
        "qualified_confirmed": figures.qualified_confirmed,
        "readiness": None if figures.readiness is None else round(figures.readiness, 4),
        "readiness_confirmed": None if figures.readiness_confirmed is None else round(figures.readiness_confirmed, 4),
        "expiring_30": figures.expiring_30,
        "expiring_60": figures.expiring_60,
        "expiring_90": figures.expiring_90,
        "gaps": figures.gaps,
        "stations": figures.stations,
        "stations_covered": figures.stations_covered,
        "single_points_of_failure": figures.single_points,
    }


@router.get(
    "/plants/{code}/readiness",
    response={200: PlantReadiness, **READ_ERRORS},
    url_name="plant-readiness",
    summary="A plant's readiness on a date",
)
def plant_readiness(
    request: HttpRequest,
    code: Annotated[str, Path(pattern=NO_NUL, description="The plant's code", examples=["SY"])],
    query: Query[OnDate],
) -> dict:
    """The plant's, its lines' and stations' readiness figures on the date: the stored roll-up for the date
    it was last rolled up for, computed from the results for any other date."""
    plant = plant_get_for_user(user=request.user, code=code, capability=Capability.VIEW_DASHBOARDS)
    on_date = date_param(query.date, plant)
    status = dashboards.rollup_statuses(plant_ids=[plant.id])[plant.id]
    if status.on_date != on_date:
        return _readiness_payload(plant=plant, on_date=on_date, status=status)
    # The stored figures change only when a roll-up writes them: cached until then (as the dashboards).
    key = f"api:readiness:{plant.id}:{on_date.isoformat()}:{dashboards.cache_version(status)}"
    payload = cache.get(key)
    if payload is None:
        payload = _readiness_payload(plant=plant, on_date=on_date, status=status)
        cache.set(key, payload, settings.DASHBOARD_CACHE_SECONDS)
    return payload


def _readiness_payload(*, plant: Plant, on_date: datetime.date, status: dashboards.RollupStatus) -> dict:
    readiness = dashboards.plant_readiness(plant=plant, on_date=on_date, status=status)
    stations_by_line: dict[int, list[dict]] = {}
    for station in readiness.stations:
        stations_by_line.setdefault(station.line_id, []).append(
            {
                "code": station.code,
                "name": station.name,
                "qualified": station.qualified,
                "target": station.target,
                "covered": station.covered,
                "single_point_of_failure": station.single_point,
                "shifts": [
                    {
                        "shift": cell.shift,
                        "qualified": cell.qualified,
                        "target": cell.target,
                        "single_point_of_failure": cell.single_point_of_failure,
                    }
                    for cell in station.shifts
                ],
                "day_staff_qualified": station.day_staff_qualified,
                "trainers": station.trainers,
                "trainers_needed": station.trainers_needed,
            }
        )
    return {
        "plant": {"code": plant.code, "name": plant.name, "time_zone": plant.time_zone},
        "date": on_date.isoformat(),
        "source": readiness.source,
        "as_of": _iso(readiness.as_of),
        **_figures_json(readiness.plant),
        "lines": [
            {
                "code": line.code,
                "name": line.name,
                "sop_date": _iso(line.sop_date),
                "target_readiness": line.target_readiness_pct / 100,
                **_figures_json(readiness.lines[line.id]),
                "stations": stations_by_line.get(line.id, []),
            }
            for line in readiness.line_objects
            if line.id in readiness.lines
        ],
    }


@router.get(
    "/employees/{employee_no}/certifications",
    response={200: EmployeeCertifications, **READ_ERRORS},
    url_name="employee-certifications",
    summary="An employee's certifications on a date",
)
def employee_certifications(
    request: HttpRequest, employee_no: Annotated[str, Path(pattern=NO_NUL, examples=["A"])], query: Query[OnDate]
) -> dict:
    """Every certification of the employee as of the date (default: the plant's today), as the readiness
    API counts it: required courses always; other courses when attempted on or before the date. Each
    state comes from the results dated on or before it, never from today's row."""
    employee: Employee = employee_get_for_user(
        user=request.user, employee_no=employee_no, capability=Capability.VIEW_PEOPLE
    )
    on_date = date_param(query.date, employee.plant)
    required = employee_requirements(employee=employee, on_date=on_date)
    others = employee_other_certifications_as_of(
        employee=employee, required_course_ids=[row.course.id for row in required], on_date=on_date
    )
    rows = [
        _certification_json(course=row.course, state=row.state, required=True, min_level=row.min_level)
        for row in required
    ] + [_certification_json(course=course, state=state, required=False) for course, state in others]
    met = sum(row.is_met for row in required)
    met_confirmed = sum(row.state.meets_confirmed(row.min_level) for row in required)
    rows.sort(key=lambda row: (not row["required"], row["course"]))
    return {
        "employee": {
            "employee_no": employee.employee_no,
            "name": employee.name,
            "plant": employee.plant.code,
            "line": employee.line.code if employee.line else None,
            "station": employee.station.code if employee.station else None,
            "status": employee.status,
        },
        "date": on_date.isoformat(),
        "required": len(required),
        "valid": sum(row.is_valid for row in required),
        "met": met,
        "met_confirmed": met_confirmed,
        # DOMAIN.md: active, every required course met (provisional passes counting where they count) ...
        "qualified": employee.is_active and met == len(required),
        # ... and counting no provisional pass.
        "qualified_confirmed": employee.is_active and met_confirmed == len(required),
        "certifications": rows,
    }


def _certification_json(
    *, course: Course, state: CertificationAsOf, required: bool, min_level: str | None = None
) -> dict:
    """`level`: held on D (null when not valid); `met`: against the minimum level, only for a required course."""
    return {
        "course": course.code,
        "title": course.title,
        "title_localised": course.display_title,  # in the request's language (Accept-Language)
        "required": required,
        "status": state.status,
        "valid": state.is_valid,
        "certified_on": _iso(state.certified_on),
        "expires_on": _iso(state.expires_on),
        "revoked_on": _iso(state.revoked_on),
        "level": state.level,
        "min_level": min_level if required else None,
        "met": state.meets(min_level) if required else None,
        "provisional": state.provisional,
        "provisional_until": _iso(state.provisional_until),
    }
