"""18 months of plausible assessment history, planned in memory and written in bulk.

Each employee's history is simulated course by course in prerequisite order
(every result is checked against validity.certification_state as of its date,
so the DOMAIN rule "prerequisites valid on D" holds for every row), then
renewed before expiry, with the usual imperfections of a real plant: failed
theory tests and retakes, people who never took a course, certifications let
lapse, late renewals, new hires still in training, a few entries voided and
re-entered, a couple of revocations after quality incidents.

Each course's attempts, retakes and renewals come from the shared simulator
(devdata/history.py, DEMO_RULES); what only the demo does is planned here.

Issue #16: a passing practical records a level (mostly U, L for people in their first
months, O for experienced people, team leaders and stations that need O); a practical of
a course with a checklist carries every item's mark (a failed one mostly from a critical
item not OK); on a line whose SOP is ahead, recent station practicals are taken on the
virtual model (provisional passes, counting until SOP + the plant's confirmation window).
The levels, marks and delivery modes are drawn from a second random stream, so the
attempts and their outcomes are the same as without them.

Nothing here reads the clock: "today" is the plant's local date, passed in.
"""

from __future__ import annotations

import datetime
import heapq
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assessments import validity
from courses.models import AssessmentKind, DeliveryMode, Level
from devdata.history import DEMO_RULES, CourseInfo, Simulator
from employees.models import EmployeeStatus

DAY = datetime.timedelta(days=1)
HISTORY_MONTHS = 18
PROMOTION_RATE = 0.75  # of L passes followed by a U evaluation PROMOTION_AFTER days later
PROMOTION_AFTER = (21, 70)


@dataclass(frozen=True)
class PersonInfo:
    id: int
    employee_no: str
    hire_date: datetime.date
    status: str
    line_id: int | None
    role_code: str
    required: frozenset[int]
    extra: frozenset[int]  # cross-training: courses of other stations of the line
    o_course_ids: frozenset[int] = frozenset()  # required at level O (their station needs a trainer grade)


@dataclass(frozen=True)
class LineRates:
    gap_rate: float
    lapse_rate: float
    # A line whose SOP is ahead: practicals of these (station) courses from this day on may be on the virtual model.
    virtual_from: datetime.date | None = None
    virtual_course_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ChecklistInfo:
    """A course's current checklist revision: what a practical's marks are recorded against."""

    id: int
    critical: tuple[bool, ...]  # per item, item 1 first
    threshold_pct: int


@dataclass
class PlannedResult:
    employee_id: int
    course_id: int
    kind: str
    assessed_on: datetime.date
    score: int | None
    passed: bool
    attempt: int = 0
    void_reason: str = ""  # set: a wrong entry, voided and entered again (its twin follows)
    session_key: tuple[int, datetime.date] | None = None
    level: str | None = None  # a passing practical's
    delivery_mode: str = ""
    checklist_id: int | None = None
    checklist_marks: tuple[bool, ...] | None = None

    @property
    def is_provisional(self) -> bool:
        return self.kind == AssessmentKind.PRACTICAL and self.passed and self.delivery_mode == DeliveryMode.VIRTUAL


@dataclass(frozen=True)
class PlannedRevocation:
    employee_id: int
    course_id: int
    revoked_on: datetime.date
    reason: str


@dataclass
class HistoryPlan:
    results: list[PlannedResult] = field(default_factory=list)
    revocations: list[PlannedRevocation] = field(default_factory=list)
    # (course_id, held_on) -> employee ids, for sessions held in the last weeks.
    sessions: dict[tuple[int, datetime.date], list[int]] = field(default_factory=dict)
    planned_session: tuple[int, datetime.date, list[int]] | None = None


def prerequisite_closure(course_ids: Iterable[int], courses: dict[int, CourseInfo]) -> set[int]:
    closure: set[int] = set()
    stack = list(course_ids)
    while stack:
        course_id = stack.pop()
        if course_id in closure:
            continue
        closure.add(course_id)
        stack.extend(courses[course_id].prerequisite_ids)
    return closure


