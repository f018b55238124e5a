"""Levels, provisional passes and checklists in the one validity rule (DOMAIN.md "Levels (ILUO)",
"Practical checklists", "Pre-SOP provisional passes"), at their edges and on Worked example 2's people."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.validity import certification_on, certification_state, checklist_passes, level_rank

PRACTICAL = ("practical",)
BOTH = ("theory", "practical")
SOP = dt.date(2027, 3, 1)
CLOSES = SOP + dt.timedelta(days=30)  # 2027-03-31: the first day R's virtual pass no longer counts


def test_it_ranks_l_below_u_below_o_and_a_pass_without_level_as_u() -> None:
    assert level_rank("L") < level_rank("U") < level_rank("O")
    assert level_rank(None) == level_rank("U")


def test_it_holds_the_level_of_the_latest_practical_pass() -> None:
    passes = [("practical", dt.date(2026, 10, 1), "O", False), ("practical", dt.date(2026, 11, 1), "L", False)]
    state = certification_state(
        needed_kinds=PRACTICAL, validity_months=None, passes=passes, on_date=dt.date(2026, 12, 1)
    )
    assert (state.valid, state.level) == (True, "L")
    # An L pass is valid but does not meet a U requirement; it meets an L one.
    assert state.meets("U") is False
    assert state.meets("L") is True
    before = certification_state(
        needed_kinds=PRACTICAL, validity_months=None, passes=passes, on_date=dt.date(2026, 10, 31)
    )
    assert (before.level, before.meets("O")) == ("O", True)


def test_it_renews_the_expiry_with_an_l_pass() -> None:
    passes = [("practical", dt.date(2025, 1, 10), "U", False), ("practical", dt.date(2026, 1, 5), "L", False)]
    state = certification_state(needed_kinds=PRACTICAL, validity_months=12, passes=passes, on_date=dt.date(2026, 6, 1))
    assert state.expires_on == dt.date(2027, 1, 5)
    assert (state.valid, state.level, state.meets("U")) == (True, "L", False)


def test_it_gives_a_theory_only_course_level_u_and_no_level_before_complete() -> None:
    state = certification_state(
        needed_kinds=("theory",), validity_months=None, passes=[("theory", dt.date(2026, 1, 1))]
    )
    assert state.level == "U"
    incomplete = certification_state(needed_kinds=BOTH, validity_months=None, passes=[("theory", dt.date(2026, 1, 1))])
    assert (incomplete.level, incomplete.meets("L")) == (None, False)


def test_it_takes_the_higher_level_of_two_passes_on_the_latest_day() -> None:
    day = dt.date(2026, 5, 5)
    passes = [("practical", day, "U", False), ("practical", day, "O", False), ("practical", day, "L", False)]
    assert certification_state(needed_kinds=PRACTICAL, validity_months=None, passes=passes).level == "O"


def test_it_counts_a_virtual_pass_until_the_confirmation_window_closes() -> None:
    # R of Worked example 2: a U pass on the virtual model on 2026-11-10, line SOP 2027-03-01, window 30 days.
    passes = [("practical", dt.date(2026, 11, 10), "U", True)]
    kwargs = {"needed_kinds": PRACTICAL, "validity_months": None, "passes": passes, "revoked_on": None}
    on_dec_1 = certification_on(**kwargs, on_date=dt.date(2026, 12, 1), closes_on=CLOSES)
    assert (on_dec_1.meets("U"), on_dec_1.provisional) == (True, True)
    last_day = certification_on(**kwargs, on_date=dt.date(2027, 3, 30), closes_on=CLOSES)
    assert last_day.meets("U") is True
    closed = certification_on(**kwargs, on_date=dt.date(2027, 3, 31), closes_on=CLOSES)
    assert (closed.valid, closed.complete, closed.meets("U")) == (False, False, False)
    confirmed = certification_on(**kwargs, on_date=dt.date(2026, 12, 1), closes_on=CLOSES, confirmed=True)
    assert confirmed.meets("U") is False
    # No line or no SOP date: provisional passes always count.
    assert certification_on(**kwargs, on_date=dt.date(2030, 1, 1), closes_on=None).meets("U") is True


def test_it_falls_back_to_an_earlier_confirmed_pass_when_the_window_closes() -> None:
    passes = [("practical", dt.date(2026, 6, 1), "L", False), ("practical", dt.date(2026, 11, 10), "O", True)]
    kwargs = {"needed_kinds": PRACTICAL, "validity_months": 12, "passes": passes, "revoked_on": None}
    before = certification_on(**kwargs, on_date=dt.date(2027, 1, 1), closes_on=CLOSES)
    assert (before.level, before.provisional, before.expires_on) == ("O", True, dt.date(2027, 11, 10))
    after = certification_on(**kwargs, on_date=dt.date(2027, 4, 1), closes_on=CLOSES)
    assert (after.level, after.provisional, after.expires_on) == ("L", False, dt.date(2027, 6, 1))


def test_it_never_makes_a_theory_pass_provisional() -> None:
    passes = [("theory", dt.date(2026, 11, 10), None, True), ("practical", dt.date(2026, 11, 10), "U", False)]
    state = certification_on(
        needed_kinds=BOTH,
        validity_months=None,
        passes=passes,
        revoked_on=None,
        on_date=dt.date(2027, 6, 1),
        closes_on=CLOSES,
    )
    # Only a practical pass is provisional: the theory pass on the same virtual course still counts.
    assert (state.complete, state.provisional) == (True, False)


@pytest.mark.parametrize(
    ("marks", "threshold", "expected"),
    [
        # Worked example 2's S: items 1, 2, 4 OK, item 3 (critical) not OK: fail, whatever else.
        ([(False, True), (False, True), (True, False), (False, True)], 100, False),
        ([(False, True), (False, True), (True, True), (False, True)], 100, True),
        ([(False, True), (False, False), (True, True), (False, True)], 100, False),
        # 2 of 3 non-critical OK = 66.6%: short of 67%, enough for 66%.
        ([(False, True), (False, False), (True, True), (False, True)], 67, False),
        ([(False, True), (False, False), (True, True), (False, True)], 66, True),
        ([(False, True), (False, False), (False, True), (False, True)], 75, True),
        ([(True, True)], 100, True),
        ([(False, False)], 0, True),
    ],
)
def test_it_passes_a_checklist_on_every_critical_item_and_the_threshold(
    marks: list[tuple[bool, bool]], threshold: int, expected: bool
) -> None:
    assert checklist_passes(marks=marks, threshold_pct=threshold) is expected
