"""How good a suggested plan is (issue #18), figures for the page, the scenario and the benchmark.

- gaps to close, gaps closed by the SOP date (less the buffer), attendances (prerequisites included),
  sessions and trainer-days used, trainer-days available;
- lower bounds: per course ceil(attendances / seats) summed (no plan closing every gap uses fewer sessions;
  the same over the plan's own attendances is at most its sessions), and the load, that bound over the
  trainer-days available (above 1: the trainers cannot close every gap whatever the plan);
- the same figures for the plain earliest-deadline-first greedy (planning/baseline.py) in the same run;
- the independent checker's problems (planning/feasibility.py) for the suggested sessions.
"""

from __future__ import annotations

import copy
import time
from collections import Counter

from planning.baseline import baseline
from planning.feasibility import check_plan
from planning.inputs import PlanInputs
from planning.suggest import DEFAULT_TIME_LIMIT, Suggestion, suggest


def _min_sessions(inputs: PlanInputs, counts: Counter) -> int:
    return sum(-(-n // max(1, inputs.courses[c].class_size)) for c, n in counts.items())


def plan_figures(inputs: PlanInputs, suggestion: Suggestion) -> dict:
    """The figures of one plan (the suggestion's or the baseline's)."""
    gaps = suggestion.gaps
    planned = [n for n in suggestion.needs if n.planned_on is not None]
    seats = sum(s.seats for s in suggestion.sessions)
    attendances = sum(len(s.attendee_ids) for s in suggestion.sessions)
    lead = [(n.latest - n.planned_on).days for n in planned]
    return {
        "gaps": len(gaps),
        "gaps_closed": sum(1 for n in gaps if n.planned_on is not None),
        "prerequisite_attendances": sum(1 for n in planned if not n.gap),
        "attendances": attendances,
        "sessions": len(suggestion.sessions),
        "trainer_days_used": len({(s.trainer_id, s.on) for s in suggestion.sessions}),
        "seats_filled_pct": round(100 * attendances / seats, 1) if seats else None,
        "min_sessions_for_its_attendances": _min_sessions(inputs, Counter(n.course_id for n in planned)),
        "mean_days_before_deadline": round(sum(lead) / len(lead), 1) if lead else None,
        "last_session_on": max((s.on for s in suggestion.sessions), default=None),
        "seconds": round(suggestion.seconds, 3),
    }


def checker_problems(inputs: PlanInputs, suggestion: Suggestion) -> list:
    """check_plan over the live plan plus the suggested sessions; the suggested sessions' problems."""
    combined = copy.copy(inputs)
    combined.sessions = [*inputs.sessions, *suggestion.sessions]
    keys = {s.key for s in suggestion.sessions}
    return [p for p in check_plan(combined) if p.session_key in keys]


def suggest_with_quality(
    inputs: PlanInputs,
    *,
    line_ids: set[int] | None = None,
    buffer_days: int = 14,
    confirm: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> tuple[Suggestion, dict]:
    """The suggestion and its quality figures: suggested vs baseline vs lower bound, and the checker."""
    solved = suggest(inputs, line_ids=line_ids, buffer_days=buffer_days, confirm=confirm, time_limit=time_limit)
    edf = baseline(inputs, line_ids=line_ids, buffer_days=buffer_days, confirm=confirm)
    solved_figures, edf_figures = plan_figures(inputs, solved), plan_figures(inputs, edf)
    # The day-by-day matching ranks by laxity, which can close fewer gaps than plain earliest-deadline-first
    # on some loads (bench section 9 found one): the manager gets whichever plan closes more gaps (then the
    # one with fewer sessions), and the page says which.
    chosen = "solver"
    if (edf_figures["gaps_closed"], -edf_figures["sessions"]) > (
        solved_figures["gaps_closed"],
        -solved_figures["sessions"],
    ):
        chosen = "baseline"
    suggestion = edf if chosen == "baseline" else solved
    started = time.perf_counter()
    problems = checker_problems(inputs, suggestion)
    check_seconds = time.perf_counter() - started
    needed = Counter(n.course_id for n in suggestion.needs)
    min_sessions = _min_sessions(inputs, needed)
    available = suggestion.trainer_days_available
    breaking = [p for p in problems if p.breaks]
    figures = {
        "suggested": edf_figures if chosen == "baseline" else solved_figures,
        "solver": solved_figures,
        "baseline": edf_figures,
        "chosen": chosen,
        "bounds": {
            "attendances_needed": len(suggestion.needs),
            "min_sessions": min_sessions,
            "trainer_days_available": available,
            "load": round(min_sessions / available, 3) if available else None,
        },
        # The required courses left open most often (course id -> people), for the page.
        "open_gaps_by_course": {
            str(c): n for c, n in Counter(n.course_id for n in suggestion.gaps if n.planned_on is None).most_common(20)
        },
        "solver_days": solved.solver_days,
        "first_day": suggestion.first_day,
        "last_day": suggestion.last_day,
        "checker": {
            "breaking": len(breaking),
            "warnings": len(problems) - len(breaking),
            "messages": [p.message for p in problems[:20]],
            "seconds": round(check_seconds, 3),
        },
    }
    return suggestion, figures
