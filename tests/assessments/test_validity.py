"""The one validity rule (assessments/validity.py) at its edges."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.validity import add_months, certification_state, expires_within, is_valid_on

BOTH = ("theory", "practical")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2025, 10, 1), 12, dt.date(2026, 10, 1)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 31), 24, dt.date(2028, 5, 31)),
    ],
)
def test_it_adds_months_keeping_the_day_or_clamping(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_it_expires_from_the_oldest_latest_pass_of_the_needed_kinds() -> None:
    state = certification_state(
        needed_kinds=BOTH,
        validity_months=12,
        passes=[("theory", dt.date(2026, 1, 10)), ("practical", dt.date(2026, 3, 5)), ("theory", dt.date(2025, 1, 1))],
        on_date=dt.date(2026, 6, 30),
    )
    assert state.latest_pass == {"theory": dt.date(2026, 1, 10), "practical": dt.date(2026, 3, 5)}
    assert state.certified_on == dt.date(2026, 3, 5)
    assert state.expires_on == dt.date(2027, 1, 10)
    assert state.valid is True


def test_it_is_invalid_on_the_expiry_day_itself_and_valid_the_day_before() -> None:
    passes = [("theory", dt.date(2025, 10, 1)), ("practical", dt.date(2025, 10, 1))]
    day_before = certification_state(needed_kinds=BOTH, validity_months=12, passes=passes, on_date=dt.date(2026, 9, 30))
    expiry_day = certification_state(needed_kinds=BOTH, validity_months=12, passes=passes, on_date=dt.date(2026, 10, 1))
    assert day_before.valid is True
    assert expiry_day.expires_on == dt.date(2026, 10, 1)
    assert expiry_day.valid is False


def test_it_needs_every_needed_kind() -> None:
    state = certification_state(
        needed_kinds=BOTH,
        validity_months=None,
        passes=[("practical", dt.date(2026, 1, 10))],
        on_date=dt.date(2026, 6, 1),
    )
    assert state.valid is False
    assert state.certified_on is None
    assert state.latest_pass == {"theory": None, "practical": dt.date(2026, 1, 10)}


def test_it_never_expires_without_validity() -> None:
    state = certification_state(
        needed_kinds=("practical",),
        validity_months=None,
        passes=[("practical", dt.date(2010, 1, 1))],
        on_date=dt.date(2040, 1, 1),
    )
    assert state.valid is True
    assert state.expires_on is None


def test_it_ignores_passes_dated_after_the_asked_date() -> None:
    state = certification_state(
        needed_kinds=("practical",),
        validity_months=None,
        passes=[("practical", dt.date(2026, 7, 1))],
        on_date=dt.date(2026, 6, 30),
    )
    assert state.valid is False


def test_a_revocation_cancels_earlier_passes_until_a_new_pass_after_it() -> None:
    passes = [("practical", dt.date(2026, 1, 10))]
    revoked = certification_state(
        needed_kinds=("practical",),
        validity_months=None,
        passes=passes,
        revoked_on=dt.date(2026, 3, 1),
        on_date=dt.date(2026, 4, 1),
    )
    before_revocation = certification_state(
        needed_kinds=("practical",),
        validity_months=None,
        passes=passes,
        revoked_on=dt.date(2026, 3, 1),
        on_date=dt.date(2026, 2, 1),
    )
    same_day_pass = certification_state(
        needed_kinds=("practical",),
        validity_months=None,
        passes=[*passes, ("practical", dt.date(2026, 3, 1))],
        revoked_on=dt.date(2026, 3, 1),
        on_date=dt.date(2026, 4, 1),
    )
    new_pass = certification_state(
        needed_kinds=("practical",),
        validity_months=None,
        passes=[*passes, ("practical", dt.date(2026, 3, 2))],
        revoked_on=dt.date(2026, 3, 1),
        on_date=dt.date(2026, 4, 1),
    )
    assert revoked.valid is False
    assert before_revocation.valid is True
    assert same_day_pass.valid is False
    assert new_pass.valid is True


def test_stored_dates_answer_validity_and_expiring_windows() -> None:
    certified, expires = dt.date(2025, 10, 1), dt.date(2026, 10, 1)
    assert is_valid_on(certified_on=certified, expires_on=expires, on_date=dt.date(2025, 9, 30)) is False
    assert is_valid_on(certified_on=certified, expires_on=expires, on_date=dt.date(2025, 10, 1)) is True
    assert expires_within(certified_on=certified, expires_on=expires, on_date=dt.date(2026, 6, 30), days=90) is False
    assert expires_within(certified_on=certified, expires_on=expires, on_date=dt.date(2026, 7, 3), days=90) is True
    assert expires_within(certified_on=certified, expires_on=expires, on_date=dt.date(2026, 10, 1), days=90) is False
    assert expires_within(certified_on=certified, expires_on=None, on_date=dt.date(2026, 7, 3), days=90) is False
