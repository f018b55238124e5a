"""The plain earliest-deadline-first greedy a suggested plan is measured against (planning/quality.py).

Same needs, same schedule of days and the same constraints as planning/suggest.py; only each day's choice
differs: the free trainers in a fixed order (their id), each taking the session whose most urgent attendee
has the earliest deadline among the courses they are authorised for. No solver, no weights.
"""

from __future__ import annotations

import time

from planning.inputs import PlanInputs
from planning.suggest import Request, Scheduler, Suggestion, build_needs


def edf_choice(day, free, groups, urgency):
    taken: set[tuple[int, int]] = set()
    out = []
    for trainer_id in free:
        best = None
        for group in groups:
            if trainer_id not in group.trainers:
                continue
            slots = -(-len(group.eligible) // group.seats)
            for index in range(slots):
                if (id(group), index) in taken:
                    continue
                key = (group.slot(index)[0].latest, group.course_id, group.shift)
                if best is None or key < best[0]:
                    best = (key, group, index)
                break  # a group's later slots are never more urgent than its first free one
        if best is not None:
            taken.add((id(best[1]), best[2]))
            out.append((trainer_id, best[1], best[2]))
    return out


def baseline(
    inputs: PlanInputs, *, line_ids: set[int] | None = None, buffer_days: int = 14, confirm: bool = False
) -> Suggestion:
    started = time.perf_counter()
    request = Request(frozenset(line_ids) if line_ids is not None else None, buffer_days, confirm)
    needs = build_needs(inputs, request)
    sessions, available, first, last = Scheduler(inputs, request, needs, edf_choice).run()
    return Suggestion(
        sessions=sessions,
        needs=needs,
        trainer_days_available=available,
        first_day=first,
        last_day=last,
        seconds=time.perf_counter() - started,
    )
