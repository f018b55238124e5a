"""The scale dataset's assessments: one plant's history as COPY text (devdata/scale/generate.py)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

from django.utils import timezone

from courses.models import Requirement, RequirementScope
from devdata.history import SCALE_RULES, THEORY, CourseInfo, Simulator
from devdata.scale.organisation import COPY_BATCH_ROWS, HISTORY_DAYS, EmployeeRow, PlantPlan, _split

VOID_RATE = 0.005
VIRTUAL_DAYS = 120  # on a line whose SOP is ahead, practicals of the last this many days may be on the virtual model
VOID_REASONS = (
    "Entered for the wrong employee",
    "Wrong course selected",
    "Score typed incorrectly",
    "Duplicate entry",
)


# --- Assessments ---------------------------------------------------------------------------


class AssessmentHistory:
    """Writes one plant's assessment history as COPY text, drawing from the plant's own RNG.

    Per employee: the required courses first (onboarding), then cross-training on
    the other stations of the line, then electives, until the employee's share of
    the plant's total is used up. Each course is simulated by devdata.history (SCALE_RULES: 85% first
    time, 90% on a retake, 10% give up), renewals before expiry (some late, some
    never), 0.5% of entries voided and entered again. A practical pass records a level (the simulator's
    draw: new people often L, some experienced ones O); on a line whose SOP is ahead a share of the recent
    practicals are on the virtual model (provisional passes). Levels and delivery modes come from a second
    random stream, so the attempts and outcomes are those of a seed whatever these draws.
    """

    COLUMNS = (
        "employee_id, course_id, kind, assessed_on, score, passed, checklist_notes, notes, attempt, "
        "assessor_id, recorded_by_id, recorded_at, source, voided_at, voided_by_id, void_reason, level, delivery_mode"
    )

    def __init__(self, *, plan: PlantPlan, courses: dict[int, CourseInfo], today: datetime.date, seed: int) -> None:
        self.rng = random.Random(f"{seed}:assessments:{plan.index}")
        self.plan = plan
        self.courses = courses
        self.today = today.toordinal()
        self.window_start = self.today - HISTORY_DAYS
        self.trainer = plan.trainer_id
        self.now = timezone.now().isoformat()
        self.dates: dict[int, str] = {}
        self.attempts: dict[tuple[int, str], int] = {}
        # Kept per employee so a second pass (spending a plant's leftover) numbers attempts on.
        self.attempts_by_employee: dict[int, dict[tuple[int, str], int]] = {}
        self.buffer: list[str] = []
        self.employee_id = 0  # the employee being written, and how many of their rows are left
        self.left = 0
        self.simulator = Simulator(rng=self.rng, rules=SCALE_RULES)
        self.details = Simulator(rng=random.Random(f"{seed}:details:{plan.index}"), rules=SCALE_RULES)
        self.hire_day = 0  # the employee being written: their hire date and first virtual-model day (0: none)
        self.virtual_from = 0

    def _date(self, ordinal: int) -> str:
        text = self.dates.get(ordinal)
        if text is None:
            text = self.dates[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text

    def _timestamp(self, ordinal: int, hour: int) -> str:
        # Results are recorded the same day or a little later, never after "now".
        return self.now if ordinal >= self.today else f"{self._date(ordinal)} {hour:02d}:{hour * 7 % 60:02d}:00+00"

    def _emit(self, course: CourseInfo, kind: str, ordinal: int, score: int | None, passed: bool) -> bool:
        """Write one result (two when a wrong entry is voided first and the share allows); False: share used up."""
        left = self.left
        if left <= 0:
            return False
        rnd = self.rng.random
        score_text = r"\N" if score is None else str(score)
        key = (course.id, kind)
        attempt = self.attempts.get(key, 0) + 1
        recorded = self._timestamp(ordinal + int(rnd() * 3), 6 + int(rnd() * 12))
        day = self._date(ordinal)
        prefix = f"{self.employee_id}\t{course.id}\t{kind}\t{day}\t"
        signed = f"{self.trainer}\t{self.trainer}\t{recorded}\tseed"
        voided = rnd() < VOID_RATE and left >= 2
        # The course's own mode, except that a simulator course's results are written without one: the
        # provisional passes are only the chosen share on the lines whose SOP is ahead.
        level, mode = r"\N", "" if course.delivery_mode == "virtual" else course.delivery_mode
        if kind != THEORY:
            details = self.details
            if self.virtual_from and ordinal >= self.virtual_from and details.rng.random() < details.rules.virtual_rate:
                mode = "virtual"
            if passed:
                level = details.level(course, experience_days=ordinal - self.hire_day)
        if voided:
            # A wrong entry (the opposite outcome) voided the next day, then entered again.
            wrong_score, wrong_passed = score_text, not passed
            if score is not None:
                wrong_score = str(100 - score)
                wrong_passed = 100 - score >= course.pass_mark
            voided_at = self._timestamp(ordinal + 1 + int(rnd() * 3), 9)
            reason = VOID_REASONS[int(rnd() * len(VOID_REASONS))]
            self.buffer.append(
                f"{prefix}{wrong_score}\t{'t' if wrong_passed else 'f'}\t\t\t{attempt}\t{signed}\t"
                f"{voided_at}\t{self.trainer}\t{reason}\t\\N\t{mode}\n"
            )
        self.attempts[key] = attempt
        self.buffer.append(
            f"{prefix}{score_text}\t{'t' if passed else 'f'}\t\t\t{attempt}\t{signed}\t\\N\t\\N\t\t{level}\t{mode}\n"
        )
        self.left = left - (2 if voided else 1)
        return True

    def _has_room(self, _ordinal: int) -> bool:
        """Checked before each attempt is drawn, so a used-up share leaves the random stream as it was."""
        return self.left > 0

    def course(self, course: CourseInfo, ordinal: int) -> int:
        """One course's history from a first attempt on `ordinal`, renewals included; returns rows written."""
        before = self.left
        self.simulator.course_history(course, ordinal, end=self.today, emit=self._emit, may_sit=self._has_room)
        return before - self.left

    def employee(self, employee: EmployeeRow, program: list[int], electives: list[int], budget: int) -> int:
        """Write up to `budget` rows for one employee; returns the rows written."""
        rnd = self.rng.random
        self.attempts = self.attempts_by_employee.setdefault(employee.id, {})
        self.employee_id = employee.id
        self.left = budget
        self.hire_day = employee.hire_date.toordinal()
        ramping = employee.line_id is not None and employee.line_id in self.plan.ramping_line_ids
        self.virtual_from = self.today - VIRTUAL_DAYS if ramping else 0
        start = max(employee.hire_date.toordinal(), self.window_start)
        # Staff hired before the history window were certified in a first campaign over its first year.
        onboarding = 300 if employee.hire_date.toordinal() < self.window_start else 60
        span = max(1, self.today - start + 1)
        for position, course_id in enumerate(program):
            if self.left <= 0:
                break
            self.course(self.courses[course_id], start + int(rnd() * onboarding) + position)
        misses = 0
        while self.left > 0 and misses < 20 and electives:
            course_id = electives[int(rnd() * len(electives))]
            misses += self.course(self.courses[course_id], start + int(rnd() * span)) == 0
        return budget - self.left

    def drain(self) -> str:
        text = "".join(self.buffer)
        self.buffer.clear()
        return text


