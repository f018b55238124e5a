"""The forecast (DOMAIN.md "Training plan and forecast"): planned and expected qualified per line and per
plant, day by day from today to the horizon, under both rules (`qualified`, `qualified_confirmed`).

Pure: it reads PlanInputs (planning/inputs.py, maybe changed by a scenario) and nothing else. A person's
figures change only on a few days (an expiry, a planned pass and its expiry, the confirmation window's
close, a hire or a leave), so each person is evaluated once per such segment and added to the days of
the segment with a difference array: the cost grows with people x courses, not with days.

A planned attendance counts as a pass of every kind the course needs, at the requirement's minimum level;
on a virtual-model session its practical is provisional. One simplification: under the confirmed rule a
virtual-model session of a course needing theory and practical fills nothing (its theory pass would count,
but a confirmed practical is then still needed, and the stored row keeps no confirmed per-kind dates).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from assessments import validity
from planning.inputs import Person, PlanInputs

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ForecastDay:
    date: datetime.date
    headcount: int
    planned_qualified: int
    expected_qualified: float
    planned_qualified_confirmed: int
    expected_qualified_confirmed: float
    target: int | None


@dataclass(frozen=True)
class LineForecast:
    line_id: int | None  # None: the whole plant
    code: str
    name: str
    sop_date: datetime.date | None
    target_pct: int | None
    days: list[ForecastDay]
    # The first day planned_qualified reaches the target (None: not within the horizon)
    reaches_target_on: datetime.date | None
    # People short of the target on the SOP date by the plan (0 when reached; None without an SOP date)
    short_at_sop: int | None

    @property
    def today(self) -> ForecastDay:
        return self.days[0]

    @property
    def target(self) -> int | None:
        return self.days[0].target if self.days else None

    def on(self, day: datetime.date) -> ForecastDay | None:
        index = (day - self.days[0].date).days if self.days else -1
        return self.days[index] if 0 <= index < len(self.days) else None

    @property
    def at_sop(self) -> ForecastDay | None:
        return self.on(self.sop_date) if self.sop_date else None


@dataclass(frozen=True)
class Forecast:
    today: datetime.date
    lines: dict[int, LineForecast]
    plant: LineForecast


def target_count(target_pct: int | None, headcount: int) -> int | None:
    """The qualified people a line needs: its target readiness of its headcount, rounded up."""
    if target_pct is None:
        return None
    return (target_pct * headcount + 99) // 100


@dataclass(frozen=True)
class _Fill:
    on: datetime.date
    until: datetime.date | None  # exclusive (None: never expires)
    virtual: bool


def planned_fills(inputs: PlanInputs) -> dict[tuple[int, int], list[_Fill]]:
    """{(person_id, course_id): the planned passes the plan gives them, dated after today}."""
    fills: dict[tuple[int, int], list[_Fill]] = defaultdict(list)
    for session in inputs.sessions:
        if session.on <= inputs.today:
            continue
        course = inputs.courses.get(session.course_id)
        months = course.validity_months if course else None
        until = validity.add_months(session.on, months) if months else None
        # Only a practical pass is provisional (DOMAIN.md): a virtual-model theory-only course passes plainly.
        provisional = session.virtual and (course is None or "practical" in course.needed_kinds)
        for person_id in session.attendee_ids:
            fills[(person_id, session.course_id)].append(_Fill(session.on, until, provisional))
    for key in fills:
        fills[key].sort(key=lambda fill: fill.on)
    return fills


def _person_on(
    person: Person,
    day: datetime.date,
    *,
    confirmed: bool,
    closes_on: datetime.date | None,
    fills: dict[tuple[int, int], list[_Fill]],
    inputs: PlanInputs,
) -> float | None:
    """The person's expected factor on D (None: not planned-qualified): 1 for every course met from today's
    records, the course's pass rate for each unmet course a planned pass fills."""
    counts = not confirmed and validity.provisional_counts_on(day, closes_on)
    factor = 1.0
    for course_id, min_level in person.required.items():
        held = person.held.get(course_id)
        if held is not None and (held[0] if counts else held[1]).meets(day, min_level):
            continue
        filled = False
        course = inputs.courses.get(course_id)
        # A theory-only course is held at U: no planned pass of it meets an O requirement.
        fillable = course is None or "practical" in course.needed_kinds or validity.level_rank(min_level) <= 2
        for fill in reversed(fills.get((person.id, course_id), ()) if fillable else ()):
            if fill.on > day:
                continue
            if fill.until is not None and day >= fill.until:
                continue
            if fill.virtual and not counts:
                continue
            filled = True
            break
        if not filled:
            return None
        factor *= inputs.pass_rate(course_id)
    return factor