def topological_order(course_ids: set[int], courses: dict[int, CourseInfo]) -> list[int]:
    """Prerequisites first; ties by course code so the order is the same on every machine."""
    order: list[int] = []
    seen: set[int] = set()

    def visit(course_id: int) -> None:
        if course_id in seen:
            return
        seen.add(course_id)
        for prerequisite_id in sorted(courses[course_id].prerequisite_ids, key=lambda c: courses[c].code):
            if prerequisite_id in course_ids:
                visit(prerequisite_id)
        order.append(course_id)

    for course_id in sorted(course_ids, key=lambda c: courses[c].code):
        visit(course_id)
    return order


def _session_weekdays(course: CourseInfo) -> frozenset[int]:
    """Courses run on two fixed weekdays, so results cluster into sessions as in a real plant."""
    key = sum(map(ord, course.code))
    return frozenset({key % 5, (key * 3 + 1) % 5})


def _snap(course: CourseInfo, day: int) -> int:
    """The course's next session day from `day` (an ordinal: Monday is 1 modulo 7)."""
    weekdays = _session_weekdays(course)
    while (day - 1) % 7 not in weekdays:
        day += 1
    return day


class _PersonHistory:
    """One employee's results, simulated in memory."""

    def __init__(
        self,
        *,
        rng: random.Random,
        person: PersonInfo,
        courses: dict[int, CourseInfo],
        today: datetime.date,
        rates: LineRates,
        details: Simulator,
        checklists: dict[int, ChecklistInfo],
    ) -> None:
        self.rng = rng
        self.person = person
        self.courses = courses
        self.today = today
        self.rates = rates
        self.simulator = Simulator(rng=rng, rules=DEMO_RULES, snap=_snap)
        self.details = details  # levels, checklist marks and delivery modes: their own random stream
        self.checklists = checklists
        self.passes: dict[int, list[tuple[str, datetime.date, str | None, bool]]] = defaultdict(list)
        self.results: list[PlannedResult] = []
        window_start = validity.add_months(today, -HISTORY_MONTHS)
        # People hired before the window got (re)trained in its first months.
        self.start = max(person.hire_date, window_start + rng.randint(0, 150) * DAY)
        self.end = today
        if person.status == EmployeeStatus.LEFT:
            self.end = today - rng.randint(20, 250) * DAY
        elif person.status == EmployeeStatus.ON_LEAVE:
            self.end = today - rng.randint(5, 60) * DAY
        self.plan = prerequisite_closure(person.required | person.extra, courses)
        self.prerequisites_in_plan = {p for c in self.plan for p in courses[c].prerequisite_ids}

    # --- rules -------------------------------------------------------------------

    def state(self, course_id: int, on_date: datetime.date | None) -> validity.CertificationState:
        course = self.courses[course_id]
        return validity.certification_state(
            needed_kinds=course.kinds,
            validity_months=course.validity_months,
            passes=self.passes[course_id],
            on_date=on_date,
        )

    def prerequisites_valid(self, course_id: int, on_date: datetime.date) -> bool:
        return all(self.state(p, on_date).valid for p in self.courses[course_id].prerequisite_ids)

    def snap(self, course_id: int, day: datetime.date) -> datetime.date:
        return datetime.date.fromordinal(_snap(self.courses[course_id], day.toordinal()))

    # --- simulation ----------------------------------------------------------------

    def emit(self, course: CourseInfo, kind: str, day: int, score: int | None, passed: bool) -> bool:
        result = self.details_add(
            PlannedResult(self.person.id, course.id, kind, datetime.date.fromordinal(day), score, passed)
        )
        self.results.append(result)
        if passed:
            self.passes[course.id].append((kind, result.assessed_on, result.level, result.is_provisional))
            if result.level == Level.L:
                self.promote(result)
        return True

    def promote(self, result: PlannedResult) -> None:
        """Most people passed at L are evaluated again after some weeks of supervised work and reach U."""
        rnd = self.details.rng.random
        if rnd() >= PROMOTION_RATE:
            return
        day = result.assessed_on + (PROMOTION_AFTER[0] + int(rnd() * (PROMOTION_AFTER[1] - PROMOTION_AFTER[0]))) * DAY
        if day > self.end:
            return
        again = self.details_add(PlannedResult(self.person.id, result.course_id, result.kind, day, None, True))
        again.level = Level.U
        self.results.append(again)
        self.passes[result.course_id].append((again.kind, day, again.level, again.is_provisional))

    def details_add(self, result: PlannedResult) -> PlannedResult:
        """The delivery mode of a result and, of a practical, its level (a pass's) and checklist marks."""
        course = self.courses[result.course_id]
        result.delivery_mode = course.delivery_mode
        if result.kind != AssessmentKind.PRACTICAL:
            return result
        details, rates, person = self.details, self.rates, self.person
        if (
            rates.virtual_from is not None
            and result.assessed_on >= rates.virtual_from
            and course.id in rates.virtual_course_ids
            and details.rng.random() < details.rules.virtual_rate
        ):
            result.delivery_mode = DeliveryMode.VIRTUAL
        if result.passed:
            result.level = details.level(
                course,
                experience_days=(result.assessed_on - person.hire_date).days,
                leader=person.role_code == "TL" or course.id in person.o_course_ids,
            )
        checklist = self.checklists.get(course.id)
        if checklist is not None:
            marks = details.checklist_marks(checklist.critical, checklist.threshold_pct, result.passed)
            if marks is not None:
                result.checklist_id, result.checklist_marks = checklist.id, tuple(marks)
        return result

    def train(self, course_id: int, day: datetime.date) -> datetime.date | None:
        """Take every needed kind of the course from `day` on; the certification date, or None."""
        course = self.courses[course_id]

        def may_sit(ordinal: int) -> bool:
            return self.prerequisites_valid(course_id, datetime.date.fromordinal(ordinal))

        passed_on = self.simulator.train(
            course, day.toordinal(), end=self.end.toordinal(), emit=self.emit, may_sit=may_sit
        )
        if len(passed_on) < len(course.kinds) or None in passed_on:
            return None
        return datetime.date.fromordinal(max(passed_on))  # type: ignore[type-var]

    def run(self) -> list[PlannedResult]:
        rng, courses = self.rng, self.courses
        leaves = sorted(
            (c for c in self.person.required if c not in self.prerequisites_in_plan), key=lambda c: courses[c].code
        )
        skipped: set[int] = set()
        if leaves and rng.random() < self.rates.gap_rate:
            skipped = set(rng.sample(leaves, k=min(len(leaves), rng.choice((1, 1, 2)))))
        lapsable = {c for c in leaves if courses[c].validity_months == 12}
        lapses_left = (2 if rng.random() < 0.2 else 1) if rng.random() < self.rates.lapse_rate else 0
        lapse_from = validity.add_months(self.today, -17)
        lapse_to = validity.add_months(self.today, -13)

        renewals: list[tuple[datetime.date, int, int]] = []
        for course_id in topological_order(self.plan, courses):
            if course_id in skipped:
                self.maybe_fail_recently(course_id)
                continue
            prerequisite_dates = [self.state(p, None).certified_on for p in courses[course_id].prerequisite_ids]
            if any(d is None for d in prerequisite_dates):
                continue
            lead = rng.randint(60, 300) if course_id in self.person.extra - self.person.required else rng.randint(0, 20)
            day = max([self.start + lead * DAY, *(d + rng.randint(1, 10) * DAY for d in prerequisite_dates)])
            if self.train(course_id, day) is not None and courses[course_id].validity_months:
                heapq.heappush(renewals, (self.renewal_day(course_id), course_id, 0))

        while renewals:
            day, course_id, postponed = heapq.heappop(renewals)
            if day > self.end:
                continue  # due after today: shows as expiring soon
            latest = self.state(course_id, None)
            if lapses_left and course_id in lapsable and lapse_from <= max(latest.latest_pass.values()) <= lapse_to:
                lapses_left -= 1  # never renewed: expired 1-5 months ago
                continue
            if not self.prerequisites_valid(course_id, self.snap(course_id, day)):
                if postponed < 6:
                    heapq.heappush(renewals, (day + 7 * DAY, course_id, postponed + 1))
                continue
            if self.train(course_id, day) is not None:
                heapq.heappush(renewals, (self.renewal_day(course_id), course_id, 0))
        return self.results

    def renewal_day(self, course_id: int) -> datetime.date:
        expires_on = self.state(course_id, None).expires_on
        assert expires_on is not None
        renewal = self.simulator.renewal_day(self.courses[course_id], expires_on.toordinal())
        assert renewal is not None  # DEMO_RULES renew every certification; run() lets chosen ones lapse
        return datetime.date.fromordinal(renewal)

    def maybe_fail_recently(self, course_id: int) -> None:
        """Some people with a gap tried once lately and failed (in progress)."""
        if self.rng.random() >= 0.35:
            return
        day = self.snap(course_id, self.end - self.rng.randint(10, 60) * DAY)
        if day < self.start or day > self.end or not self.prerequisites_valid(course_id, day):
            return
        kind = self.courses[course_id].kinds[0]
        score = self.rng.randint(52, self.courses[course_id].pass_mark - 1) if kind == AssessmentKind.THEORY else None
        self.results.append(self.details_add(PlannedResult(self.person.id, course_id, kind, day, score, False)))


