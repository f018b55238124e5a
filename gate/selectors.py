"""The station gate (DOMAIN.md "The station gate"): may employee E work station S at moment T?

D is T's date in the plant's time zone. allow when E is active, belongs to S's plant, and every course S
requires and every plant-wide course of the plant is met on D (the station-qualified rule without the line
condition: a qualified person of another line is allowed, with the note "other_line"); otherwise deny with
every reason. An override in force at T turns a deny for course reasons into allow and is named.

Speed: for D on or after the plant's today the gate reads the stored Certification rows (refreshed by every
result, void and revocation; expiry and the confirmation window are applied to D here, so nothing waits for
the midnight job) and never recomputes a certification from history: the station (with the caller's right
to it), the employee (with the override in force, as a subquery) and the requirements joined to the
employee's certifications: three queries. A past D is computed from the recorded results like the readiness
API's ?date= (certifications_as_of). gate_check_many answers up to a shift's worth of pairs in a constant
number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import FilteredRelation, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from assessments import validity
from assessments.models import Certification, CertificationStatus
from assessments.selectors.certifications import certifications_as_of
from courses.models import Requirement, RequirementScope
from employees.access import Capability, plant_ids_for_user
from employees.models import Employee, EmployeeStatus, Plant, Station
from gate.models import Override

ALLOW = "allow"
DENY = "deny"

# Reason codes (the API's contract, issue #17).
INACTIVE = "inactive"
OTHER_PLANT = "other_plant"
MISSING = "missing"
IN_PROGRESS = "in_progress"
EXPIRED = "expired"
REVOKED = "revoked"
LEVEL_BELOW = "level_below"
PROVISIONAL_LAPSED = "provisional_lapsed"
# Notes: said on an answer, never a reason to deny.
NOTE_OTHER_LINE = "other_line"

# A certification's status on D -> the gate's reason for a course not met.
_STATUS_REASON = {
    CertificationStatus.MISSING: MISSING,
    CertificationStatus.IN_PROGRESS: IN_PROGRESS,
    CertificationStatus.EXPIRED: EXPIRED,
    CertificationStatus.REVOKED: REVOKED,
    CertificationStatus.PROVISIONAL_LAPSED: PROVISIONAL_LAPSED,
    CertificationStatus.VALID: LEVEL_BELOW,  # valid but not met: held below the minimum
    CertificationStatus.EXPIRING: LEVEL_BELOW,
}

MAX_BULK_CHECKS = 500


class BadMoment(ValueError):
    """`at` is not an ISO 8601 moment."""


@dataclass(frozen=True)
class GateReason:
    code: str
    course: str | None = None
    expired_on: datetime.date | None = None
    revoked_on: datetime.date | None = None
    held: str | None = None
    needed: str | None = None
    lapsed_on: datetime.date | None = None  # provisional_lapsed: the first day the virtual pass stopped counting
    status: str | None = None  # inactive: the employee's status

    def as_json(self) -> dict:
        answer: dict = {"code": self.code, "course": self.course}
        for name in ("expired_on", "revoked_on", "lapsed_on"):
            value = getattr(self, name)
            if value is not None:
                answer[name] = value.isoformat()
        for name in ("held", "needed", "status"):
            value = getattr(self, name)
            if value is not None:
                answer[name] = value
        return answer


@dataclass(frozen=True)
class OverrideInfo:
    id: int
    granted_by: str
    reason: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "granted_by": self.granted_by,
            "reason": self.reason,
            "from": self.starts_at.isoformat(),
            "until": self.ends_at.isoformat(),
        }


@dataclass(frozen=True)
class GateDecision:
    employee_no: str
    employee_id: int
    employee_name: str  # for the terminal's screen; not in the API answer (an employee of another plant)
    plant: str
    plant_id: int
    line: str
    station: str
    station_id: int
    at: datetime.datetime
    date: datetime.date
    reasons: tuple[GateReason, ...] = ()
    notes: tuple[str, ...] = ()
    override: OverrideInfo | None = None
    computed: bool = False  # a past D, computed from the recorded results

    @property
    def decision(self) -> str:
        return ALLOW if not self.reasons or self.override is not None else DENY

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    def as_json(self) -> dict:
        return {
            "decision": self.decision,
            "employee": self.employee_no,
            "plant": self.plant,
            "line": self.line,
            "station": self.station,
            "at": self.at.isoformat(),
            "date": self.date.isoformat(),
            "reasons": [reason.as_json() for reason in self.reasons],
            "notes": list(self.notes),
            "override": self.override.as_json() if self.override else None,
        }


# --- Parameters -------------------------------------------------------------------------------------


def gate_moment(value: str | None, *, plant: Plant) -> datetime.datetime:
    """T from the `at` parameter: an ISO 8601 moment (a time without an offset is plant time); now when empty.

    Raises BadMoment with a message naming what to send.
    """
    if value is None or not value.strip():
        return timezone.now()
    text = value.strip()
    try:
        moment = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise BadMoment(
            f"at must be an ISO 8601 moment such as 2026-12-01T08:00:00+08:00 (plant time without an offset), "
            f"got {value[:40]!r}"
        ) from None
    if not datetime.date(1970, 1, 1) <= moment.date() <= datetime.date(2199, 12, 31):
        raise BadMoment(f"at must fall between 1970-01-01 and 2199-12-31, got {value[:40]!r}")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=plant.tz)
    return moment


def gate_station_for_user(
    *,
    user: AbstractBaseUser | AnonymousUser,
    plant_code: str,
    line_code: str,
    station_code: str,
    capability: Iterable[str] = Capability.GATE_CHECK,
    plant_ids: Iterable[int] | None = None,
) -> Station:
    """The station, with its line and plant, where the user holds the capability; 404 otherwise (another
    plant's station is as unknown as a station that does not exist). `plant_ids` narrows further (an API
    token limited to some plants). One query, plus the user's memberships once per request."""
    allowed = plant_ids_for_user(user=user, capability=capability)
    stations = Station.objects.select_related("line__plant").filter(
        line__plant__code=plant_code, line__plant__is_active=True, line__code=line_code, code=station_code
    )
    if allowed is not None:
        stations = stations.filter(line__plant_id__in=allowed)
    if plant_ids is not None:
        stations = stations.filter(line__plant_id__in=set(plant_ids))
    station = stations.first()
    if station is None:
        raise Http404(f"no station {plant_code}/{line_code}/{station_code}")
    return station


