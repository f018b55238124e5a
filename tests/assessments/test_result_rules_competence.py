"""The result rules of issue #16: a level only on a practical pass (L and O only where the course uses
levels), known delivery modes, checklist marks against the course's current revision deciding the outcome.
A refused batch writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Assessment
from assessments.services.result_rules import ResultInput
from assessments.services.results import BatchRejected, assessments_record
from courses.services import ChecklistItemInput, checklist_publish
from tests.assessments.conftest import ALL_OK

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 20)


def _row(example: dict, trainer, name: str = "Q", **kwargs) -> ResultInput:
    values = {"course": example["mod"], "kind": "practical", "checklist_marks": ALL_OK, **kwargs}
    return ResultInput(employee=example[name], assessed_on=ON, assessor=trainer, **values)


def _refused(rows: list[ResultInput], trainer) -> dict[int, list[str]]:
    for day, row in enumerate(rows):  # one date each: no row is a duplicate of another
        row.assessed_on = ON - dt.timedelta(days=day)
    before = Assessment.objects.count()
    with pytest.raises(BatchRejected) as rejected:
        assessments_record(rows=rows, recorded_by=trainer)
    assert Assessment.objects.count() == before
    return {index: [(r.code, str(r)) for r in refusals] for index, refusals in rejected.value.errors.items()}


def test_it_refuses_levels_where_they_do_not_belong(worked_example_2, trainer) -> None:
    hv = worked_example_2["hv"]
    refused = _refused(
        [
            _row(worked_example_2, trainer, level="X"),
            _row(worked_example_2, trainer, course=hv, level="O", checklist_marks=None, passed=True),
            _row(worked_example_2, trainer, course=hv, kind="theory", score=90, level="U", checklist_marks=None),
            _row(worked_example_2, trainer, level="O", checklist_marks=[True, True, False, True]),
        ],
        trainer,
    )
    assert refused == {
        0: [("level", "The level must be L, U or O.")],
        1: [("level", "Course HV-001 does not use levels: its practical passes are recorded as U.")],
        2: [("level", "A level is given only on a passing practical evaluation.")],
        3: [("level", "A level is given only on a passing practical evaluation.")],
    }


def test_it_refuses_missing_short_or_contradicting_marks(worked_example_2, trainer) -> None:
    refused = _refused(
        [
            _row(worked_example_2, trainer, checklist_marks=None, passed=True),
            _row(worked_example_2, trainer, checklist_marks=[True, True]),
            _row(worked_example_2, trainer, checklist_marks=[True, True, False, True], passed=True),
            _row(worked_example_2, trainer, course=worked_example_2["hv"], passed=True),
            _row(worked_example_2, trainer, delivery_mode="hologram"),
        ],
        trainer,
    )
    assert refused == {
        0: [("checklist", "BAT-MOD-010 is marked against checklist revision 1: mark each of its 4 items.")],
        1: [("checklist", "Checklist revision 1 of BAT-MOD-010 has 4 items; 2 were marked.")],
        2: [("checklist", "The checklist marks give fail, not the outcome stated.")],
        3: [("checklist", "Course HV-001 has no checklist for this result: leave the checklist marks empty.")],
        4: [("delivery_mode", "Unknown delivery mode hologram: use one of classroom, virtual, on_the_job, elearning.")],
    }


def test_a_new_revision_applies_to_new_results_only(worked_example_2, trainer) -> None:
    mod = worked_example_2["mod"]
    revision_2 = checklist_publish(
        course=mod,
        items=[ChecklistItemInput(text="Orientation"), ChecklistItemInput(text="HV lock", critical=True)],
        threshold_pct=100,
    )
    # The results of revision 1 keep it and their four marks.
    assert set(Assessment.objects.filter(course=mod).values_list("checklist__revision", flat=True)) == {1}
    assessments_record(
        rows=[_row(worked_example_2, trainer, checklist_marks=[True, True], level="U")], recorded_by=trainer
    )
    latest = Assessment.objects.filter(course=mod).latest("id")
    assert (latest.checklist_id, latest.checklist_marks, latest.passed, latest.level) == (
        revision_2.id,
        [True, True],
        True,
        "U",
    )


def test_a_threshold_lets_a_non_critical_miss_pass(worked_example_2, trainer) -> None:
    checklist_publish(
        course=worked_example_2["mod"],
        items=[ChecklistItemInput(text=str(n), critical=n == 3) for n in range(1, 6)],
        threshold_pct=75,
    )
    assessments_record(
        rows=[_row(worked_example_2, trainer, checklist_marks=[True, False, True, True, True], level="U")],
        recorded_by=trainer,
    )
    assert Assessment.objects.latest("id").passed is True


def test_the_delivery_mode_defaults_to_the_course_s(worked_example_2, trainer) -> None:
    mod = worked_example_2["mod"]
    mod.delivery_mode = "virtual"
    mod.save()
    assessments_record(rows=[_row(worked_example_2, trainer, level="U")], recorded_by=trainer)
    assert Assessment.objects.latest("id").delivery_mode == "virtual"


def test_a_checklist_is_refused_for_a_course_without_a_practical(db) -> None:
    from django.core.exceptions import ValidationError

    from tests import factories

    theory_only = factories.CourseFactory(code="TH-1", needs_theory=True, needs_practical=False)
    with pytest.raises(ValidationError):
        checklist_publish(course=theory_only, items=[ChecklistItemInput(text="x")])