def plan_history(
    *,
    rng: random.Random,
    people: Sequence[PersonInfo],
    courses: dict[int, CourseInfo],
    today: datetime.date,
    rates_by_line: dict[int | None, LineRates],
    voided: int,
    revocations: int,
    sessions: int,
    planned_course_id: int | None,
    details_rng: random.Random | None = None,
    checklists: dict[int, ChecklistInfo] | None = None,
) -> HistoryPlan:
    plan = HistoryPlan()
    histories: dict[int, _PersonHistory] = {}
    details = Simulator(rng=details_rng or random.Random(0), rules=DEMO_RULES)
    checklists = checklists or {}
    for person in people:
        history = _PersonHistory(
            rng=rng,
            person=person,
            courses=courses,
            today=today,
            rates=rates_by_line[person.line_id],
            details=details,
            checklists=checklists,
        )
        histories[person.id] = history
        plan.results.extend(history.run())
    _plan_revocations(plan, rng=rng, histories=histories, courses=courses, today=today, count=revocations)
    _number_attempts(plan.results)
    _plan_voided(plan, rng=rng, courses=courses, count=voided, details=details, checklists=checklists)
    _plan_sessions(plan, today=today, count=sessions)
    if planned_course_id is not None:
        plan.planned_session = _plan_tomorrow(histories, course_id=planned_course_id, today=today)
    return plan