def _load_requirements(plan: PlantPlan, roles: dict[str, int]) -> None:
    """Role and station requirements of one plant, read before the COPY holds the connection."""
    role_codes = {v: k for k, v in roles.items()}
    for role_id, course_id, plant_id in (
        Requirement.objects.filter(scope=RequirementScope.ROLE)
        .order_by("id")
        .values_list("role_id", "course_id", "plant_id")
    ):
        if plant_id in (None, plan.plant.id):
            plan.required_by_role.setdefault(role_codes[role_id], []).append(course_id)
    for station_id, course_id in (
        Requirement.objects.filter(scope=RequirementScope.STATION, station__line__plant=plan.plant)
        .order_by("id")
        .values_list("station_id", "course_id")
    ):
        plan.required_by_station.setdefault(station_id, []).append(course_id)


def _plant_assessments(
    *,
    plan: PlantPlan,
    employees: list[EmployeeRow],
    courses: dict[int, CourseInfo],
    today: datetime.date,
    seed: int,
) -> Iterator[str]:
    """COPY text chunks of one plant's assessments: exactly plan.assessment_total rows when dates allow."""
    history = AssessmentHistory(plan=plan, courses=courses, today=today, seed=seed)
    rng = history.rng
    by_role, by_station = plan.required_by_role, plan.required_by_station
    line_courses = {
        line_id: sorted({c for s in station_ids for c in by_station.get(s, [])})
        for line_id, station_ids in plan.stations_by_line.items()
    }
    pool = [c for c in plan.course_pool if c in courses]
    quotas = _split(plan.assessment_total, len(employees))
    # Vary the shares (senior staff hold more records) while keeping the plant's total.
    for i in range(0, len(quotas) - 1, 2):
        shift = rng.randint(0, quotas[i] // 2)
        quotas[i] -= shift
        quotas[i + 1] += shift
    carry = 0
    for employee, quota in zip(employees, quotas, strict=True):
        required = list(dict.fromkeys(plan.plant_wide + by_role.get(employee.role, [])))
        required += [c for c in by_station.get(employee.station_id, []) if c not in required]
        cross = [c for c in line_courses.get(employee.line_id, []) if c not in required]
        rng.shuffle(cross)
        program = [c for c in required + cross if c in courses]
        budget = quota + carry
        written = history.employee(employee, program, pool, budget)
        carry = budget - written
        if len(history.buffer) >= COPY_BATCH_ROWS:
            yield history.drain()
    # Whoever could not use their share (hired days ago) left it to the others: spend it on electives.
    for employee in employees:
        if carry <= 0:
            break
        carry -= history.employee(employee, [], pool, carry)
    yield history.drain()
