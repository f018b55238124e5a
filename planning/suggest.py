"""The suggested plan (issue #18): sessions that close a line's (or the plant's) gaps by its SOP date.

Pure: it reads PlanInputs (planning/inputs.py) and returns PlanSessions keyed "n1", "n2", ...; the service
(planning/services/suggestions.py) writes them into a draft scenario a manager reviews before promoting.

What it closes: for each employee in scope, each required course not met on the SOP date (from today's
records, expiries and the provisional window applied on that day, and from the live plan's attendances:
those are never planned twice). With `confirm`, the confirmed rule is used instead (provisional passes do
not count), so a provisional pass gets a confirmation session, planned in a non-virtual mode (on the job)
before the SOP date, hence before SOP + the confirmation window. A line without an SOP date, or whose SOP
date less the buffer is not after today (it runs already), plans up to HORIZON_DAYS ahead.

The constraints every suggested session keeps (the independent checker, planning/feasibility.py, re-checks
them): dated on one of the plant's working days after today and at least `buffer_days` before the
attendee's SOP date; held by a trainer authorised for the course at the plant on that day, who holds no
other session that day (the live plan's sessions count); at most the course's class size; one shift's
people per session (people without a shift may join any); each attendance at least one day after a valid
or planned pass of each prerequisite, transitively (a missing prerequisite is planned first even when it is
not required itself); nobody in two sessions on one day.

How: a day-by-day list schedule. A need (person, course) is released once its prerequisites are passed or
planned the day before; each working day the free trainers are matched to the released groups (course,
shift) by a small CP-SAT model (each trainer at most one session; a session's value: least laxity first,
the deadline less the days the course's trainers still need for its waiting people, then the attendees it
serves, more for prerequisites others wait on), bounded to the best few candidate sessions per trainer and
a time limit per day taken from what is left of the overall one. The matching is what a plain greedy gets
wrong: a versatile trainer taking the group only they and a specialist could serve leaves
the specialist idle. When the solver gives no answer in time the day falls back to the greedy choice, so a
suggestion always comes back. planning/baseline.py is the plain earliest-deadline-first greedy it is
measured against (planning/quality.py).
"""

from __future__ import annotations

import bisect
import datetime
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from assessments import validity
from planning.inputs import VIRTUAL, PlanInputs, PlanSession

ONE_DAY = datetime.timedelta(days=1)
HORIZON_DAYS = 180
ON_THE_JOB = "on_the_job"
# The candidate sessions per trainer a day's matching considers (the rest are worth less to that trainer).
CANDIDATES_PER_TRAINER = 6
DEFAULT_TIME_LIMIT = 45.0
# At most this many sessions of one course for one shift on one day (bounds each day's scan).
SESSIONS_PER_GROUP_DAY = 4
# A day may take up to this many times its even share of the time limit left.
DAY_SHARE = 4
SLACK_CAP = 800  # days of slack beyond which deadlines no longer rank


@dataclass(eq=False)
class Need:
    """One attendance the plan wants: `person_id` passing `course_id` between `release` and `latest`."""

    person_id: int
    course_id: int
    shift: str
    release: datetime.date  # earliest day (prerequisites passed the day before)
    latest: datetime.date  # the last day it may be held (SOP - buffer, or a prerequisite's expiry)
    gap: bool  # a required course (False: a prerequisite planned so that one can be)
    waiting: set[int] = field(default_factory=set)  # prerequisite course ids not planned yet
    dependents: list[Need] = field(default_factory=list)
    planned_on: datetime.date | None = None
    rank: tuple = ()  # sort_key when it entered its pool

    @property
    def sort_key(self) -> tuple:
        return (self.latest, -len(self.dependents), self.person_id, self.course_id)


@dataclass
class Suggestion:
    sessions: list[PlanSession]
    needs: list[Need]
    # trainer-days free for the courses in need between the first day and the last deadline
    trainer_days_available: int
    first_day: datetime.date
    last_day: datetime.date
    seconds: float
    solver_days: int = 0  # days CP-SAT matched trainers (the others: no conflict, or the greedy fallback)

    @property
    def gaps(self) -> list[Need]:
        return [n for n in self.needs if n.gap]


@dataclass(frozen=True)
class Request:
    line_ids: frozenset[int] | None  # None: the whole plant
    buffer_days: int = 14
    confirm: bool = False


def _counts(inputs: PlanInputs, line_id: int | None, day: datetime.date, confirm: bool) -> bool:
    return not confirm and validity.provisional_counts_on(day, inputs.closes_on(line_id))