REVOCATION_REASONS = (
    "Quality incident: connector not fully locked on two packs; retraining required.",
    "Quality incident: weld seam defects escaped to the next station; sign-off withdrawn.",
    "Repeated deviation from the work instruction found in a layered process audit.",
)


def _plan_revocations(
    plan: HistoryPlan,
    *,
    rng: random.Random,
    histories: dict[int, _PersonHistory],
    courses: dict[int, CourseInfo],
    today: datetime.date,
    count: int,
) -> None:
    """Revoke a few valid station certifications; the first person is retrained and passes again."""
    candidates = []
    for history in histories.values():
        person = history.person
        if person.status != EmployeeStatus.ACTIVE or person.role_code != "OP":
            continue
        for course_id in sorted(person.required - history.prerequisites_in_plan):
            latest_day = max((r.assessed_on for r in history.results if r.course_id == course_id), default=None)
            state = history.state(course_id, today)
            if latest_day and state.valid and latest_day <= today - 45 * DAY and _is_station_skill(courses[course_id]):
                candidates.append((person.employee_no, course_id))
    if not candidates:
        return
    by_no = {h.person.employee_no: h for h in histories.values()}
    chosen = rng.sample(sorted(candidates), k=min(count, len(candidates)))
    for index, (employee_no, course_id) in enumerate(chosen):
        history = by_no[employee_no]
        revoked_on = today - rng.randint(12, 40) * DAY
        plan.revocations.append(
            PlannedRevocation(
                history.person.id, course_id, revoked_on, REVOCATION_REASONS[index % len(REVOCATION_REASONS)]
            )
        )
        if index == 0:
            # Retrained after the revocation: every needed kind again, dated after it.
            history.passes[course_id] = []  # the revocation cancels earlier passes for the rule check
            before = len(history.results)
            history.train(course_id, revoked_on + 7 * DAY)
            plan.results.extend(history.results[before:])


