"""The one simulator of assessment history shared by the demo plants and the scale dataset.

Who sits which kind of a course on which day, whether they pass or fail, when they
retake, give up, and renew before (or after) expiry. The validity rule itself (when a
certification expires) is assessments.validity's; this module only decides behaviour.

Two uses, two sets of Rules over the same code:
- DEMO_RULES: a small, rich history written through the ORM (devdata/demo/): theory
  scores around a realistic mean, at most three attempts, sessions on fixed weekdays
  (the `snap` hook), prerequisites checked before every attempt (the `may_sit` hook).
- SCALE_RULES: millions of rows written as COPY text (devdata/scale/): cheap draws,
  a give-up chance after each failure, some certifications never renewed.

Days are ordinals (date.toordinal()): the scale generator's inner loop writes millions
of rows and integer days keep it fast; the demo converts at its edges.

Issue #16 adds what a passing practical records beside pass or fail: its level (L/U/O, the
`level` draw: new people mostly L, experienced ones and team leaders some O), the marks of
a checklist (`checklist_marks`: a failed practical has a critical item not OK, or too few of
the others), and whether it was delivered on the virtual model before SOP (`virtual_rate`).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assessments import validity
from courses.models import AssessmentKind, Course

THEORY = AssessmentKind.THEORY.value

# emit(course, kind, day, score, passed) records one attempt; False: not recorded, stop simulating
# the course (the scale generator: the employee's share of rows is used up).
Emit = Callable[["CourseInfo", str, int, "int | None", bool], bool]


@dataclass(frozen=True)
class CourseInfo:
    """What the simulator needs of a course."""

    id: int
    code: str
    kinds: tuple[str, ...]  # Course.needed_kinds: theory first
    validity_months: int | None
    pass_mark: int
    prerequisite_ids: tuple[int, ...] = ()
    area: str = ""  # process area code (the scale generator groups station courses by it)
    uses_levels: bool = False  # a practical pass records L, U or O; else U
    delivery_mode: str = ""  # the course's (a result's default delivery mode)


def course_infos() -> dict[int, CourseInfo]:
    """Every active course of the catalog, with its prerequisites and process area."""
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in Course.prerequisites.through.objects.values_list("from_course_id", "to_course_id"):
        prerequisites[from_id].append(to_id)
    return {
        c.id: CourseInfo(
            id=c.id,
            code=c.code,
            kinds=c.needed_kinds,
            validity_months=c.validity_months,
            pass_mark=c.pass_mark,
            prerequisite_ids=tuple(sorted(prerequisites[c.id])),
            area=c.process_area.code if c.process_area else "",
            uses_levels=c.uses_levels,
            delivery_mode=c.delivery_mode,
        )
        for c in Course.objects.filter(is_active=True).select_related("process_area")
    }


@dataclass(frozen=True)
class Rules:
    """How people behave, as chances and day ranges (inclusive)."""

    first_pass_rate: float  # a practical evaluation (and a theory test when theory_mean is None)
    retake_pass_rate: float
    theory_mean: float | None  # None: pass or fail is drawn first, then a score on that side of the mark
    max_attempts: int | None  # per kind, before giving up for good
    give_up_rate: float  # after each failure
    retake_gap: tuple[int, int]
    # independent_kinds: every kind from the course's first day (a practical next_kind_gap days later),
    # passed or not; else one kind after the other (next_kind_rate: on a later day), stopping at a failed one.
    independent_kinds: bool
    next_kind_rate: float
    next_kind_gap: tuple[int, int]
    never_renewed_rate: float
    late_renewal_rate: float
    late_renewal: tuple[int, int]  # days after expiry
    early_renewal: tuple[int, int]  # days before expiry
    # Levels of practical passes in courses that use them (DOMAIN.md "Levels (ILUO)").
    novice_days: int = 90  # experience (days since hire) below which a pass is L at novice_l_rate
    novice_l_rate: float = 0.6
    veteran_days: int = 540  # experience from which a pass is O at veteran_o_rate
    veteran_o_rate: float = 0.15
    leader_o_rate: float = 0.7  # team leaders and people whose station needs O
    # A practical of a checklist course passed with one non-critical item not OK (the threshold allowing);
    # a failed one: a critical item not OK at critical_fail_rate, else too few of the others OK.
    imperfect_pass_rate: float = 0.15
    critical_fail_rate: float = 0.7
    # Before SOP: the share of a pre-SOP line's recent station practical passes taken on the virtual model.
    virtual_rate: float = 0.0


DEMO_RULES = Rules(
    first_pass_rate=0.93,
    retake_pass_rate=0.97,
    theory_mean=86,
    max_attempts=3,
    give_up_rate=0.0,
    retake_gap=(5, 14),
    independent_kinds=False,
    next_kind_rate=0.3,
    next_kind_gap=(1, 6),
    never_renewed_rate=0.0,  # the demo lets chosen certifications lapse itself (devdata/demo/history.py)
    late_renewal_rate=0.06,
    late_renewal=(3, 45),
    early_renewal=(7, 50),
    virtual_rate=0.6,
)

SCALE_RULES = Rules(
    first_pass_rate=0.85,
    retake_pass_rate=0.90,
    theory_mean=None,
    max_attempts=None,
    give_up_rate=0.10,
    retake_gap=(3, 27),
    independent_kinds=True,
    next_kind_rate=1.0,
    next_kind_gap=(0, 7),
    never_renewed_rate=0.04,
    late_renewal_rate=0.12,
    late_renewal=(1, 120),
    early_renewal=(0, 44),
    novice_l_rate=0.3,
    veteran_days=365,
    veteran_o_rate=0.12,
    virtual_rate=0.05,
)


class Simulator:
    """Draws every choice from one random.Random, so a seed gives the same history."""

    def __init__(
        self,
        *,
        rng: random.Random,
        rules: Rules,
        snap: Callable[[CourseInfo, int], int] | None = None,
    ) -> None:
        self.rng = rng
        self.rules = rules
        self.snap = snap  # moves a day to the course's next session day (None: any day)

    def _days(self, span: tuple[int, int]) -> int:
        low, high = span
        return low + int(self.rng.random() * (high - low + 1))

    def attempt(self, course: CourseInfo, kind: str, retake: bool) -> tuple[int | None, bool]:
        """(score or None, passed) of one attempt; a theory pass is always a score at or above the mark."""
        rules, rnd = self.rules, self.rng.random
        if kind == THEORY and rules.theory_mean is not None:
            score = max(35, min(100, round(self.rng.gauss(rules.theory_mean + (3 if retake else 0), 6))))
            return score, score >= course.pass_mark
        passed = rnd() < (rules.retake_pass_rate if retake else rules.first_pass_rate)
        if kind != THEORY:
            return None, passed
        mark = course.pass_mark
        score = mark + int(rnd() * (101 - mark)) if passed else max(0, mark - 1 - int(rnd() * 30))
        return score, score >= mark

    def level(self, course: CourseInfo, *, experience_days: int, leader: bool = False) -> str:
        """The level a practical pass records: U in a course without levels; else L for many new people,
        O for some experienced ones and most leaders (or people whose station needs O), U otherwise."""
        if not course.uses_levels:
            return "U"
        rules, draw = self.rules, self.rng.random()
        if leader:
            return "O" if draw < rules.leader_o_rate else "U"
        if experience_days < rules.novice_days:
            return "L" if draw < rules.novice_l_rate else "U"
        if experience_days >= rules.veteran_days and draw < rules.veteran_o_rate:
            return "O"
        return "U"

    def checklist_marks(self, critical: Sequence[bool], threshold_pct: int, passed: bool) -> list[bool] | None:
        """Every item's mark (True = OK) agreeing with `passed` under validity.checklist_passes;
        None when no marks can (a checklist whose outcome cannot fail)."""
        rnd = self.rng.random
        marks = [True] * len(critical)
        others = [i for i, c in enumerate(critical) if not c]
        criticals = [i for i, c in enumerate(critical) if c]
        if passed:
            if others and rnd() < self.rules.imperfect_pass_rate:
                marks[others[int(rnd() * len(others))]] = False
                if not validity.checklist_passes(
                    marks=list(zip(critical, marks, strict=True)), threshold_pct=threshold_pct
                ):
                    marks = [True] * len(critical)
            return marks
        if criticals and (not others or rnd() < self.rules.critical_fail_rate):
            marks[criticals[int(rnd() * len(criticals))]] = False
            return marks
        for index in others[::-1]:  # the last items first, until the threshold is missed
            marks[index] = False
            if not validity.checklist_passes(
                marks=list(zip(critical, marks, strict=True)), threshold_pct=threshold_pct
            ):
                return marks
        if criticals:
            marks = [True] * len(critical)
            marks[criticals[0]] = False
            return marks
        return None

    def take(
        self,
        course: CourseInfo,
        kind: str,
        day: int,
        *,
        end: int,
        emit: Emit,
        may_sit: Callable[[int], bool] | None = None,
    ) -> int | None:
        """Attempts of one kind from `day` until a pass: the day it passed, or None."""
        # The scale generator runs this millions of times: names are bound once.
        rules, snap, draw, rnd = self.rules, self.snap, self.attempt, self.rng.random
        max_attempts, give_up_rate = rules.max_attempts, rules.give_up_rate
        gap_low, gap_span = rules.retake_gap[0], rules.retake_gap[1] - rules.retake_gap[0] + 1
        if snap is not None:
            day = snap(course, day)
        attempt = 1
        while day <= end and (may_sit is None or may_sit(day)):
            score, passed = draw(course, kind, attempt > 1)
            if not emit(course, kind, day, score, passed):
                return None
            if passed:
                return day
            if attempt == max_attempts or (give_up_rate and rnd() < give_up_rate):
                return None
            attempt += 1
            day += gap_low + int(rnd() * gap_span)
            if snap is not None:
                day = snap(course, day)
        return None

    def train(
        self,
        course: CourseInfo,
        day: int,
        *,
        end: int,
        emit: Emit,
        may_sit: Callable[[int], bool] | None = None,
    ) -> list[int | None]:
        """Every needed kind of the course from `day`: the day each kind passed (None: not passed)."""
        rules = self.rules
        passed_on: list[int | None] = []
        start = day
        for index, kind in enumerate(course.kinds):
            if rules.independent_kinds:
                day = start if kind == THEORY else start + self._days(rules.next_kind_gap)
            elif index:
                previous = passed_on[-1]
                if previous is None:
                    break
                day = previous
                if self.rng.random() < rules.next_kind_rate:
                    day = previous + self._days(rules.next_kind_gap)
            passed_on.append(self.take(course, kind, day, end=end, emit=emit, may_sit=may_sit))
        return passed_on

    def renewal_day(self, course: CourseInfo, expires_on: int) -> int | None:
        """When the holder sits the course again: before expiry, sometimes late, sometimes never (None)."""
        rules, rnd = self.rules, self.rng.random
        if rules.never_renewed_rate and rnd() < rules.never_renewed_rate:
            return None
        if rnd() < rules.late_renewal_rate:
            return expires_on + self._days(rules.late_renewal)
        return expires_on - self._days(rules.early_renewal)

    def course_history(
        self,
        course: CourseInfo,
        day: int,
        *,
        end: int,
        emit: Emit,
        may_sit: Callable[[int], bool] | None = None,
    ) -> None:
        """A course without prerequisites from a first attempt on `day`, renewed until `end`."""
        while day <= end and (may_sit is None or may_sit(day)):
            passed_on = self.train(course, day, end=end, emit=emit, may_sit=may_sit)
            if not course.validity_months or None in passed_on:
                return
            renewal = self.renewal_day(course, expires_on(course, min(passed_on)))  # type: ignore[type-var]
            if renewal is None:
                return
            day = renewal


def expires_on(course: CourseInfo, first_pass: int) -> int:
    """The expiry of a certification whose earliest needed pass is on `first_pass` (validity's month rule)."""
    assert course.validity_months is not None
    return validity.add_months(datetime.date.fromordinal(first_pass), course.validity_months).toordinal()