# --- The rule ---------------------------------------------------------------------------------------


@dataclass
class _Required:
    """The courses a station requires with the plant-wide ones, and the highest minimum level of each."""

    codes: dict[int, str] = field(default_factory=dict)
    levels: dict[int, str] = field(default_factory=dict)

    def add(self, course_id: int, code: str, min_level: str) -> None:
        self.codes[course_id] = code
        if course_id not in self.levels or validity.level_rank(min_level) > validity.level_rank(self.levels[course_id]):
            self.levels[course_id] = min_level


def _requirements(*, stations: Sequence[Station]) -> dict[int, _Required]:
    """{station_id: its required courses and the plant's plant-wide ones}. One query."""
    plant_ids = {s.line.plant_id for s in stations}
    by_station: dict[int, _Required] = {s.id: _Required() for s in stations}
    rows = (
        Requirement.objects.filter(course__is_active=True)
        .filter(
            Q(scope=RequirementScope.STATION, station_id__in=[s.id for s in stations])
            | Q(scope=RequirementScope.PLANT, plant_id__in=plant_ids)
        )
        .order_by()
        .values_list("scope", "station_id", "plant_id", "course_id", "course__code", "min_level")
    )
    for scope, station_id, plant_id, course_id, code, min_level in rows:
        for station in stations:
            if (scope == RequirementScope.STATION and station.id == station_id) or (
                scope == RequirementScope.PLANT and station.line.plant_id == plant_id
            ):
                by_station[station.id].add(course_id, code, min_level)
    return by_station