def _is_station_skill(course: CourseInfo) -> bool:
    """Safety courses are shared by everyone; revocations after an incident concern station skills."""
    return course.code.split("-")[0] not in ("HV", "EHS")


def _number_attempts(results: list[PlannedResult]) -> None:
    """attempt = the running count of (non-voided) results of that kind, as assessments_record numbers them."""
    counts: dict[tuple[int, int, str], int] = defaultdict(int)
    for result in sorted(results, key=lambda r: r.assessed_on):
        key = (result.employee_id, result.course_id, result.kind)
        counts[key] += 1
        result.attempt = counts[key]


def _plan_voided(
    plan: HistoryPlan,
    *,
    rng: random.Random,
    courses: dict[int, CourseInfo],
    count: int,
    details: Simulator,
    checklists: dict[int, ChecklistInfo],
) -> None:
    """A few typing mistakes: the wrong entry is voided and the right one entered the same day."""
    passing = [r for r in plan.results if r.passed]
    for result in rng.sample(passing, k=min(count, len(passing))):
        if result.kind == AssessmentKind.THEORY:
            assert result.score is not None
            wrong = int(str(result.score)[::-1]) if result.score % 10 and result.score < 100 else result.score - 30
            reason = f"Wrong score typed in ({wrong} instead of {result.score}); entered again."
            passed = wrong >= courses[result.course_id].pass_mark
            twin = PlannedResult(
                result.employee_id, result.course_id, result.kind, result.assessed_on, wrong, passed, result.attempt
            )
        else:
            reason = "Recorded as failed by mistake; the evaluation was passed. Entered again."
            twin = PlannedResult(
                result.employee_id, result.course_id, result.kind, result.assessed_on, None, False, result.attempt
            )
            checklist = checklists.get(result.course_id)
            marks = checklist and details.checklist_marks(checklist.critical, checklist.threshold_pct, False)
            if checklist is not None and marks:
                twin.checklist_id, twin.checklist_marks = checklist.id, tuple(marks)
        twin.delivery_mode = result.delivery_mode
        twin.void_reason = reason
        plan.results.append(twin)


def _plan_sessions(plan: HistoryPlan, *, today: datetime.date, count: int) -> None:
    """The biggest groups of results of one course on one day in the last four weeks become sessions."""
    groups: dict[tuple[int, datetime.date], set[int]] = defaultdict(set)
    for result in plan.results:
        if today - 28 * DAY <= result.assessed_on <= today:
            groups[(result.course_id, result.assessed_on)].add(result.employee_id)
    ranked = sorted(
        ((key, ids) for key, ids in groups.items() if len(ids) >= 3),
        key=lambda item: (-len(item[1]), -item[0][1].toordinal(), item[0][0]),
    )
    used_courses: set[int] = set()
    for (course_id, held_on), ids in ranked:
        if len(plan.sessions) >= count:
            break
        if course_id in used_courses:
            continue
        used_courses.add(course_id)
        plan.sessions[(course_id, held_on)] = sorted(ids)
    for result in plan.results:
        key = (result.course_id, result.assessed_on)
        if key in plan.sessions:
            result.session_key = key


def _plan_tomorrow(
    histories: dict[int, _PersonHistory], *, course_id: int, today: datetime.date
) -> tuple[int, datetime.date, list[int]] | None:
    """Tomorrow's session: the active people whose certification is missing, expired or expiring within 30 days."""
    tomorrow = today + DAY
    attendees = []
    for history in sorted(histories.values(), key=lambda h: h.person.employee_no):
        person = history.person
        if person.status != EmployeeStatus.ACTIVE or course_id not in person.required:
            continue
        if not history.prerequisites_valid(course_id, today):
            continue
        state = history.state(course_id, today)
        if not state.valid or (state.expires_on and state.expires_on <= today + 30 * DAY):
            attendees.append(person.id)
    return (course_id, tomorrow, attendees[:16]) if attendees else None
