"""Each day's matching of trainers to sessions (planning/suggest.py): CP-SAT gives the versatile trainer the
session only they can hold, where the earliest-deadline baseline lets them take the one a specialist could."""

from __future__ import annotations

import datetime as dt

from planning.baseline import edf_choice
from planning.suggest import CpSatChooser, Need, _Group

DAY = dt.date(2027, 1, 4)


def _need(person_id: int, course_id: int, latest: dt.date) -> Need:
    return Need(person_id, course_id, "A", DAY, latest, gap=True)


def _day():
    # G1 (course 1, due sooner): trainers 10 and 20; G2 (course 2): trainer 10 only.
    g1 = _Group(1, "A", [_need(1, 1, dt.date(2027, 1, 20)), _need(2, 1, dt.date(2027, 1, 20))], 4, [10, 20])
    g2 = _Group(2, "A", [_need(3, 2, dt.date(2027, 2, 20))], 4, [10])
    urgency = {id(n): (n.latest - DAY).days for g in (g1, g2) for n in g.eligible}
    return [10, 20], [g1, g2], urgency


def test_cp_sat_holds_both_sessions():
    free, groups, urgency = _day()
    chooser = CpSatChooser(seconds_per_day=1.0)
    chosen = sorted((t, g.course_id, i) for t, g, i in chooser(DAY, free, groups, urgency))
    assert chosen == [(10, 2, 0), (20, 1, 0)]
    assert chooser.solved_days == 1


def test_the_baseline_holds_one():
    free, groups, urgency = _day()
    chosen = sorted((t, g.course_id, i) for t, g, i in edf_choice(DAY, free, groups, urgency))
    assert chosen == [(10, 1, 0)]


def test_a_day_may_use_what_earlier_days_left():
    # 100 s over 10 days: up to DAY_SHARE (4) times the even share of what is left, never more than is left.
    chooser = CpSatChooser(seconds_per_day=2.0, budget=100.0, last_day=DAY + dt.timedelta(days=9))
    assert 39.0 < chooser.day_limit(DAY) <= 40.0
    assert 99.0 < chooser.day_limit(DAY + dt.timedelta(days=9)) <= 100.0  # the last day: all that is left
    spent = CpSatChooser(seconds_per_day=2.0, budget=0.0, last_day=DAY)
    assert spent.day_limit(DAY) == 0.01
    assert CpSatChooser(seconds_per_day=2.0).day_limit(DAY) == 2.0