def _closes_on(employee: Employee) -> datetime.date | None:
    """The employee's line's SOP + their plant's confirmation window (None: provisional passes count)."""
    if employee.line_id is None or employee.line.sop_date is None:
        return None
    return employee.line.sop_date + datetime.timedelta(days=employee.plant.confirmation_window_days)


def _course_reason(
    *,
    code: str,
    min_level: str,
    on_date: datetime.date,
    stored: Certification | None = None,
    closes_on: datetime.date | None = None,
    computed: object = None,
) -> GateReason | None:
    """Why a course is not met on D (None when it is), from the stored row (today onwards) or a computed
    CertificationAsOf (a past D)."""
    if computed is not None:
        if computed.meets(min_level):
            return None
        status, level, expires_on, revoked_on = (
            computed.status,
            computed.level,
            computed.expires_on,
            computed.revoked_on,
        )
    elif stored is None:
        return GateReason(MISSING, code)
    else:
        held = stored.held_on(on_date, closes_on=closes_on)
        if held.meets(on_date, min_level):
            return None
        status = stored.status_on(on_date, closes_on=closes_on)
        level, expires_on, revoked_on = (
            (held.level if held.valid_on(on_date) else None),
            held.expires_on,
            stored.revoked_on,
        )
    reason = _STATUS_REASON[CertificationStatus(status)]
    if reason == LEVEL_BELOW:
        return GateReason(LEVEL_BELOW, code, held=level or validity.DEFAULT_LEVEL, needed=min_level)
    if reason == EXPIRED:
        return GateReason(EXPIRED, code, expired_on=expires_on)
    if reason == REVOKED:
        return GateReason(REVOKED, code, revoked_on=revoked_on)
    if reason == PROVISIONAL_LAPSED:
        return GateReason(PROVISIONAL_LAPSED, code, lapsed_on=closes_on)
    return GateReason(reason, code)


def _decide(
    *,
    employee: Employee,
    station: Station,
    at: datetime.datetime,
    on_date: datetime.date,
    required: _Required,
    stored: dict[int, Certification],
    computed: dict[tuple[int, int], object] | None,
    override: OverrideInfo | None,
) -> GateDecision:
    plant = station.line.plant
    reasons: list[GateReason] = []
    if employee.status != EmployeeStatus.ACTIVE:
        reasons.append(GateReason(INACTIVE, status=employee.status))
    if employee.plant_id != plant.id:
        reasons.append(GateReason(OTHER_PLANT))
    closes_on = _closes_on(employee)
    for course_id, code in sorted(required.codes.items(), key=lambda item: item[1]):
        reason = _course_reason(
            code=code,
            min_level=required.levels[course_id],
            on_date=on_date,
            stored=stored.get(course_id),
            closes_on=closes_on,
            computed=None if computed is None else computed[(employee.id, course_id)],
        )
        if reason is not None:
            reasons.append(reason)
    notes = (NOTE_OTHER_LINE,) if employee.plant_id == plant.id and employee.line_id != station.line_id else ()
    # An override covers course reasons only: never a person who left or works at another plant.
    if override is not None and any(r.code in (INACTIVE, OTHER_PLANT) for r in reasons):
        override = None
    if not reasons:
        override = None  # allowed on their own certifications: nothing to override
    return GateDecision(
        employee_no=employee.employee_no,
        employee_id=employee.id,
        employee_name=employee.name,
        plant=plant.code,
        plant_id=plant.id,
        line=station.line.code,
        station=station.code,
        station_id=station.id,
        at=at.astimezone(plant.tz),
        date=on_date,
        reasons=tuple(reasons),
        notes=notes,
        override=override,
        computed=computed is not None,
    )


