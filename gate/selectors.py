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
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404
from django.utils import timezone

from assessments import validity
from assessments.models import CertificationStatus
from assessments.selectors.certifications import certifications_as_of
from employees.access import Capability, plant_ids_for_user
from employees.models import Employee, EmployeeStatus, Plant, Station
from gate.models import Override
from gate.sql import PairRows, StoredCourse, gate_rows

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


def employee_number(value: str) -> str:
    """A badge or a typed number: full-width characters folded, spaces trimmed (`ＳＹ-000101 ` is SY-000101).
    Looked up as typed, then in upper case (`sy-000101`), as the session form's attendee numbers."""
    return unicodedata.normalize("NFKC", value).strip()


def gate_moment(value: str | None, *, plant: Plant | None) -> datetime.datetime:
    """T from the `at` parameter: an ISO 8601 moment (a time without an offset is plant time: without a
    plant it is returned naive, for the caller to place); now when empty.

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
    if timezone.is_naive(moment) and plant is not None:
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


class StationNotFound(LookupError):
    """No station with these codes at a plant the caller may ask."""


@functools.lru_cache(maxsize=64)
def _plant_stub(plant_id: int, code: str, time_zone: str) -> Plant:
    """An unsaved Plant with what the decision needs (its zone, today): no query on the hot path."""
    return Plant(id=plant_id, code=code, time_zone=time_zone)


def _course_reason(
    *, course: StoredCourse, on_date: datetime.date, closes_on: datetime.date | None, computed: object = None
) -> GateReason | None:
    """Why a required course is not met on D (None when it is): from the stored certification (today and
    later) or from a computed CertificationAsOf (a past D)."""
    min_level = course.min_level
    if computed is not None:
        if computed.meets(min_level):
            return None
        status, level, expires_on, revoked_on = (
            computed.status,
            computed.level,
            computed.expires_on,
            computed.revoked_on,
        )
    elif course.certification_id is None:
        return GateReason(MISSING, course.code)
    else:
        counting = validity.Held(course.certified_on, course.expires_on, course.level, course.provisional)
        confirmed = validity.Held(
            course.confirmed_certified_on, course.confirmed_expires_on, course.confirmed_level, False
        )
        held = validity.held_on(on_date=on_date, closes_on=closes_on, counting=counting, confirmed=confirmed)
        if held.meets(on_date, min_level):
            return None
        status = validity.status_on(
            certified_on=held.certified_on,
            expires_on=held.expires_on,
            revoked_on=course.revoked_on,
            attempts=course.attempts,
            on_date=on_date,
            provisional_lapsed=validity.provisional_lapsed_on(
                on_date=on_date, closes_on=closes_on, counting=counting, confirmed=confirmed
            ),
        )
        level = held.level if held.valid_on(on_date) else None
        expires_on, revoked_on = held.expires_on, course.revoked_on
    reason = _STATUS_REASON[CertificationStatus(status)]
    if reason == LEVEL_BELOW:
        return GateReason(LEVEL_BELOW, course.code, held=level or validity.DEFAULT_LEVEL, needed=min_level)
    if reason == EXPIRED:
        return GateReason(EXPIRED, course.code, expired_on=expires_on)
    if reason == REVOKED:
        return GateReason(REVOKED, course.code, revoked_on=revoked_on)
    if reason == PROVISIONAL_LAPSED:
        return GateReason(PROVISIONAL_LAPSED, course.code, lapsed_on=closes_on)
    return GateReason(reason, course.code)


def _reasons(
    *, pair: PairRows, on_date: datetime.date, computed: dict[tuple[int, int], object] | None
) -> list[GateReason]:
    """Every reason to deny, in the order the API lists them: the person's, then each course's by code."""
    if pair.employee_plant_id != pair.plant_id:
        # Another plant's person: the answer says so and nothing more (not their status or courses:
        # nothing of a plant is visible from another, README "Roles").
        return [GateReason(OTHER_PLANT)]
    reasons: list[GateReason] = []
    if pair.employee_status != EmployeeStatus.ACTIVE:
        reasons.append(GateReason(INACTIVE, status=pair.employee_status))
    closes_on = (
        None
        if pair.employee_sop_date is None
        else pair.employee_sop_date + datetime.timedelta(days=pair.employee_window_days)
    )
    for course in sorted(pair.courses.values(), key=lambda c: c.code):
        reason = _course_reason(
            course=course,
            on_date=on_date,
            closes_on=closes_on,
            computed=None if computed is None else computed[(pair.employee_id, course.course_id)],
        )
        if reason is not None:
            reasons.append(reason)
    return reasons


def _decide(
    *,
    pair: PairRows,
    plant: Plant,
    at: datetime.datetime,
    on_date: datetime.date,
    computed: dict[tuple[int, int], object] | None,
    override: OverrideInfo | None,
) -> GateDecision:
    reasons = _reasons(pair=pair, on_date=on_date, computed=computed)
    same_plant = pair.employee_plant_id == pair.plant_id
    # An override covers course reasons only: never a person who is not at work or of another plant; and a
    # person allowed on their own certifications needs none.
    if not reasons or any(r.code in (INACTIVE, OTHER_PLANT) for r in reasons):
        override = None
    return GateDecision(
        employee_no=pair.employee_no,
        employee_id=pair.employee_id,
        employee_name=pair.employee_name if same_plant else "",
        plant=pair.plant_code,
        plant_id=pair.plant_id,
        line=pair.line_code,
        station=pair.station_code,
        station_id=pair.station_id,
        at=at.astimezone(plant.tz),
        date=on_date,
        reasons=tuple(reasons),
        notes=(NOTE_OTHER_LINE,) if same_plant and pair.employee_line_id != pair.line_id else (),
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


def _answer(
    *, plant_code: str, checks: Sequence[tuple[str, str, str]], at: datetime.datetime | None, plant_ids
) -> list[GateDecision | GateCheckError]:
    """The gate for each check: one statement (gate.sql), then for a past D the history's reads, and the
    overrides that apply (only when one does)."""
    at = at or timezone.now()
    checks = [(employee_number(e), line, station) for e, line, station in checks]
    rows = gate_rows(plant_code=plant_code, checks=checks, at=at, plant_ids=plant_ids)
    # A number typed in lower case (a keyboard, not a scanner): once more in upper case, only for those.
    again = [
        i
        for i, (pair, (number, _l, _s)) in enumerate(zip(rows, checks, strict=True))
        if pair.station_id is not None and pair.employee_id is None and number != number.upper()
    ]
    if again:
        upper = [(checks[i][0].upper(), checks[i][1], checks[i][2]) for i in again]
        for i, pair in zip(
            again, gate_rows(plant_code=plant_code, checks=upper, at=at, plant_ids=plant_ids), strict=True
        ):
            rows[i] = pair
    found = [pair for pair in rows if pair.station_id is not None and pair.employee_id is not None]
    plant = _plant_stub(found[0].plant_id, found[0].plant_code, found[0].time_zone) if found else None
    on_date = at.astimezone(plant.tz).date() if plant else None
    computed = None
    if plant is not None and on_date < plant.local_today():
        computed = certifications_as_of(
            pairs={(pair.employee_id, course_id) for pair in found for course_id in pair.courses}, on_date=on_date
        )
    overrides: dict[int, OverrideInfo] = {}
    override_ids = {pair.override_id for pair in found if pair.override_id is not None}
    if override_ids:
        overrides = {
            o.id: _override_info(o, plant=plant)
            for o in Override.objects.filter(id__in=override_ids).select_related("granted_by")
        }
    answers: list[GateDecision | GateCheckError] = []
    for (employee_no, line_code, station_code), pair in zip(checks, rows, strict=True):
        if pair.station_id is None:
            detail = f"no station {plant_code}/{line_code}/{station_code}"
            answers.append(GateCheckError(employee_no, line_code, station_code, "not found", detail))
        elif pair.employee_id is None:
            answers.append(
                GateCheckError(employee_no, line_code, station_code, "not found", f"no employee {employee_no}")
            )
        else:
            answers.append(
                _decide(
                    pair=pair,
                    plant=plant,
                    at=at,
                    on_date=on_date,
                    computed=computed,
                    override=overrides.get(pair.override_id),
                )
            )
    return answers


def gate_check_codes(
    *,
    plant_code: str,
    line_code: str,
    station_code: str,
    employee_no: str,
    at: datetime.datetime | None = None,
    plant_ids: Iterable[int] | None = None,
) -> GateDecision:
    """The gate for one person at one station named by its codes, among the plants `plant_ids` (the caller's;
    None: every plant): the API's hot path, ONE query for D on or after the plant's today (two when an
    override applies). Raises StationNotFound, or Employee.DoesNotExist for an unknown employee number."""
    (answer,) = _answer(
        plant_code=plant_code, checks=[(employee_no, line_code, station_code)], at=at, plant_ids=plant_ids
    )
    if isinstance(answer, GateCheckError):
        if answer.detail.startswith("no station"):
            raise StationNotFound(answer.detail)
        raise Employee.DoesNotExist(answer.detail)
    return answer


def gate_check(*, station: Station, employee_no: str, at: datetime.datetime | None = None) -> GateDecision:
    """The gate for one person at a station already found (gate_station_for_user; the terminal's own).
    Raises Employee.DoesNotExist for an unknown employee number."""
    return gate_check_codes(
        plant_code=station.line.plant.code,
        line_code=station.line.code,
        station_code=station.code,
        employee_no=employee_no,
        at=at,
    )


def gate_check_many(
    *,
    plant: Plant,
    checks: Sequence[tuple[str, str, str]],
    at: datetime.datetime | None = None,
    plant_ids: Iterable[int] | None = None,
) -> list[GateDecision | GateCheckError]:
    """The gate for many (employee_no, line_code, station_code) at one plant and one moment, in the order
    given: a shift start's badge list in one round trip. A pair naming an unknown employee or a station that
    is not the plant's gets a GateCheckError. One query whatever the number of pairs (plus the overrides
    that apply, and the history's reads for a past D)."""
    if not checks:
        return []
    return _answer(plant_code=plant.code, checks=checks, at=at, plant_ids=plant_ids)


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
