"""DOMAIN.md's Worked example 2 at the services and selectors layer: levels, checklists and provisional
passes, on 2026-12-01 and on the days around the close of R's confirmation window. The roll-up, the API
and the pages repeat it in their own tests."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Assessment, Certification
from assessments.selectors.certifications import certifications_as_of, employee_requirements, qualifications
from tests.assessments.conftest import W2_LAST_COUNTING_DAY, W2_TODAY, W2_WINDOW_CLOSED

pytestmark = pytest.mark.django_db


def _people(example: dict) -> list:
    return [example[name] for name in "PQRS"]


def test_it_records_levels_delivery_and_checklist_marks_as_given(worked_example_2) -> None:
    mod = worked_example_2["mod"]
    results = {
        a.employee.employee_no: a for a in Assessment.objects.filter(course=mod).select_related("employee", "checklist")
    }
    assert {n: (a.passed, a.level, a.delivery_mode, a.is_provisional) for n, a in results.items()} == {
        "P": (True, "O", "on_the_job", False),
        "Q": (True, "L", "on_the_job", False),
        "R": (True, "U", "virtual", True),
        "S": (False, None, "on_the_job", False),  # item 3 (critical) not OK: fail, whatever else
    }
    assert results["S"].checklist.revision == 1
    assert results["S"].checklist_marks == [True, True, False, True]
    # Theory has no level; a practical of a course without levels records U.
    hv = Assessment.objects.filter(course=worked_example_2["hv"], employee=worked_example_2["P"])
    assert sorted((a.kind, a.level) for a in hv) == [("practical", "U"), ("theory", None)]


def test_it_stores_both_states_of_a_certification(worked_example_2) -> None:
    mod = worked_example_2["mod"]
    stored = {c.employee.employee_no: c for c in Certification.objects.filter(course=mod).select_related("employee")}
    assert (stored["R"].certified_on, stored["R"].level, stored["R"].provisional) == (dt.date(2026, 11, 10), "U", True)
    assert (stored["R"].confirmed_certified_on, stored["R"].confirmed_level) == (None, None)
    assert (stored["P"].level, stored["P"].confirmed_level, stored["P"].provisional) == ("O", "O", False)
    assert stored["S"].certified_on is None
    closes = worked_example_2["line"].confirmation_closes_on()
    assert closes == W2_WINDOW_CLOSED
    assert stored["R"].meets(W2_TODAY, "U", closes_on=closes) is True
    assert stored["R"].meets(W2_TODAY, "U", closes_on=closes, confirmed=True) is False
    assert stored["R"].status_on(W2_WINDOW_CLOSED, closes_on=closes) == "provisional_lapsed"
    assert stored["Q"].meets(W2_TODAY, "U") is False  # L held, U needed
    assert stored["Q"].meets(W2_TODAY, "L") is True


def test_it_qualifies_p_and_r_on_december_1_and_confirms_only_p(worked_example_2) -> None:
    figures = qualifications(employees=_people(worked_example_2), on_date=W2_TODAY)
    by_name = {e.employee_no: figures[e.id] for e in _people(worked_example_2)}
    assert {n: f.qualified for n, f in by_name.items()} == {"P": True, "Q": False, "R": True, "S": False}
    assert {n: f.qualified_confirmed for n, f in by_name.items()} == {"P": True, "Q": False, "R": False, "S": False}
    assert {n: (f.met, f.required) for n, f in by_name.items()} == {"P": (2, 2), "Q": (1, 2), "R": (2, 2), "S": (1, 2)}


@pytest.mark.parametrize(
    ("on_date", "r_qualified"),
    [(W2_LAST_COUNTING_DAY, True), (W2_WINDOW_CLOSED, False), (dt.date(2027, 6, 1), False)],
)
def test_r_counts_until_the_window_closes(worked_example_2, on_date: dt.date, r_qualified: bool) -> None:
    figures = qualifications(employees=_people(worked_example_2), on_date=on_date)
    qualified = sorted(e.employee_no for e in _people(worked_example_2) if figures[e.id].qualified)
    assert qualified == (["P", "R"] if r_qualified else ["P"])


def test_it_says_why_each_is_not_met(worked_example_2) -> None:
    mod = worked_example_2["mod"]
    pairs = [(worked_example_2[n].id, mod.id) for n in "PQRS"]
    today = certifications_as_of(pairs=pairs, on_date=W2_TODAY)
    names = {worked_example_2[n].id: n for n in "PQRS"}
    assert {names[e]: (s.status, s.level, s.provisional) for (e, _c), s in today.items()} == {
        "P": ("valid", "O", False),
        "Q": ("valid", "L", False),
        "R": ("valid", "U", True),
        "S": ("in_progress", None, False),
    }
    r_today = today[(worked_example_2["R"].id, mod.id)]
    assert (r_today.provisional_until, r_today.meets("U"), r_today.meets_confirmed("U")) == (
        W2_WINDOW_CLOSED,
        True,
        False,
    )
    later = certifications_as_of(pairs=pairs, on_date=W2_WINDOW_CLOSED)
    assert later[(worked_example_2["R"].id, mod.id)].status == "provisional_lapsed"
    rows = {r.course.code: r for r in employee_requirements(employee=worked_example_2["Q"], on_date=W2_TODAY)}
    assert (rows["BAT-MOD-010"].min_level, rows["BAT-MOD-010"].is_met, rows["BAT-MOD-010"].level_below) == (
        "U",
        False,
        True,
    )
