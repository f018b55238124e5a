"""The answers' shapes: pydantic models (ninja.Schema) the OpenAPI document is generated from.

Field order is the answer's key order. Dates and moments are given as the strings the API has always
written (a date as YYYY-MM-DD, a moment with its UTC offset), typed for the schema by `format`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, Schema

IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]
# Text a client sends: no NUL character (PostgreSQL's text cannot hold one; it would be a 500, not a 400).
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, Field(pattern=NO_NUL)]
IsoMoment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Error(Schema):
    error: str = Field(description='What went wrong in a word or two: "bad request", "unauthorised", "not found" ...')
    detail: str | None = Field(None, description="A sentence saying why (absent when there is nothing to add)")


class RowError(Schema):
    index: int = Field(description="The result's position in `results`, from 0")
    field: str = Field(description='The field the error is about, "" when it is about the whole result')
    message: str
    code: str = Field(description="The rule that refused it (duplicate, unauthorised, future_date ...)")


class BatchError(Error):
    errors: list[RowError] = Field(description="Every refused result's errors; nothing was recorded")


# --- Plants and readiness ------------------------------------------------------------------------


class PlantOut(Schema):
    code: str
    name: str
    country: str
    time_zone: str
    readiness_url: str


class PlantList(Schema):
    plants: list[PlantOut]


class PlantRef(Schema):
    code: str
    name: str
    time_zone: str


class ShiftCoverage(Schema):
    shift: str
    qualified: int
    target: int
    single_point_of_failure: bool


class StationReadiness(Schema):
    code: str
    name: str
    qualified: int
    target: int
    covered: bool
    single_point_of_failure: bool
    shifts: list[ShiftCoverage]
    day_staff_qualified: int
    trainers: int
    trainers_needed: int


class Figures(Schema):
    headcount: int
    qualified: int
    qualified_confirmed: int
    readiness: float | None = Field(description="qualified / headcount, 4 decimals; null without headcount")
    readiness_confirmed: float | None
    expiring_30: int
    expiring_60: int
    expiring_90: int
    gaps: int
    stations: int
    stations_covered: int
    single_points_of_failure: int


class LineReadiness(Schema):
    code: str
    name: str
    sop_date: IsoDate | None
    target_readiness: float
    headcount: int
    qualified: int
    qualified_confirmed: int
    readiness: float | None
    readiness_confirmed: float | None
    expiring_30: int
    expiring_60: int
    expiring_90: int
    gaps: int
    # The line's stations in place of the plant's station count (the answer has always read so).
    stations: list[StationReadiness]
    stations_covered: int
    single_points_of_failure: int


class PlantReadiness(Schema):
    plant: PlantRef
    date: IsoDate
    source: Literal["rollup", "computed"] = Field(
        description="rollup: the stored roll-up of that date; computed: worked out from the results for it"
    )
    as_of: IsoMoment | None
    headcount: int
    qualified: int
    qualified_confirmed: int
    readiness: float | None
    readiness_confirmed: float | None
    expiring_30: int
    expiring_60: int
    expiring_90: int
    gaps: int
    stations: int
    stations_covered: int
    single_points_of_failure: int
    lines: list[LineReadiness]


# --- An employee's certifications ----------------------------------------------------------------


class EmployeeRef(Schema):
    employee_no: str
    name: str
    plant: str
    line: str | None
    station: str | None
    status: str


class CertificationOut(Schema):
    course: str
    title: str
    title_localised: str = Field(description="The course title in the request's language (Accept-Language)")
    required: bool
    status: str
    valid: bool
    certified_on: IsoDate | None
    expires_on: IsoDate | None
    revoked_on: IsoDate | None
    level: str | None = Field(description="The level held on the date (L, U, O); null when not valid")
    min_level: str | None
    met: bool | None = Field(description="Against the minimum level; null for a course not required")
    provisional: bool
    provisional_until: IsoDate | None


class EmployeeCertifications(Schema):
    employee: EmployeeRef
    date: IsoDate
    required: int
    valid: int
    met: int
    met_confirmed: int
    qualified: bool
    qualified_confirmed: bool
    certifications: list[CertificationOut]


# --- Forecast (planning) ---------------------------------------------------------------------------


class ForecastDayOut(Schema):
    date: IsoDate
    headcount: int = Field(description="The line's active people that day (a scenario's hires and leavers applied)")
    planned_qualified: int = Field(description="Qualified that day if every planned attendance passes")
    expected_qualified: float = Field(description="The sum over them of the product of the courses' pass rates")
    planned_qualified_confirmed: int = Field(description="As planned_qualified, counting no provisional pass")
    expected_qualified_confirmed: float
    target: int | None = Field(description="People the line's target readiness needs that day")


class LineForecastOut(Schema):
    line: str = Field(description="The line's code")
    plant: str
    scenario: int | None = Field(description="The draft scenario the figures are under (null: the live plan)")
    sop_date: IsoDate | None
    target: int | None = Field(description="People the target readiness needs today")
    target_pct: int | None
    reaches_target_on: IsoDate | None = Field(description="The first day planned_qualified reaches the target")
    short_at_sop: int | None = Field(description="People short of the target at SOP by the plan (null: no SOP date)")
    days: list[ForecastDayOut] = Field(description="Every day from the plant's today to SOP + confirmation window")
