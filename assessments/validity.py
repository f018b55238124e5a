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
from typing import NamedTuple


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


# The levels a practical pass records (courses.models.Level's values; this module imports no model).
LEVEL_RANK = {"L": 1, "U": 2, "O": 3}
DEFAULT_LEVEL = "U"


def level_rank(level: str | None) -> int:
    """L < U < O; a pass recorded before levels existed (no level) counts as U, no level held ranks 0."""
    return LEVEL_RANK[level or DEFAULT_LEVEL]


@dataclass(frozen=True)
class CertificationState:
    latest_pass: dict[str, datetime.date | None]
    certified_on: datetime.date | None
    expires_on: datetime.date | None
    valid: bool
    # The level held (DOMAIN.md "Levels (ILUO)") once complete: the latest counting practical pass's level
    # (U when it has none), or U for a theory-only course; None while incomplete.
    level: str | None = None
    # The latest counting practical pass was delivered on the virtual model (DOMAIN.md "provisional").
    provisional: bool = False

    @property
    def complete(self) -> bool:
        return self.certified_on is not None

    def meets(self, min_level: str | None) -> bool:
        """Met on the state's date: valid and at least the requirement's minimum level (default U)."""
        return self.valid and self.complete and level_rank(self.level) >= level_rank(min_level)


def certification_state(
    *,
    needed_kinds: Sequence[str],
    validity_months: int | None,
    passes: Iterable[tuple],
    revoked_on: datetime.date | None = None,
    on_date: datetime.date | None = None,
    provisional_counts: bool = True,
) -> CertificationState:
    """Evaluate a certification from its passing, non-voided assessments.

    `passes` are (kind, assessed_on) or (kind, assessed_on, level, provisional) tuples of passing,
    non-voided results; failed attempts are not passed in because they never cancel a valid certification.
    With `on_date` None the state reflects everything recorded (the stored Certification row); with a
    date, only results dated on or before it count. With `provisional_counts` False, provisional
    (virtual-model) practical passes do not count at all: the confirmed state, and the state on any D on
    or after the employee's confirmation window closes (see provisional_counts_on).

    A revocation dated R (on or before D) cancels every pass dated on or before R:
    each needed kind then needs a new pass dated after R.
    expires_on = min over needed kinds of (latest pass of that kind) + validity.
    The level held is the latest counting practical pass's; two passes on that day: the higher level.
    """
    latest: dict[str, datetime.date | None] = dict.fromkeys(needed_kinds)
    practical_level: str | None = None
    practical_provisional = False
    revocation_applies = revoked_on is not None and (on_date is None or revoked_on <= on_date)
    for kind, assessed_on, *rest in passes:
        level = rest[0] if rest else None
        # Only a practical pass is provisional (DOMAIN.md); a theory test on a virtual course is not.
        provisional = kind == "practical" and len(rest) > 1 and bool(rest[1])
        if kind not in latest:
            continue
        if on_date is not None and assessed_on > on_date:
            continue
        if revocation_applies and assessed_on <= revoked_on:
            continue
        if provisional and not provisional_counts:
            continue
        current = latest[kind]
        # Same day as the latest practical: the higher level; confirmed beats provisional at the same level.
        if (
            kind == "practical"
            and current == assessed_on
            and (level_rank(level), not provisional) > (level_rank(practical_level), not practical_provisional)
        ):
            practical_level, practical_provisional = level, provisional
        if current is None or assessed_on > current:
            latest[kind] = assessed_on
            if kind == "practical":
                practical_level, practical_provisional = level, provisional
    dates = list(latest.values())
    if not dates or any(d is None for d in dates):
        return CertificationState(latest_pass=latest, certified_on=None, expires_on=None, valid=False)
    certified_on = max(dates)
    expires_on = add_months(min(dates), validity_months) if validity_months else None
    # With no date asked, "valid" means complete; comparing expiry is then the caller's job.
    valid = on_date is None or expires_on is None or on_date < expires_on
    needs_practical = "practical" in latest
    return CertificationState(
        latest_pass=latest,
        certified_on=certified_on,
        expires_on=expires_on,
        valid=valid,
        level=(practical_level or DEFAULT_LEVEL) if needs_practical else DEFAULT_LEVEL,
        provisional=needs_practical and practical_provisional,
    )


class Held(NamedTuple):  # a tuple: the export builds two per certification, 120,000 of them a plant
    """A stored certification's dates and level under one of its two states (all passes or confirmed)."""

    certified_on: datetime.date | None
    expires_on: datetime.date | None
    level: str | None
    provisional: bool

    def valid_on(self, on_date: datetime.date) -> bool:
        return is_valid_on(certified_on=self.certified_on, expires_on=self.expires_on, on_date=on_date)

    def meets(self, on_date: datetime.date, min_level: str | None) -> bool:
        return self.valid_on(on_date) and level_rank(self.level) >= level_rank(min_level)


