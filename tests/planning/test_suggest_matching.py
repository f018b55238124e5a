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


def test_the_plan_closing_more_gaps_is_the_suggestion(monkeypatch):
    """suggest_with_quality hands the manager the EDF plan when it closes more gaps than the solver's."""
    import datetime as dt

    from planning import quality
    from planning.inputs import LineInfo, PlanInputs

    inputs = PlanInputs(
        plant_id=1,
        plant_code="SY",
        today=dt.date(2027, 1, 1),
        confirmation_window_days=30,
        working_weekdays=frozenset(range(1, 6)),
        closures=frozenset(),
        lines={1: LineInfo(id=1, code="L1", name="", sop_date=dt.date(2027, 6, 1), target_pct=100, shift_codes=["A"])},
        courses={},
        people=[],
        sessions=[],
        pass_rates={},
        plant_pass_rate=0.9,
        authorisations={},
        trainer_names={},
        attendees={},
        plant_required={},
        station_required={},
    )
    solved, edf = quality.suggest(inputs), quality.baseline(inputs)
    figures = {id(solved): {"gaps_closed": 5, "sessions": 3}, id(edf): {"gaps_closed": 6, "sessions": 9}}
    monkeypatch.setattr(quality, "suggest", lambda *a, **k: solved)
    monkeypatch.setattr(quality, "baseline", lambda *a, **k: edf)
    monkeypatch.setattr(quality, "plan_figures", lambda inputs, plan: figures[id(plan)])
    suggestion, result = quality.suggest_with_quality(inputs)
    assert suggestion is edf and result["chosen"] == "baseline" and result["suggested"]["gaps_closed"] == 6
    figures[id(solved)]["gaps_closed"] = 6
    suggestion, result = quality.suggest_with_quality(inputs)
    assert suggestion is solved and result["chosen"] == "solver"  # same gaps, fewer sessions