def _override_info(override: Override, *, plant: Plant) -> OverrideInfo:
    """Its window in the plant's time, as the terminal and the MES read it."""
    return OverrideInfo(
        id=override.id,
        granted_by=override.granted_by.get_username(),
        reason=override.reason,
        starts_at=override.starts_at.astimezone(plant.tz),
        ends_at=override.ends_at.astimezone(plant.tz),
    )


def _overrides(
    *, plant: Plant, employee_ids: Iterable[int], station_ids: Iterable[int], at: datetime.datetime
) -> dict[tuple[int, int], OverrideInfo]:
    """{(employee_id, station_id): the override in force at T (the latest granted)}. One query."""
    found: dict[tuple[int, int], OverrideInfo] = {}
    for override in (
        Override.objects.active_at(at)
        .filter(employee_id__in=set(employee_ids), station_id__in=set(station_ids))
        .select_related("granted_by")
        .order_by("granted_at", "id")
    ):
        found[(override.employee_id, override.station_id)] = _override_info(override, plant=plant)
    return found


def gate_check(*, station: Station, employee_no: str, at: datetime.datetime | None = None) -> GateDecision:
    """The gate's answer for one person at one station (the station from gate_station_for_user).

    Raises Employee.DoesNotExist for an unknown employee number. Three queries for D on or after the plant's
    today (four when an override applies); a past D adds the history's reads.
    """
    plant = station.line.plant
    at = at or timezone.now()
    on_date = at.astimezone(plant.tz).date()
    active_override = Override.objects.active_at(at).filter(employee_id=OuterRef("pk"), station_id=station.id)
    employee = (
        Employee.objects.select_related("line", "plant")
        .annotate(override_id=Subquery(active_override.order_by("-granted_at", "-id").values("id")[:1]))
        .get(employee_no=employee_no)
    )
    if on_date >= plant.local_today():
        certification = FilteredRelation(
            "course__certifications", condition=Q(course__certifications__employee=employee)
        )
        rows = (
            Requirement.objects.filter(course__is_active=True)
            .filter(
                Q(scope=RequirementScope.STATION, station_id=station.id)
                | Q(scope=RequirementScope.PLANT, plant_id=plant.id)
            )
            .annotate(certification=certification)
            .order_by()
            .values_list(
                "course_id",
                "course__code",
                "min_level",
                "certification__id",
                "certification__certified_on",
                "certification__expires_on",
                "certification__level",
                "certification__provisional",
                "certification__confirmed_certified_on",
                "certification__confirmed_expires_on",
                "certification__confirmed_level",
                "certification__revoked_on",
                "certification__attempts",
            )
        )
        required = _Required()
        stored: dict[int, Certification] = {}
        for (
            course_id,
            code,
            min_level,
            certification_id,
            certified_on,
            expires_on,
            level,
            provisional,
            confirmed_certified_on,
            confirmed_expires_on,
            confirmed_level,
            revoked_on,
            attempts,
        ) in rows:
            required.add(course_id, code, min_level)
            if certification_id is not None:
                stored[course_id] = Certification(
                    id=certification_id,
                    employee_id=employee.id,
                    course_id=course_id,
                    certified_on=certified_on,
                    expires_on=expires_on,
                    level=level,
                    provisional=bool(provisional),
                    confirmed_certified_on=confirmed_certified_on,
                    confirmed_expires_on=confirmed_expires_on,
                    confirmed_level=confirmed_level,
                    revoked_on=revoked_on,
                    attempts=attempts or 0,
                )
        computed = None
    else:
        required = _requirements(stations=[station])[station.id]
        stored = {}
        computed = certifications_as_of(pairs=[(employee.id, c) for c in required.codes], on_date=on_date)
    override = None
    if employee.override_id is not None:
        override = _override_info(
            Override.objects.select_related("granted_by").get(pk=employee.override_id), plant=plant
        )
    return _decide(
        employee=employee,
        station=station,
        at=at,
        on_date=on_date,
        required=required,
        stored=stored,
        computed=computed,
        override=override,
    )


