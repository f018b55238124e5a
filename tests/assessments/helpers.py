"""Helpers to record results through the services in tests."""

from __future__ import annotations

from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record


def result(employee, course, kind, on, assessor, *, score=None, passed=None, notes=""):
    return ResultInput(
        employee=employee,
        course=course,
        kind=kind,
        assessed_on=on,
        assessor=assessor,
        score=score,
        passed=passed,
        notes=notes,
    )


def certify(employee, course, on, assessor) -> None:
    """Record passing results of every kind the course needs."""
    rows = []
    if course.needs_theory:
        rows.append(result(employee, course, "theory", on, assessor, score=95))
    if course.needs_practical:
        rows.append(result(employee, course, "practical", on, assessor, passed=True))
    assessments_record(rows=rows, recorded_by=assessor)
