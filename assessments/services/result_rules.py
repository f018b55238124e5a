"""The rules a result must pass (DOMAIN.md), checked for a whole batch at once.

Every entry path (single entry, session grid, Excel import, API) is held to the same rules through
assessments_validate, in a constant number of queries whatever the batch size; the refusals keep
their rule's code, so the grid and the import can place each one where it is fixed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from assessments import validity
from assessments.models import Assessment, Certification, TrainingSession
from assessments.selectors.certifications import revocation_dates

# Messages that remember their code and parameters (an import stores them, shown later in the reader's language).
from certtrack.translatable import Translatable
from certtrack.translatable import gettext as _
from courses.models import AssessmentKind, Checklist, Course, DeliveryMode, Level
from courses.selectors import authorisations_by_key, is_authorised
from employees.access import Capability, can
from employees.models import Employee, EmployeeStatus

LEVELS = frozenset(Level.values)


@dataclass
class ResultInput:
    """One result to record, as it comes from a form, an import row or the API."""

    employee: Employee
    course: Course
    kind: str
    assessed_on: datetime.date
    assessor: AbstractBaseUser
    score: int | None = None
    passed: bool | None = None
    checklist_notes: str = ""
    notes: str = ""
    # Practical passes: the level the assessor gives (L, U or O; None = U). Only courses that use levels
    # take L or O (DOMAIN.md "Levels (ILUO)").
    level: str | None = None
    # How it was delivered (courses.DeliveryMode); None = the session's, else the course's.
    delivery_mode: str | None = None
    # A practical of a course with a checklist: each item's mark (True = OK), item 1 first, against the
    # course's current revision; the outcome follows from them (checklist_resolve).
    checklist_marks: list[bool] | None = None
    checklist: Checklist | None = None  # set by checklist_resolve: the revision the marks are against


class Refusal(Translatable):
    """One reason a row was refused. It reads as its message; `code` names the rule, so a caller can
    place it (the grid shows a refused date once, on its date field, instead of on every row).

    A Translatable: it keeps its msgid and parameters, so an import preview stores it as a code and
    shows it again in its reader's language (certtrack.translatable), and the import names its column.
    """

    code: str

    def __new__(cls, message: str, code: str) -> Refusal:
        if isinstance(message, Translatable):
            refusal = super().__new__(cls, message.msgid, message.params)
        else:
            refusal = super().__new__(cls, str(message))
        refusal.code = code
        return refusal

    def __reduce__(self) -> tuple:  # copy and pickle (a message stored for the next page) keep the rule too
        return (_refusal, (self.msgid, self.params, self.code))


def _refusal(msgid: str, params: dict | None, code: str) -> Refusal:
    return Refusal(Translatable(msgid, params), code)


# Rules whose answer depends on the assessment date.
DATE_RULES = frozenset({"future_date", "before_hire", "unauthorised", "prerequisite", "duplicate"})

# Employees per query at most when a batch is checked against the recorded results (an import of thousands
# of rows): long IN lists meet SQLite's bound-parameter limit, and the results import read them so before.
QUERY_CHUNK = 1000


def checklists_current(*, course_ids: Iterable[int]) -> dict[int, Checklist]:
    """{course_id: the revision new results are marked against (the highest)} with its items. Two queries."""
    latest: dict[int, Checklist] = {}
    for checklist in (
        Checklist.objects.filter(course_id__in=set(course_ids))
        .order_by("course_id", "-revision")
        .prefetch_related("items")
    ):
        latest.setdefault(checklist.course_id, checklist)
    return latest


def checklist_outcome(*, checklist: Checklist, marks: Sequence[bool]) -> bool:
    """Pass or fail of a practical marked against a checklist (validity.checklist_passes)."""
    items = list(checklist.items.all())
    return validity.checklist_passes(
        marks=[(item.critical, bool(ok)) for item, ok in zip(items, marks, strict=True)],
        threshold_pct=checklist.threshold_pct,
    )


def checklist_resolve(*, rows: Sequence[ResultInput]) -> dict[int, list[Refusal]]:
    """Attach the current checklist revision to each practical of a course with one, and derive the
    outcome from the marks (DOMAIN.md "Practical checklists"); the refusals of marks that are missing,
    of the wrong number, given where there is no checklist, or contradicting a stated outcome."""
    errors: dict[int, list[Refusal]] = defaultdict(list)
    current = checklists_current(course_ids={r.course.id for r in rows if r.kind == AssessmentKind.PRACTICAL})
    for index, row in enumerate(rows):
        checklist = current.get(row.course.id) if row.kind == AssessmentKind.PRACTICAL else None
        if checklist is None:
            if row.checklist_marks:
                errors[index].append(
                    Refusal(
                        _("Course %(course)s has no checklist for this result: leave the checklist marks empty.")
                        % {"course": row.course.code},
                        "checklist",
                    )
                )
            continue
        items = len(checklist.items.all())
        if row.checklist_marks is None:
            errors[index].append(
                Refusal(
                    _("%(course)s is marked against checklist revision %(revision)s: mark each of its %(items)s items.")
                    % {"course": row.course.code, "revision": checklist.revision, "items": items},
                    "checklist",
                )
            )
            continue
        if len(row.checklist_marks) != items:
            errors[index].append(
                Refusal(
                    _("Checklist revision %(revision)s of %(course)s has %(items)s items; %(marked)s were marked.")
                    % {
                        "course": row.course.code,
                        "revision": checklist.revision,
                        "items": items,
                        "marked": len(row.checklist_marks),
                    },
                    "checklist",
                )
            )
            continue
        row.checklist = checklist
        outcome = checklist_outcome(checklist=checklist, marks=row.checklist_marks)
        if row.passed is not None and row.passed != outcome:
            errors[index].append(
                Refusal(
                    _("The checklist marks give %(outcome)s, not the outcome stated.")
                    % {"outcome": _("pass") if outcome else _("fail")},
                    "checklist",
                )
            )
            continue
        row.passed = outcome
    return dict(errors)


def level_refusals(*, row: ResultInput) -> list[Refusal]:
    """A level only on a practical pass, one of L, U, O, and L or O only for a course that uses levels."""
    if row.level in (None, ""):
        return []
    if row.level not in LEVELS:
        return [Refusal(_("The level must be L, U or O."), "level")]
    if row.kind != AssessmentKind.PRACTICAL or row.passed is False:
        return [Refusal(_("A level is given only on a passing practical evaluation."), "level")]
    if row.level != Level.U and not row.course.uses_levels:
        return [
            Refusal(
                _("Course %(course)s does not use levels: its practical passes are recorded as U.")
                % {"course": row.course.code},
                "level",
            )
        ]
    return []


def delivery_mode_of(*, row: ResultInput, session: TrainingSession | None) -> str:
    """How the result was delivered: stated, else the session's, else the course's."""
    if row.delivery_mode:
        return row.delivery_mode
    if session is not None:
        return session.delivery_mode
    return row.course.delivery_mode


def _passes(row: ResultInput) -> bool:
    """Whether the row records a pass (a theory score against the course's pass mark)."""
    if row.kind == AssessmentKind.THEORY:
        return row.score is not None and row.score >= row.course.pass_mark
    return bool(row.passed)


def _result_key(
    employee_id: int, course_id: int, kind: str, assessed_on: datetime.date, score: int | None, passed: bool | None
) -> tuple:
    """What makes two results the same: employee, course, kind, date and the result (score or pass/fail)."""
    return (employee_id, course_id, kind, assessed_on, score if kind == AssessmentKind.THEORY else passed)


def assessments_duplicates(*, rows: Sequence[ResultInput]) -> dict[int, str]:
    """Rows that would record a result twice, with the message that says so: the same employee, course,
    kind, date and result (score for theory, pass/fail for practical) as a non-voided recorded result,
    or as an earlier row of the batch. Every entry path refuses them through assessments_validate, and
    assessments_record asks again under the employees' row locks just before it inserts (a result saved
    meanwhile by another tab, tablet or import); the Excel import skips them at preview (a file imported
    twice changes nothing).
    """
    if not rows:
        return {}
    recorded: set[tuple] = set()
    employee_ids = sorted({r.employee.id for r in rows})
    course_ids = {r.course.id for r in rows}
    dates = {r.assessed_on for r in rows}
    for start in range(0, len(employee_ids), QUERY_CHUNK):
        for values in (
            Assessment.objects.filter(
                employee_id__in=employee_ids[start : start + QUERY_CHUNK],
                course_id__in=course_ids,
                assessed_on__in=dates,
                voided_at__isnull=True,
            )
            .values_list("employee_id", "course_id", "kind", "assessed_on", "score", "passed")
            .order_by()
        ):
            recorded.add(_result_key(*values))
    duplicates = {}
    for index, row in enumerate(rows):
        key = _result_key(row.employee.id, row.course.id, row.kind, row.assessed_on, row.score, row.passed)
        if key in recorded:
            duplicates[index] = _("already recorded")
        recorded.add(key)
    return duplicates


def assessments_revocation_notices(*, rows: Sequence[ResultInput]) -> dict[int, str]:
    """Passes that leave a revoked certification revoked, keyed by the first such row of each (employee,
    course): a revocation cancels every pass dated on or before it, so a restoring pass must be dated
    after it (DOMAIN.md). A pass dated on the revocation day is recorded but restores nothing; the
    trainer is told so, with the date. Said only when the certification stays revoked with every
    recorded pass and every pass of the batch counted (one pass of each needed kind after the date).
    """
    passing = [(index, row) for index, row in enumerate(rows) if _passes(row)]
    if not passing:
        return {}
    revoked = {
        (employee_id, course_id): revoked_on
        for employee_id, course_id, revoked_on in Certification.objects.filter(
            employee_id__in={r.employee.id for _i, r in passing},
            course_id__in={r.course.id for _i, r in passing},
            revoked_on__isnull=False,
        ).values_list("employee_id", "course_id", "revoked_on")
    }
    candidates = [
        (index, row)
        for index, row in passing
        if row.assessed_on <= revoked.get((row.employee.id, row.course.id), datetime.date.min)
    ]
    if not candidates:
        return {}
    keys = {(row.employee.id, row.course.id) for _i, row in candidates}
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on in (
        Assessment.objects.filter(
            employee_id__in={e for e, _c in keys},
            course_id__in={c for _e, c in keys},
            passed=True,
            voided_at__isnull=True,
        )
        .values_list("employee_id", "course_id", "kind", "assessed_on")
        .order_by()
    ):
        passes[(employee_id, course_id)].append((kind, assessed_on))
    for _index, row in passing:
        passes[(row.employee.id, row.course.id)].append((row.kind, row.assessed_on))
    notices: dict[int, str] = {}
    for index, row in candidates:
        key = (row.employee.id, row.course.id)
        if key not in keys:
            continue
        keys.discard(key)
        state = validity.certification_state(
            needed_kinds=row.course.needed_kinds,
            validity_months=row.course.validity_months,
            passes=passes[key],
            revoked_on=revoked[key],
        )
        if not state.complete:
            notices[index] = _(
                "%(employee)s's certification in %(course)s stays revoked: it was revoked on %(date)s, and "
                "a pass restores it only when dated after the revocation."
            ) % {"employee": row.employee.employee_no, "course": row.course.code, "date": revoked[key].isoformat()}
    return notices


def _prerequisite_gaps(rows: Sequence[ResultInput]) -> dict[int, list[Course]]:
    """For each row index, the prerequisites of its course not valid for its employee on its date."""
    through = Course.prerequisites.through
    prereqs_of: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in through.objects.filter(from_course_id__in={r.course.id for r in rows}).values_list(
        "from_course_id", "to_course_id"
    ):
        prereqs_of[from_id].append(to_id)
    needed_ids = {p for ps in prereqs_of.values() for p in ps}
    if not needed_ids:
        return {}
    employee_ids = {r.employee.id for r in rows}
    prereq_courses = {c.id: c for c in Course.objects.filter(id__in=needed_ids)}
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on in (
        Assessment.objects.filter(
            employee_id__in=employee_ids, course_id__in=needed_ids, passed=True, voided_at__isnull=True
        )
        .values_list("employee_id", "course_id", "kind", "assessed_on")
        .order_by()
    ):
        passes[(employee_id, course_id)].append((kind, assessed_on))
    # Each row's date applies the revocation in force on it, not the certification's latest one.
    revocations = revocation_dates(employee_ids=employee_ids, course_ids=needed_ids)
    gaps: dict[int, list[Course]] = {}
    for index, row in enumerate(rows):
        missing = []
        for prereq_id in prereqs_of.get(row.course.id, []):
            prereq = prereq_courses[prereq_id]
            state = validity.certification_state(
                needed_kinds=prereq.needed_kinds,
                validity_months=prereq.validity_months,
                passes=passes[(row.employee.id, prereq_id)],
                revoked_on=validity.revocation_in_force(
                    revocations.get((row.employee.id, prereq_id), ()), row.assessed_on
                ),
                on_date=row.assessed_on,
            )
            if not state.valid:
                missing.append(prereq)
        if missing:
            gaps[index] = sorted(missing, key=lambda c: c.code)
    return gaps


def assessment_date_refusals(
    *, employee: Employee, assessed_on: datetime.date, today: datetime.date | None = None
) -> list[Refusal]:
    """The rules of an assessment's date, which need nothing of the row but its employee: not after the
    plant-local today of the employee's plant (`today`, read once per plant by a caller of many rows),
    not before the hire date. assessments_validate holds every row to them; the results import also
    holds a row with bad cells to them, so its preview lists every problem of every row.
    """
    today = employee.plant.local_today() if today is None else today
    if assessed_on > today:
        return [Refusal(_("The assessment date may not be in the future."), "future_date")]
    if assessed_on < employee.hire_date:
        return [
            Refusal(
                _("The assessment date is before the hire date (%(hire_date)s).")
                % {"hire_date": employee.hire_date.isoformat()},
                "before_hire",
            )
        ]
    return []


def assessments_validate(
    *, rows: Sequence[ResultInput], recorded_by: AbstractBaseUser, session: TrainingSession | None = None
) -> dict[int, list[Refusal]]:
    """Check every rule of DOMAIN.md for every row; a constant number of queries for the batch."""
    errors: dict[int, list[Refusal]] = defaultdict(list)
    for index, refusals in checklist_resolve(rows=rows).items():
        errors[index].extend(refusals)

    def refuse(index: int, message: str, code: str) -> None:
        errors[index].append(Refusal(message, code))

    authorisations = authorisations_by_key(
        assessor_ids={r.assessor.id for r in rows},
        course_ids={r.course.id for r in rows},
        plant_ids={r.employee.plant_id for r in rows},
    )
    plant_today = {}
    for index, row in enumerate(rows):
        employee, course = row.employee, row.course
        if session is not None and (course.id != session.course_id or employee.plant_id != session.plant_id):
            refuse(
                index,
                _("This result does not belong to the session (%(course)s at %(plant)s).")
                % {"course": session.course.code, "plant": session.plant.code},
                "session",
            )
        if session is not None and session.is_cancelled:
            refuse(index, _("This session was cancelled: it takes no results."), "cancelled")
        if employee.plant_id not in plant_today:
            plant_today[employee.plant_id] = employee.plant.local_today()
        today = plant_today[employee.plant_id]
        if not (
            can(user=recorded_by, capability=Capability.RECORD_RESULTS, plant_id=employee.plant_id)
            or can(user=recorded_by, capability=Capability.IMPORT_RESULTS, plant_id=employee.plant_id)
        ):
            refuse(
                index, _("You may not record results at plant %(plant)s.") % {"plant": employee.plant.code}, "forbidden"
            )
        if employee.status != EmployeeStatus.ACTIVE:
            refuse(
                index,
                _("%(employee)s is not active (%(status)s).")
                % {"employee": employee.employee_no, "status": employee.get_status_display()},
                "inactive",
            )
        if not course.is_active:
            refuse(index, _("Course %(course)s is not active.") % {"course": course.code}, "course")
        elif course.owner_plant_id not in (None, employee.plant_id):
            refuse(index, _("Course %(course)s belongs to another plant.") % {"course": course.code}, "course")
        if row.kind not in course.needed_kinds:
            refuse(
                index,
                _("Course %(course)s does not use a %(kind)s assessment.")
                % {
                    "course": course.code,
                    "kind": AssessmentKind(row.kind).label if row.kind in AssessmentKind.values else row.kind,
                },
                "kind",
            )
        for refusal in assessment_date_refusals(employee=employee, assessed_on=row.assessed_on, today=today):
            errors[index].append(refusal)
        if row.kind == AssessmentKind.THEORY:
            if row.score is None:
                refuse(index, _("A theory test needs a score."), "score")
            elif not 0 <= row.score <= 100:
                refuse(index, _("The score must be between 0 and 100."), "score")
        elif (
            row.kind == AssessmentKind.PRACTICAL
            and row.passed is None
            and "checklist" not in {e.code for e in errors.get(index, ())}
        ):
            refuse(index, _("A practical evaluation needs pass or fail."), "outcome")
        for refusal in level_refusals(row=row):
            errors[index].append(refusal)
        if row.delivery_mode and row.delivery_mode not in DeliveryMode.values:
            refuse(
                index,
                _("Unknown delivery mode %(mode)s: use one of %(modes)s.")
                % {"mode": row.delivery_mode, "modes": ", ".join(DeliveryMode.values)},
                "delivery_mode",
            )
        if not is_authorised(
            authorisations,
            assessor_id=row.assessor.id,
            course_id=course.id,
            plant_id=employee.plant_id,
            on_date=min(row.assessed_on, today),
        ):
            refuse(
                index,
                _("%(assessor)s is not authorised to assess %(course)s at plant %(plant)s.")
                % {"assessor": row.assessor.get_username(), "course": course.code, "plant": employee.plant.code},
                "unauthorised",
            )
    for index, missing in _prerequisite_gaps(rows).items():
        refuse(
            index,
            _("Prerequisite not valid on %(date)s: %(courses)s.")
            % {"date": rows[index].assessed_on.isoformat(), "courses": ", ".join(c.code for c in missing)},
            "prerequisite",
        )
    for index, message in assessments_duplicates(rows=rows).items():
        refuse(index, message, "duplicate")
    return {index: refusals for index, refusals in errors.items() if refusals}