def _change_days(
    person: Person,
    fills: dict[tuple[int, int], list[_Fill]],
    closes_on: datetime.date | None,
    start: datetime.date,
    end: datetime.date,
) -> list[datetime.date]:
    days = {start}
    candidates = [closes_on, person.active_from, person.active_until]
    for course_id in person.required:
        held = person.held.get(course_id)
        if held is not None:
            candidates += [held[0].certified_on, held[0].expires_on, held[1].certified_on, held[1].expires_on]
        for fill in fills.get((person.id, course_id), ()):
            candidates += [fill.on, fill.until]
    for day in candidates:
        if day is not None and start < day <= end:
            days.add(day)
    return sorted(days)


class _Series:
    """Difference arrays over the days of one line (or the plant)."""

    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.start = start
        self.size = (end - start).days + 1
        self.head = [0] * (self.size + 1)
        self.planned = [0] * (self.size + 1)
        self.expected = [0.0] * (self.size + 1)
        self.planned_c = [0] * (self.size + 1)
        self.expected_c = [0.0] * (self.size + 1)

    def add(self, first: datetime.date, stop: datetime.date, values: tuple[int, int, float, int, float]) -> None:
        """Add `values` to every day from `first` up to (not including) `stop`, clipped to the series."""
        a = max(0, (first - self.start).days)
        b = min(self.size, (stop - self.start).days)
        if a >= b:
            return
        for array, value in zip(
            (self.head, self.planned, self.expected, self.planned_c, self.expected_c), values, strict=True
        ):
            if value:
                array[a] += value
                array[b] -= value

    def add_one(self, array: list, first: datetime.date, stop: datetime.date, value: float) -> None:
        """Add `value` to one array from `first` up to (not including) `stop`, clipped to the series."""
        if first >= stop:
            return
        a = 0 if first <= self.start else (first - self.start).days
        b = self.size if stop == FAR else min(self.size, (stop - self.start).days)
        if a >= b:
            return
        array[a] += value
        array[b] -= value

    def days(self, target_pct: int | None) -> list[ForecastDay]:
        out: list[ForecastDay] = []
        head = planned = planned_c = 0
        expected = expected_c = 0.0
        for i in range(self.size):
            head += self.head[i]
            planned += self.planned[i]
            expected += self.expected[i]
            planned_c += self.planned_c[i]
            expected_c += self.expected_c[i]
            out.append(
                ForecastDay(
                    date=self.start + datetime.timedelta(days=i),
                    headcount=head,
                    planned_qualified=planned,
                    expected_qualified=round(expected, 6),
                    planned_qualified_confirmed=planned_c,
                    expected_qualified_confirmed=round(expected_c, 6),
                    target=target_count(target_pct, head),
                )
            )
        return out


FAR = datetime.date.max


def _stored_interval(person: Person, confirmed: bool) -> tuple[datetime.date, datetime.date]:
    """The days [start, stop) on which every required course is met by one of the stored states (the
    confirmed one, or the one counting provisional passes); start >= stop: never."""
    start, stop = datetime.date.min, FAR
    for course_id, min_level in person.required.items():
        held = person.held.get(course_id)
        if held is None:
            return FAR, FAR
        state = held[1] if confirmed else held[0]
        if state.certified_on is None or validity.level_rank(state.level) < validity.level_rank(min_level):
            return FAR, FAR
        start = max(start, state.certified_on)
        if state.expires_on is not None:
            stop = min(stop, state.expires_on)
    return start, stop