def build_needs(inputs: PlanInputs, request: Request) -> list[Need]:
    """Every attendance to plan: the gaps of the people in scope, then their missing prerequisites."""
    start = inputs.today + ONE_DAY
    live: dict[tuple[int, int], list[tuple[datetime.date, bool]]] = defaultdict(list)
    for s in inputs.sessions:
        if s.on > inputs.today:
            for person_id in s.attendee_ids:
                live[(person_id, s.course_id)].append((s.on, s.virtual))
    needs: list[Need] = []
    for person in inputs.people:
        if request.line_ids is not None and person.line_id not in request.line_ids:
            continue
        line = inputs.lines.get(person.line_id) if person.line_id is not None else None
        sop = line.sop_date if line is not None else None
        if sop is not None and sop - datetime.timedelta(days=request.buffer_days) > inputs.today:
            on, latest = sop, sop - datetime.timedelta(days=request.buffer_days)
        else:  # no SOP date, or one too near or past (the line runs): as soon as possible, within the horizon
            on = latest = inputs.today + datetime.timedelta(days=HORIZON_DAYS)
        counts = _counts(inputs, person.line_id, on, request.confirm)
        mine: dict[int, Need] = {}

        def passes_by(course_id: int, day: datetime.date, *, counting: bool) -> datetime.date | None:
            """A live planned pass on or before `day` still valid on it (its date), or None."""
            course = inputs.courses.get(course_id)
            months = course.validity_months if course else None
            days = [
                d
                for d, virtual in live.get((person.id, course_id), ())  # noqa: B023 (used at once)
                if d <= day and (months is None or day < validity.add_months(d, months)) and (counting or not virtual)
            ]
            return max(days, default=None)

        for course_id, min_level in sorted(person.required.items()):
            course = inputs.courses.get(course_id)
            if course is None or not course.is_active:
                continue
            held = person.held.get(course_id)
            if held is not None and (held[0] if counts else held[1]).meets(on, min_level):
                continue
            if passes_by(course_id, on, counting=counts) is not None:
                continue
            mine[course_id] = Need(person.id, course_id, person.shift, start, latest, gap=True)
        # Prerequisites, transitively: held valid over the whole window, planned live, or planned here first.
        todo = list(mine.values())
        while todo:
            need = todo.pop()
            course = inputs.courses[need.course_id]
            for prerequisite_id in course.prerequisites:
                held = person.held.get(prerequisite_id)
                if held is not None and held[0].valid_on(start) and held[0].valid_on(latest):
                    continue
                day = passes_by(prerequisite_id, latest, counting=True)
                if day is not None:
                    need.release = max(need.release, day + ONE_DAY)
                    continue
                if prerequisite_id not in inputs.courses:
                    need.latest = start - ONE_DAY  # cannot be planned: its prerequisite is unknown
                    continue
                prerequisite = mine.get(prerequisite_id)
                if prerequisite is None:
                    prerequisite = Need(person.id, prerequisite_id, person.shift, start, latest, gap=False)
                    mine[prerequisite_id] = prerequisite
                    todo.append(prerequisite)
                need.waiting.add(prerequisite_id)
                prerequisite.dependents.append(need)
        # A prerequisite is due the day before the earliest of the courses waiting on it (chains too).
        changed = True
        while changed:
            changed = False
            for need in mine.values():
                due = min((d.latest for d in need.dependents), default=need.latest) - ONE_DAY
                if need.dependents and due < need.latest:
                    need.latest = due
                    changed = True
        needs.extend(mine.values())
    return needs


def delivery_mode(inputs: PlanInputs, course_id: int, request: Request, line_id: int | None, day) -> str:
    """The course's own mode; on the job where a virtual pass would not count (confirmation wanted)."""
    mode = inputs.courses[course_id].delivery_mode
    if mode == VIRTUAL and not _counts(inputs, line_id, day, request.confirm):
        return ON_THE_JOB
    return mode


@dataclass
class _Group:
    """Released needs of one course that one session may serve on a day: one shift ('' : no shift)."""

    course_id: int
    shift: str
    eligible: list[Need]
    seats: int
    trainers: list[int]

    def slot(self, index: int) -> list[Need]:
        return self.eligible[index * self.seats : (index + 1) * self.seats]


# A day's choice: given the free trainers and the groups, the (trainer, group, slot index) sessions to hold.
Chooser = Callable[[datetime.date, list[int], list[_Group], dict[int, float]], list[tuple[int, _Group, int]]]


