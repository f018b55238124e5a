"""The one validity rule: is a certification valid on D, and when does it expire.

Everything that answers "is E certified in C on D" (services, selectors, the
roll-up's SQL twin in assessments/readiness/sql.py, exports, the API) agrees with
certification_state(); tests/assessments/test_validity.py pins its edges.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def add_months(start: datetime.date, months: int) -> datetime.date:
    """Add calendar months, keeping the day or clamping to the month's last day.

    >>> add_months(datetime.date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


@dataclass(frozen=True)
class CertificationState:
    latest_pass: dict[str, datetime.date | None]
    certified_on: datetime.date | None
    expires_on: datetime.date | None
    valid: bool

    @property
    def complete(self) -> bool:
        return self.certified_on is not None


def certification_state(
    *,
    needed_kinds: Sequence[str],
    validity_months: int | None,
    passes: Iterable[tuple[str, datetime.date]],
    revoked_on: datetime.date | None = None,
    on_date: datetime.date | None = None,
) -> CertificationState:
    """Evaluate a certification from its passing, non-voided assessments.

    `passes` are (kind, assessed_on) pairs of passing, non-voided results; failed
    attempts are not passed in because they never cancel a valid certification.
    With `on_date` None the state reflects everything recorded (the stored
    Certification row); with a date, only results dated on or before it count.

    A revocation dated R (on or before D) cancels every pass dated on or before R:
    each needed kind then needs a new pass dated after R.
    expires_on = min over needed kinds of (latest pass of that kind) + validity.
    """
    latest: dict[str, datetime.date | None] = dict.fromkeys(needed_kinds)
    revocation_applies = revoked_on is not None and (on_date is None or revoked_on <= on_date)
    for kind, assessed_on in passes:
        if kind not in latest:
            continue
        if on_date is not None and assessed_on > on_date:
            continue
        if revocation_applies and assessed_on <= revoked_on:
            continue
        current = latest[kind]
        if current is None or assessed_on > current:
            latest[kind] = assessed_on
    dates = list(latest.values())
    if not dates or any(d is None for d in dates):
        return CertificationState(latest_pass=latest, certified_on=None, expires_on=None, valid=False)
    certified_on = max(dates)
    expires_on = add_months(min(dates), validity_months) if validity_months else None
    # With no date asked, "valid" means complete; comparing expiry is then the caller's job.
    valid = on_date is None or expires_on is None or on_date < expires_on
    return CertificationState(latest_pass=latest, certified_on=certified_on, expires_on=expires_on, valid=valid)


def revocation_in_force(revocations: Iterable[datetime.date], on_date: datetime.date) -> datetime.date | None:
    """Of a certification's revocation dates, the one certification_state applies on D: the latest dated on
    or before D. It cancels every pass an earlier revocation cancelled (and those after it, up to its date),
    so the earlier ones change nothing on D; a revocation dated after D does not apply yet.
    """
    return max((revoked_on for revoked_on in revocations if revoked_on <= on_date), default=None)


# The states of a certification on D (CertificationStatus's values; models.py imports this module, not back).
VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
REVOKED = "revoked"
IN_PROGRESS = "in_progress"
MISSING = "missing"


def status_on(
    *,
    certified_on: datetime.date | None,
    expires_on: datetime.date | None,
    revoked_on: datetime.date | None,
    attempts: int,
    on_date: datetime.date,
    expiring_days: int = 30,
) -> str:
    """The state on D of a certification whose dates describe D (the stored row, or certification_state on D).

    `revoked_on` is a revocation that applies on D (dated on or before it), `attempts` the non-voided
    results that count on D: revoked = a revocation applies and no pass after it completes the course;
    in progress = attempted, never certified; missing = never attempted.
    """
    if is_valid_on(certified_on=certified_on, expires_on=expires_on, on_date=on_date):
        if expires_within(certified_on=certified_on, expires_on=expires_on, on_date=on_date, days=expiring_days):
            return EXPIRING
        return VALID
    if certified_on is not None and expires_on is not None and on_date >= expires_on:
        return EXPIRED
    if revoked_on is not None and certified_on is None:
        return REVOKED
    if attempts:
        return IN_PROGRESS
    return MISSING


def is_valid_on(
    *, certified_on: datetime.date | None, expires_on: datetime.date | None, on_date: datetime.date
) -> bool:
    """Validity on D from a stored certification's dates (see certification_state)."""
    if certified_on is None or certified_on > on_date:
        return False
    return expires_on is None or on_date < expires_on


def expires_within(
    *, certified_on: datetime.date | None, expires_on: datetime.date | None, on_date: datetime.date, days: int
) -> bool:
    """Valid on D and D < expires_on <= D + days (DOMAIN.md "expiring within N days")."""
    if expires_on is None or not is_valid_on(certified_on=certified_on, expires_on=expires_on, on_date=on_date):
        return False
    return expires_on <= on_date + datetime.timedelta(days=days)


def completion(*, valid: int, required: int) -> float:
    """Met required courses / required courses; 1.0 for an empty required set (DOMAIN.md "Completion")."""
    return 1.0 if required == 0 else valid / required