def _add_stored(person: Person, closes_on: datetime.date | None, end: datetime.date, targets: list[_Series]) -> None:
    active_from = person.active_from or datetime.date.min
    active_until = person.active_until or FAR
    close = closes_on or FAR
    counting = _stored_interval(person, confirmed=False)
    confirmed = _stored_interval(person, confirmed=True)
    for series in targets:
        series.add_one(series.head, active_from, active_until, 1)
        # qualified: the counting state before the window closes, the confirmed one from then on
        first, stop = max(counting[0], active_from), min(counting[1], active_until, close)
        series.add_one(series.planned, first, stop, 1)
        series.add_one(series.expected, first, stop, 1.0)
        first, stop = max(confirmed[0], active_from, close), min(confirmed[1], active_until)
        series.add_one(series.planned, first, stop, 1)
        series.add_one(series.expected, first, stop, 1.0)
        first, stop = max(confirmed[0], active_from), min(confirmed[1], active_until)
        series.add_one(series.planned_c, first, stop, 1)
        series.add_one(series.expected_c, first, stop, 1.0)


def _summary(
    line_id: int | None, code: str, name: str, sop: datetime.date | None, target_pct: int | None, days: list
) -> LineForecast:
    reaches = None
    if target_pct is not None:
        reaches = next((d.date for d in days if d.headcount and d.planned_qualified >= d.target), None)
    short = None
    if sop is not None and days:
        at = days[0] if sop <= days[0].date else next((d for d in days if d.date == sop), None)
        if at is not None and at.target is not None:
            short = max(0, at.target - at.planned_qualified)
    return LineForecast(line_id, code, name, sop, target_pct, days, reaches, short)


def forecast(inputs: PlanInputs, *, line_ids: set[int] | None = None) -> Forecast:
    """Every line's forecast (of `line_ids` only when given) and the plant's over all its people."""
    today = inputs.today
    fills = planned_fills(inputs)
    chosen = [line_id for line_id in inputs.lines if line_ids is None or line_id in line_ids]
    series = {line_id: _Series(today, inputs.horizon(line_id)) for line_id in chosen}
    plant_end = max([inputs.horizon(line_id) for line_id in inputs.lines] or [inputs.horizon(None)])
    plant_series = _Series(today, plant_end)
    planned_people = {person_id for person_id, _course_id in fills}
    for person in inputs.people:
        line_series = series.get(person.line_id) if person.line_id is not None else None
        closes_on = inputs.closes_on(person.line_id)
        end = plant_end
        if person.id not in planned_people:
            # No planned pass: qualified exactly where every stored state meets (one interval per rule).
            targets = [plant_series] if line_series is None else [plant_series, line_series]
            _add_stored(person, closes_on, end, targets)
            continue
        change_days = _change_days(person, fills, closes_on, today, end)
        for first, stop in zip(change_days, [*change_days[1:], end + ONE_DAY], strict=False):
            if not person.active_on(first):
                continue
            counting = _person_on(person, first, confirmed=False, closes_on=closes_on, fills=fills, inputs=inputs)
            confirmed = _person_on(person, first, confirmed=True, closes_on=closes_on, fills=fills, inputs=inputs)
            values = (
                1,
                int(counting is not None),
                counting or 0.0,
                int(confirmed is not None),
                confirmed or 0.0,
            )
            plant_series.add(first, stop, values)
            if line_series is not None:
                line_series.add(first, stop, values)
    lines = {}
    for line_id in chosen:
        line = inputs.lines[line_id]
        lines[line_id] = _summary(
            line_id, line.code, line.name, line.sop_date, line.target_pct, series[line_id].days(line.target_pct)
        )
    return Forecast(
        today=today,
        lines=lines,
        plant=_summary(None, inputs.plant_code, inputs.plant_code, None, None, plant_series.days(None)),
    )