@dataclass(frozen=True)
class GateCheckError:
    """One pair of a bulk check that could not be answered (an unknown employee or station)."""

    employee_no: str
    line: str
    station: str
    error: str
    detail: str

    def as_json(self) -> dict:
        return {
            "employee": self.employee_no,
            "line": self.line,
            "station": self.station,
            "error": self.error,
            "detail": self.detail,
        }


def gate_check_many(
    *, plant: Plant, checks: Sequence[tuple[str, str, str]], at: datetime.datetime | None = None
) -> list[GateDecision | GateCheckError]:
    """The gate for many (employee_no, line_code, station_code) at one plant and one moment, in the order
    given: a shift start's badge list in one round trip. A pair naming an unknown employee or a station that
    is not the plant's gets a GateCheckError. A constant number of queries whatever the number of pairs."""
    at = at or timezone.now()
    on_date = at.astimezone(plant.tz).date()
    station_keys = {(line, code) for _e, line, code in checks}
    stations = {
        (s.line.code, s.code): s
        for s in Station.objects.select_related("line__plant").filter(
            line__plant=plant,
            line__code__in={line for line, _c in station_keys},
            code__in={code for _l, code in station_keys},
        )
    }
    employees = {
        e.employee_no: e
        for e in Employee.objects.select_related("line", "plant").filter(employee_no__in={e for e, _l, _s in checks})
    }
    requirements = _requirements(stations=list(stations.values()))
    course_ids = {course_id for required in requirements.values() for course_id in required.codes}
    if on_date >= plant.local_today():
        stored: dict[int, dict[int, Certification]] = defaultdict(dict)
        for certification in Certification.objects.filter(
            employee_id__in=[e.id for e in employees.values()], course_id__in=course_ids
        ).only(
            "employee_id",
            "course_id",
            "certified_on",
            "expires_on",
            "level",
            "provisional",
            "confirmed_certified_on",
            "confirmed_expires_on",
            "confirmed_level",
            "revoked_on",
            "attempts",
        ):
            stored[certification.employee_id][certification.course_id] = certification
        computed = None
    else:
        stored = defaultdict(dict)
        pairs = {
            (employees[e].id, course_id)
            for e, line, code in checks
            if e in employees and (line, code) in stations
            for course_id in requirements[stations[(line, code)].id].codes
        }
        computed = certifications_as_of(pairs=pairs, on_date=on_date)
    overrides = _overrides(
        plant=plant,
        employee_ids=[e.id for e in employees.values()],
        station_ids=[s.id for s in stations.values()],
        at=at,
    )
    answers: list[GateDecision | GateCheckError] = []
    for employee_no, line_code, station_code in checks:
        station = stations.get((line_code, station_code))
        employee = employees.get(employee_no)
        if station is None:
            answers.append(
                GateCheckError(
                    employee_no,
                    line_code,
                    station_code,
                    "not found",
                    f"no station {plant.code}/{line_code}/{station_code}",
                )
            )
            continue
        if employee is None:
            answers.append(
                GateCheckError(employee_no, line_code, station_code, "not found", f"no employee {employee_no}")
            )
            continue
        answers.append(
            _decide(
                employee=employee,
                station=station,
                at=at,
                on_date=on_date,
                required=requirements[station.id],
                stored=stored[employee.id],
                computed=computed,
                override=overrides.get((employee.id, station.id)),
            )
        )
    return answers


def overrides_active(
    *, station_ids: Iterable[int] | None = None, plant: Plant | None = None, at: datetime.datetime | None = None
):
    """The overrides in force at T (default now) at these stations or this plant, soonest ending first, with
    their person, station, line and granter: the plant and line pages' list. One query."""
    at = at or timezone.now()
    overrides = Override.objects.active_at(at).select_related("employee", "station__line__plant", "granted_by")
    if station_ids is not None:
        overrides = overrides.filter(station_id__in=set(station_ids))
    if plant is not None:
        overrides = overrides.filter(station__line__plant=plant)
    return overrides.order_by("ends_at", "id")