def held_on(
    *,
    on_date: datetime.date,
    closes_on: datetime.date | None,
    counting: Held,
    confirmed: Held,
    confirmed_only: bool = False,
) -> Held:
    """Which of a stored certification's two states applies on D: the one counting provisional passes while
    the holder's confirmation window is open (`closes_on`), the confirmed one from the day it closes (and
    always for `confirmed_only` figures)."""
    if confirmed_only or not provisional_counts_on(on_date, closes_on):
        return confirmed
    return counting


def provisional_lapsed_on(
    *, on_date: datetime.date, closes_on: datetime.date | None, counting: Held, confirmed: Held
) -> bool:
    """Not valid on D only because the confirmation window has closed: counting provisional passes it would
    be, counting none it is not (status PROVISIONAL_LAPSED)."""
    return (
        not provisional_counts_on(on_date, closes_on) and counting.valid_on(on_date) and not confirmed.valid_on(on_date)
    )


def provisional_counts_on(on_date: datetime.date, closes_on: datetime.date | None) -> bool:
    """Provisional passes count on D while D < the employee's line's SOP + the plant's confirmation window
    (`closes_on`); with no line or no SOP date (closes_on None) they always count (DOMAIN.md)."""
    return closes_on is None or on_date < closes_on


def certification_on(
    *,
    needed_kinds: Sequence[str],
    validity_months: int | None,
    passes: Sequence[tuple],
    revoked_on: datetime.date | None,
    on_date: datetime.date,
    closes_on: datetime.date | None,
    confirmed: bool = False,
) -> CertificationState:
    """The state on D under DOMAIN.md's provisional rule (`confirmed`: counting no provisional pass at all)."""
    return certification_state(
        needed_kinds=needed_kinds,
        validity_months=validity_months,
        passes=passes,
        revoked_on=revoked_on,
        on_date=on_date,
        provisional_counts=not confirmed and provisional_counts_on(on_date, closes_on),
    )


@dataclass(frozen=True)
class ChecklistShortfall:
    """Why a marked checklist passes or fails: the critical items not OK (item 1 first), and the OK count of
    the non-critical items against the threshold."""

    critical_not_ok: tuple[int, ...]
    others_ok: int
    others: int
    threshold_pct: int

    @property
    def threshold_met(self) -> bool:
        # Integer arithmetic: 3 of 4 OK against 75% passes exactly, no float rounding. No non-critical
        # items: nothing to reach.
        return not self.others or self.others_ok * 100 >= self.threshold_pct * self.others

    @property
    def passes(self) -> bool:
        return not self.critical_not_ok and self.threshold_met


def checklist_shortfall(*, marks: Sequence[tuple[bool, bool]], threshold_pct: int) -> ChecklistShortfall:
    """The facts checklist_passes decides on, for saying why a practical failed (`marks`: (critical, ok) per
    item, item 1 first)."""
    others = [ok for critical, ok in marks if not critical]
    return ChecklistShortfall(
        critical_not_ok=tuple(number for number, (critical, ok) in enumerate(marks, 1) if critical and not ok),
        others_ok=sum(1 for ok in others if ok),
        others=len(others),
        threshold_pct=threshold_pct,
    )


def checklist_passes(*, marks: Sequence[tuple[bool, bool]], threshold_pct: int) -> bool:
    """A practical checklist's outcome (DOMAIN.md "Practical checklists"): `marks` are (critical, ok) per
    item. Every critical item OK, and the OK share of the non-critical items at least the threshold
    (no non-critical items: nothing to reach)."""
    return checklist_shortfall(marks=marks, threshold_pct=threshold_pct).passes


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
PROVISIONAL_LAPSED = "provisional_lapsed"


def status_on(
    *,
    certified_on: datetime.date | None,
    expires_on: datetime.date | None,
    revoked_on: datetime.date | None,
    attempts: int,
    on_date: datetime.date,
    expiring_days: int = 30,
    provisional_lapsed: bool = False,
) -> str:
    """The state on D of a certification whose dates describe D (the stored row, or certification_state on D).

    `revoked_on` is a revocation that applies on D (dated on or before it), `attempts` the non-voided
    results that count on D: revoked = a revocation applies and no pass after it completes the course;
    in progress = attempted, never certified; missing = never attempted. `provisional_lapsed`: the
    dates are the confirmed state and, counting provisional passes, it would be valid on D: not valid
    only because the confirmation window has closed.
    """
    if is_valid_on(certified_on=certified_on, expires_on=expires_on, on_date=on_date):
        if expires_within(certified_on=certified_on, expires_on=expires_on, on_date=on_date, days=expiring_days):
            return EXPIRING
        return VALID
    if provisional_lapsed:
        return PROVISIONAL_LAPSED
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