class Scheduler:
    """The list schedule shared by the suggestion and the baseline; only the day's choice differs."""

    def __init__(self, inputs: PlanInputs, request: Request, needs: list[Need], choose: Chooser) -> None:
        self.inputs = inputs
        self.request = request
        self.needs = needs
        self.choose = choose
        self.people = {p.id: p for p in inputs.people}
        self.trainer_busy: set[tuple[int, datetime.date]] = {
            (s.trainer_id, s.on) for s in inputs.sessions if s.on > inputs.today
        }
        self.person_busy: set[tuple[int, datetime.date]] = {
            (a, s.on) for s in inputs.sessions if s.on > inputs.today for a in s.attendee_ids
        }
        self.trainers_of: dict[int, list[int]] = defaultdict(list)
        for trainer_id, course_id in sorted(inputs.authorisations):
            self.trainers_of[course_id].append(trainer_id)
        self.sessions: list[PlanSession] = []

    def working_days(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        days, day = [], first
        while day <= last:
            if self.inputs.working_day(day):
                days.append(day)
            day += ONE_DAY
        return days

    def run(self) -> tuple[list[PlanSession], int, datetime.date, datetime.date]:
        inputs = self.inputs
        first = inputs.today + ONE_DAY
        open_needs = [n for n in self.needs if n.latest >= n.release]
        last = max((n.latest for n in open_needs), default=first)
        days = self.working_days(first, last)
        courses_in_need = {n.course_id for n in open_needs}
        trainers = sorted({t for c in courses_in_need for t in self.trainers_of.get(c, ())})
        # A trainer-day is available when free and authorised that day for some course in need.
        until: dict[int, datetime.date] = {}
        for (t, c), valid_until in inputs.authorisations.items():
            if c in courses_in_need:
                until[t] = max(until.get(t, datetime.date.min), valid_until or datetime.date.max)
        available = sum(1 for day in days for t in trainers if (t, day) not in self.trainer_busy and day <= until[t])
        # Needs waiting on a release day (prerequisites planned), then the released pools per (course, shift).
        pending_release: dict[datetime.date, list[Need]] = defaultdict(list)
        pools: dict[tuple[int, str], list[Need]] = defaultdict(list)
        for need in open_needs:
            if not need.waiting:
                pending_release[need.release].append(need)
        release_days = sorted(pending_release)
        release_at = 0
        remaining = sum(1 for _ in open_needs)
        for day in days:
            if remaining <= 0:
                break
            # Release every need whose release day has come (including ones released by yesterday's plans).
            while release_at < len(release_days) and release_days[release_at] <= day:
                for need in pending_release.pop(release_days[release_at], ()):
                    if need.latest >= day:
                        need.rank = need.sort_key
                        bisect.insort(pools[(need.course_id, need.shift)], need, key=lambda n: n.rank)
                release_at += 1
            free = [t for t in trainers if (t, day) not in self.trainer_busy]
            if not free:
                continue
            groups = self._groups(day, pools, set(free))
            if not groups:
                continue
            urgency = self.laxity(day, groups, pools)
            chosen = self.choose(day, free, groups, urgency)
            for trainer_id, group, index in chosen:
                taken = [
                    n for n in group.slot(index) if n.planned_on is None and (n.person_id, day) not in self.person_busy
                ]
                if len(taken) < group.seats:
                    # Fill up from the group's later entries another slot did not take.
                    for n in group.eligible[(index + 1) * group.seats :]:
                        if len(taken) >= group.seats:
                            break
                        if n.planned_on is None and (n.person_id, day) not in self.person_busy and n not in taken:
                            taken.append(n)
                if not taken:
                    continue
                self._hold(day, trainer_id, group, taken)
                remaining -= len(taken)
                for need in taken:
                    for dependent in need.dependents:
                        dependent.waiting.discard(need.course_id)
                        dependent.release = max(dependent.release, day + ONE_DAY)
                        course = inputs.courses[need.course_id]
                        if course.validity_months:
                            expiry = validity.add_months(day, course.validity_months)
                            dependent.latest = min(dependent.latest, expiry - ONE_DAY)
                        if not dependent.waiting and dependent.latest >= dependent.release:
                            if dependent.release not in pending_release:
                                bisect.insort(release_days, dependent.release, lo=release_at)
                            pending_release[dependent.release].append(dependent)
            # Drop planned and expired needs from the pools: those sessions were taken from, all every 10 days.
            touched = {(group.course_id, shift) for _t, group, _i in chosen for shift in (group.shift, "")}
            for key, pool in (
                list(pools.items())
                if day.toordinal() % 10 == 0
                else [(key, pools[key]) for key in touched if key in pools]
            ):
                kept = [n for n in pool if n.planned_on is None and n.latest > day]
                if kept:
                    pools[key] = kept
                else:
                    del pools[key]
        return self.sessions, available, first, last

    def laxity(self, day, groups, pools) -> dict[int, int]:
        """Each eligible need's slack: days to its deadline, less the days its course's trainers still need
        for the course's released needs (least laxity first: a course few trainers hold ranks sooner)."""
        pending: dict[int, int] = defaultdict(int)
        for (course_id, _shift), pool in pools.items():
            pending[course_id] += len(pool)
        out = {}
        for group in groups:
            sessions = -(-pending[group.course_id] // group.seats)
            days_needed = (sessions * 7) // (5 * len(self.trainers_of[group.course_id]))
            for need in group.eligible:
                out[id(need)] = need.latest.toordinal() - day.toordinal() - days_needed
        return out

    def _groups(self, day, pools, free: set[int]) -> list[_Group]:
        by_course: dict[int, dict[str, list[Need]]] = defaultdict(dict)
        for (course_id, shift), pool in pools.items():
            by_course[course_id][shift] = pool
        groups = []
        for course_id, shifts in by_course.items():
            trainers = [t for t in self.trainers_of.get(course_id, ()) if t in free]
            trainers = [t for t in trainers if self.inputs.authorised(t, course_id, day)]
            if not trainers:
                continue
            seats = max(1, self.inputs.courses[course_id].class_size)
            cap = seats * min(len(trainers), SESSIONS_PER_GROUP_DAY)
            anyone = shifts.get("", [])
            for shift, pool in shifts.items():
                if shift == "" and len(shifts) > 1:
                    continue  # people without a shift join the shift groups
                merged = pool if shift == "" or not anyone else _merge(pool, anyone)
                eligible = []
                for need in merged:
                    free_today = (need.person_id, day) not in self.person_busy
                    if need.planned_on is None and need.release <= day <= need.latest and free_today:
                        eligible.append(need)
                        if len(eligible) >= cap:
                            break
                if eligible:
                    groups.append(_Group(course_id, shift, eligible, seats, trainers))
        return groups

    def _hold(self, day, trainer_id, group: _Group, taken: list[Need]) -> None:
        self.trainer_busy.add((trainer_id, day))
        line_ids = {self.people[n.person_id].line_id for n in taken if n.person_id in self.people}
        line_id = next(iter(line_ids)) if len(line_ids) == 1 else None
        for need in taken:
            need.planned_on = day
            self.person_busy.add((need.person_id, day))
        self.sessions.append(
            PlanSession(
                key=f"n{len(self.sessions) + 1}",
                course_id=group.course_id,
                on=day,
                seats=group.seats,
                trainer_id=trainer_id,
                delivery_mode=delivery_mode(self.inputs, group.course_id, self.request, line_id, day),
                shift=group.shift,
                line_id=line_id,
                attendee_ids=sorted(n.person_id for n in taken),
            )
        )


def _merge(a: list[Need], b: list[Need]):
    """Two lists sorted by sort_key, merged."""
    i = j = 0
    while i < len(a) or j < len(b):
        if j >= len(b) or (i < len(a) and a[i].rank <= b[j].rank):
            yield a[i]
            i += 1
        else:
            yield b[j]
            j += 1


def _slot_value(slot: list[Need], slack: int) -> int:
    """Integer worth of holding a session for `slot` today: its most urgent attendee's deadline first (a day
    nearer outweighs any number of attendees, as earliest-deadline-first does), then the attendees it
    serves, more for those others wait on (prerequisites)."""
    served = sum(4 + len(n.dependents) for n in slot)
    return max(1, 1000 * (SLACK_CAP - max(-SLACK_CAP, min(slack, SLACK_CAP))) + min(served, 999))


def _candidates(free, groups, urgency) -> list[tuple[int, _Group, int, int]]:
    """(trainer, group, slot, value) for the best few slots per trainer."""
    values: dict[tuple[int, int], int] = {}
    per_trainer: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for g, group in enumerate(groups):
        slots = min(len(group.trainers), -(-len(group.eligible) // group.seats))
        for index in range(slots):
            slot = group.slot(index)
            value = _slot_value(slot, min(urgency[id(n)] for n in slot))
            values[(g, index)] = value
            for t in group.trainers:
                per_trainer[t].append((value, g, index))
    out = []
    for t in free:
        for value, g, index in sorted(per_trainer.get(t, ()), reverse=True)[:CANDIDATES_PER_TRAINER]:
            out.append((t, groups[g], index, value))
    return out


def greedy_choice(day, free, groups, urgency) -> list[tuple[int, _Group, int]]:
    """The fallback: trainers with the fewest options first, each taking the most valuable slot left."""
    candidates = _candidates(free, groups, urgency)
    options: dict[int, list[tuple[int, _Group, int]]] = defaultdict(list)
    for t, group, index, value in candidates:
        options[t].append((value, group, index))
    taken: set[tuple[int, int]] = set()
    out = []
    for t in sorted(options, key=lambda t: (len(options[t]), t)):
        for _value, group, index in sorted(options[t], key=lambda o: -o[0]):
            if (id(group), index) not in taken:
                taken.add((id(group), index))
                out.append((t, group, index))
                break
    return out


class CpSatChooser:
    """Each day's trainer-to-session matching by CP-SAT (maximum total value), with a time limit."""

    def __init__(
        self, seconds_per_day: float, *, budget: float | None = None, last_day: datetime.date | None = None
    ) -> None:
        self.seconds_per_day = seconds_per_day
        # With a budget: the seconds left of it carry over (most days are solved in milliseconds).
        self.deadline = time.perf_counter() + budget if budget is not None else None
        self.last_day = last_day
        self.solved_days = 0

    def day_limit(self, day: datetime.date) -> float:
        """This day's seconds: at least its even share of the budget, up to DAY_SHARE times the even share
        of what is left over the days left, never more than is left (a day's model is tiny, but a noisy
        machine can stall one past a fixed even share, and the day would fall back to the greedy choice)."""
        if self.deadline is None or self.last_day is None:
            return max(0.01, self.seconds_per_day)
        left = max(0.0, self.deadline - time.perf_counter())
        days_left = max(1, (self.last_day - day).days + 1)
        return max(0.01, min(left, max(self.seconds_per_day, DAY_SHARE * left / days_left)))

    def __call__(self, day, free, groups, urgency) -> list[tuple[int, _Group, int]]:
        from ortools.sat.python import cp_model

        candidates = _candidates(free, groups, urgency)
        if not candidates:
            return []
        # No two trainers want the same slot first: each taking their best is optimal, no model needed.
        best: dict[int, tuple[int, _Group, int, int]] = {}
        for candidate in candidates:
            if candidate[0] not in best or candidate[3] > best[candidate[0]][3]:
                best[candidate[0]] = candidate
        firsts = [(id(group), index) for _t, group, index, _v in best.values()]
        if len(set(firsts)) == len(firsts):
            return [(t, group, index) for t, group, index, _v in best.values()]
        model = cp_model.CpModel()
        by_trainer: dict[int, list] = defaultdict(list)
        by_slot: dict[tuple[int, int], list] = defaultdict(list)
        chosen_vars = []
        for t, group, index, value in candidates:
            var = model.new_bool_var("")
            by_trainer[t].append(var)
            by_slot[(id(group), index)].append(var)
            chosen_vars.append((var, value, t, group, index))
        for variables in (*by_trainer.values(), *by_slot.values()):
            if len(variables) > 1:
                model.add_at_most_one(variables)
        model.maximize(sum(value * var for var, value, *_ in chosen_vars))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = self.day_limit(day)
        solver.parameters.num_workers = 1
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return greedy_choice(day, free, groups, urgency)
        self.solved_days += 1
        return [(t, group, index) for var, _value, t, group, index in chosen_vars if solver.boolean_value(var)]


def suggest(
    inputs: PlanInputs,
    *,
    line_ids: set[int] | None = None,
    buffer_days: int = 14,
    confirm: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Suggestion:
    """The suggested sessions for `line_ids` (None: every employee of the plant) and their needs."""
    started = time.perf_counter()
    request = Request(frozenset(line_ids) if line_ids is not None else None, buffer_days, confirm)
    needs = build_needs(inputs, request)
    first = inputs.today + ONE_DAY
    last = max((n.latest for n in needs), default=first)
    span = max(1, (last - first).days + 1)
    # The time limit spread over the days, what a day leaves carried over; each day's model is small and
    # usually solved far sooner.
    chooser = CpSatChooser(seconds_per_day=time_limit * 0.8 / span, budget=time_limit * 0.8, last_day=last)
    sessions, available, first, last = Scheduler(inputs, request, needs, chooser).run()
    return Suggestion(
        sessions=sessions,
        needs=needs,
        trainer_days_available=available,
        first_day=first,
        last_day=last,
        seconds=time.perf_counter() - started,
        solver_days=chooser.solved_days,
    )
