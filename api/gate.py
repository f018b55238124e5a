"""The station gate over the API (scope `gate`, Capability.GATE_CHECK): DOMAIN.md "The station gate".

GET  /api/v1/plants/<plant>/lines/<line>/stations/<station>/gate?employee=<no>[&at=<ISO 8601>]
POST /api/v1/plants/<plant>/gate  {"at": ..., "checks": [{"employee", "line", "station"}, ... up to 500]}

The hot path: the answer is gate.selectors' as_json() written straight out (no serializer, no response
model validation; the schemas below describe it for the OpenAPI document). An override that turns a deny
into allow is recorded as used (gate.services).
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from api.auth import needs
from api.errors import ApiError, bad_request
from api.schemas import NO_NUL, Error, IsoDate, IsoMoment, Text
from assessments.models import TokenScope
from employees.access import Capability, client_ip, plant_get_for_user, plant_ids_for_user
from employees.models import Employee
from gate.selectors import MAX_BULK_CHECKS, BadMoment, StationNotFound, gate_moment
from gate.services import gate_decide_codes, gate_decide_many

router = Router(tags=["gate"], auth=needs(TokenScope.GATE))

ReasonCode = Literal[
    "missing", "in_progress", "expired", "revoked", "level_below", "provisional_lapsed", "inactive", "other_plant"
]


class GateReasonOut(Schema):
    code: ReasonCode
    course: str | None = Field(description="The course not met; null for inactive and other_plant")
    expired_on: IsoDate | None = Field(None, description="expired: the last valid day's next day")
    revoked_on: IsoDate | None = None
    lapsed_on: IsoDate | None = Field(None, description="provisional_lapsed: the first day it stopped counting")
    held: str | None = Field(None, description="level_below: the level held")
    needed: str | None = Field(None, description="level_below: the minimum level")
    status: str | None = Field(None, description="inactive: the employee's status")


class OverrideOut(Schema):
    id: int
    granted_by: str
    reason: str
    from_: IsoMoment = Field(alias="from")
    until: IsoMoment = Field(description="Exclusive")


class GateDecisionOut(Schema):
    decision: Literal["allow", "deny"]
    employee: str
    plant: str
    line: str
    station: str
    at: IsoMoment
    date: IsoDate = Field(description="at's date in the plant's time zone")
    reasons: list[GateReasonOut] = Field(description="Every reason to deny (an override allows despite them)")
    notes: list[str] = Field(description='Said, never a reason to deny: "other_line"')
    override: OverrideOut | None = Field(description="The override in force that allows, if any")


class GateCheckErrorOut(Schema):
    employee: str
    line: str
    station: str
    error: str
    detail: str


class GateQuery(Schema):
    employee: str = Field(
        min_length=1, max_length=40, pattern=NO_NUL, description="The employee number (a badge scan)", examples=["A"]
    )
    at: Text | None = Field(
        None,
        description="An ISO 8601 moment (plant time without an offset); default now",
        examples=["2026-12-01T08:00:00+08:00"],
    )


class GateCheckIn(Schema):
    employee: str = Field(min_length=1, max_length=40, pattern=NO_NUL)
    line: str = Field(min_length=1, max_length=40, pattern=NO_NUL)
    station: str = Field(min_length=1, max_length=40, pattern=NO_NUL)


class GateBulkIn(Schema):
    at: Text | None = Field(None, description="One moment for every pair (ISO 8601); default now")
    checks: list[GateCheckIn] = Field(min_length=1, max_length=MAX_BULK_CHECKS)


class GateBulkOut(Schema):
    plant: str
    at: IsoMoment
    answers: list[GateDecisionOut | GateCheckErrorOut] = Field(description="In the order asked")


GATE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error}


def _moment(value: str | None, plant):
    try:
        return gate_moment(value, plant=plant)
    except BadMoment as bad:
        raise bad_request(str(bad)) from None


@router.get(
    "/plants/{plant}/lines/{line}/stations/{station}/gate",
    response={200: GateDecisionOut, **GATE_ERRORS},
    url_name="gate",
    by_alias=True,
    summary="May this employee work this station?",
)
def gate(
    request: HttpRequest,
    plant: Annotated[str, Path(pattern=NO_NUL, examples=["SY"])],
    line: Annotated[str, Path(pattern=NO_NUL, examples=["L1"])],
    station: Annotated[str, Path(pattern=NO_NUL, examples=["S1"])],
    query: Query[GateQuery],
) -> JsonResponse:
    """allow or deny with every reason (DOMAIN.md "The station gate"); an unknown employee or station is a 404.

    The hot path: the caller's plants from their (cached) memberships, then one statement for the station,
    the employee, the override in force and the certifications (gate.sql); a moment without an offset reads
    the plant first to place it in the plant's time.
    """
    at = _moment(query.at, None)
    if timezone.is_naive(at):
        at = at.replace(tzinfo=plant_get_for_user(user=request.user, code=plant, capability=Capability.GATE_CHECK).tz)
    try:
        decision = gate_decide_codes(
            plant_code=plant,
            line_code=line,
            station_code=station,
            employee_no=query.employee,
            at=at,
            plant_ids=plant_ids_for_user(user=request.user, capability=Capability.GATE_CHECK),
            actor=request.user,
            ip_address=client_ip(request),
        )
    except StationNotFound:
        raise ApiError(404, "not found", f"no station {plant}/{line}/{station}") from None
    except Employee.DoesNotExist:
        raise ApiError(404, "not found", f"no employee {query.employee}") from None
    return JsonResponse(decision.as_json())


@router.post(
    "/plants/{plant}/gate",
    response={200: GateBulkOut, **GATE_ERRORS},
    url_name="gate-bulk",
    by_alias=True,
    summary="The gate for a shift's badge list",
)
def gate_bulk(
    request: HttpRequest, plant: Annotated[str, Path(pattern=NO_NUL, examples=["SY"])], payload: GateBulkIn
) -> JsonResponse:
    """Up to 500 (employee, line, station) pairs at one moment in one round trip, answered in order; a pair
    naming an unknown employee or station gets {"error": "not found", ...} in its place."""
    found = plant_get_for_user(user=request.user, code=plant, capability=Capability.GATE_CHECK)
    at = _moment(payload.at, found)
    answers = gate_decide_many(
        plant=found,
        checks=[(c.employee, c.line, c.station) for c in payload.checks],
        at=at,
        actor=request.user,
        ip_address=client_ip(request),
    )
    return JsonResponse(
        {"plant": found.code, "at": at.astimezone(found.tz).isoformat(), "answers": [a.as_json() for a in answers]}
    )
