"""The readiness outbox: mark the employees whose readiness must be recomputed.

Every change that affects readiness (a result, a void, a revocation, a line, a station, a requirement)
writes its marks in its own transaction and enqueues the roll-up after commit; a broker outage never
fails the write, because the mark stays in the outbox and beat drains it.
"""

from __future__ import annotations

from collections.abc import Iterable

from assessments.models import ReadinessMark
from certtrack.queue import enqueue_on_commit
from employees.models import Employee, EmployeeStatus


def readiness_mark(*, employees: Iterable[Employee], reason: str, course_id: int | None = None) -> None:
    """Mark employees for the readiness roll-up, in the caller's transaction.

    `course_id`: only their certification in this course changed (see ReadinessMark.course).
    """
    readiness_mark_courses(pairs=[(e, course_id) for e in employees], reason=reason)


def readiness_mark_courses(*, pairs: Iterable[tuple[Employee, int | None]], reason: str) -> None:
    """Mark (employee, course whose certification changed) pairs; one outbox write, one task on commit."""
    marks = [
        ReadinessMark(employee_id=e.id, plant_id=e.plant_id, reason=reason[:40], course_id=course_id)
        for e, course_id in {(e.id, c): (e, c) for e, c in pairs}.values()
    ]
    if not marks:
        return
    ReadinessMark.objects.bulk_create(marks)
    # If the broker is down the marks stay in the outbox; beat drains it every minute.
    enqueue_on_commit("assessments.tasks.readiness_drain_marks")


def readiness_mark_lines(*, line_ids: Iterable[int], reason: str) -> None:
    """Mark every active employee of these lines (a station's requirements, target or a line's shifts changed)."""
    readiness_mark(
        employees=Employee.objects.filter(line_id__in=set(line_ids), status=EmployeeStatus.ACTIVE).only(
            "id", "plant_id"
        ),
        reason=reason,
    )
