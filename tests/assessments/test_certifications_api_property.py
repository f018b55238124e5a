"""Property test: the certifications API and the readiness API agree on every date (issue #14, item 1).

On random plants, requirements, results and revocations (the generators of
readiness/test_rollup_property.py; certifications revoked, restored and revoked again), for the scenario's
date, the plant's today and dates around them, the per-person answers of
/api/v1/employees/<no>/certifications?date=D (met: valid at the required minimum level, with levels
and provisional passes; met confirmed) equal validity.certification_on's (with the revocation in force on D)
and add up to the figures of /api/v1/plants/<code>/readiness?date=D: headcount, qualified,
qualified_confirmed, gaps and expiring 30/60/90.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import example, given, settings
from hypothesis import strategies as st

from employees.models import Employee, Plant
from tests import factories
from tests.assessments.readiness.test_rollup_property import (
    REVOKED_TWICE,
    SETTINGS,
    Scenario,
    _build,
    _expected,
    _today,
    scenarios,
)


@st.composite
def renewed_scenarios(draw: st.DrawFn) -> Scenario:
    """The roll-up's random scenarios, plus what a date in the past must not see: passes renewed
    later (the same result again, 1-400 days on) and revocations dated after a pass."""
    scenario = draw(scenarios())
    passes = [r for r in scenario.results if r[4] and not r[5]]
    if not passes:
        return scenario
    for employee, course, kind, on, *_rest in draw(st.lists(st.sampled_from(passes), max_size=4)):
        scenario.results.append(
            (employee, course, kind, on + dt.timedelta(days=draw(st.integers(1, 400))), True, False)
        )
    for employee, course, _kind, on, *_rest in draw(st.lists(st.sampled_from(passes), max_size=2)):
        scenario.revocations.append((employee, course, on + dt.timedelta(days=draw(st.integers(0, 200)))))
    # Revoked after a pass, restored by a pass of each kind dated after that, revoked again: a date between
    # must apply the first revocation (and the restore), not the certification's latest one.
    for employee, course, _kind, on, *_rest in draw(st.lists(st.sampled_from(passes), max_size=2)):
        revoked_on = on + dt.timedelta(days=draw(st.integers(0, 200)))
        restored_on = revoked_on + dt.timedelta(days=draw(st.integers(1, 60)))
        scenario.results += [(employee, course, kind, restored_on, True, False) for kind in ("theory", "practical")]
        scenario.revocations += [
            (employee, course, revoked_on),
            (employee, course, restored_on + dt.timedelta(days=draw(st.integers(0, 120)))),
        ]
    return scenario


def _person_figures(client: Client, employee_no: str, on_date: dt.date) -> tuple[int, int, int, int, int, int]:
    """(required, met, met confirmed, expiring 30, 60, 90) of one person from the certifications API: met is
    valid at the required minimum level, provisional passes counting where they count."""
    body = client.get(f"/api/v1/employees/{employee_no}/certifications?date={on_date.isoformat()}").json()
    assert body["date"] == on_date.isoformat()
    required = [row for row in body["certifications"] if row["required"]]
    assert (len(required), sum(row["met"] for row in required)) == (body["required"], body["met"])
    expiring = [
        sum(
            row["met"]
            and row["expires_on"] is not None
            and dt.date.fromisoformat(row["expires_on"]) <= on_date + dt.timedelta(days=days)
            for row in required
        )
        for days in (30, 60, 90)
    ]
    return (body["required"], body["met"], body["met_confirmed"], *expiring)


@pytest.mark.django_db
@settings(SETTINGS, max_examples=20)  # each example asks the API for every person on some 20 dates
@given(scenario=renewed_scenarios())
# The two cases, always: a pass renewed after D, a revocation dated after D.
@example(
    scenario=Scenario(
        courses=[("theory", 12, True), ("practical", None, True)],
        lines=[(1, [(1, 0)], None)],
        requirements=[("plant", 0, 0, "U"), ("station", 1, 0, "U")],
        employees=[(0, 0, 0, "active", 0, "A"), (0, None, 1, "active", 0, "A")],
        results=[
            (0, 0, "theory", dt.date(2025, 1, 10), True, False),
            (0, 0, "theory", dt.date(2025, 8, 1), True, False),
            (1, 0, "theory", dt.date(2025, 2, 1), True, False),
            (0, 1, "practical", dt.date(2025, 2, 1), True, False),
        ],
        revocations=[(0, 1, dt.date(2025, 9, 1)), (1, 0, dt.date(2025, 9, 1))],
        on_date=dt.date(2025, 6, 30),
    )
)
# Issue #14 item 1's review: a certification revoked twice (pass 01-10, revoked 03-01, pass 03-10
# restores it, revoked again 06-01) is revoked on 03-05, valid on 03-20 and revoked on 06-02.
@example(scenario=REVOKED_TWICE)
def test_it_agrees_with_the_readiness_api_on_every_date(scenario: Scenario) -> None:
    with transaction.atomic():
        objects = _build(scenario)
        plant: Plant = objects["plants"][0]
        client = Client()
        client.force_login(factories.UserFactory(username="central", is_superuser=True, is_staff=True))
        today = _today(scenario)
        # Every date a state can change on, the day before each, and a far future date.
        changes = [result[3] for result in scenario.results]
        changes += [revoked_on for *_rest, revoked_on in scenario.revocations]
        dates = {scenario.on_date, today, today + dt.timedelta(days=400)}
        dates |= {on + dt.timedelta(days=shift) for on in changes for shift in (-1, 0)}
        active = list(Employee.objects.filter(plant=plant, status="active").order_by("employee_no"))
        for on_date in sorted(dates):
            readiness = client.get(f"/api/v1/plants/{plant.code}/readiness?date={on_date.isoformat()}").json()
            people = [_person_figures(client, e.employee_no, on_date) for e in active]
            # Each person as validity.certification_state has it, with the revocation in force on D: both
            # APIs reading one wrong revocation would still agree with each other.
            expected = _expected(plant, on_date)["employees"]
            assert people == [expected[e.id] for e in active], on_date
            keys = (
                "headcount",
                "qualified",
                "qualified_confirmed",
                "gaps",
                "expiring_30",
                "expiring_60",
                "expiring_90",
            )
            assert {
                "headcount": len(people),
                "qualified": sum(required == met for required, met, *_rest in people),
                "qualified_confirmed": sum(required == confirmed for required, _met, confirmed, *_rest in people),
                "gaps": sum(required - met for required, met, *_rest in people),
                "expiring_30": sum(p[3] for p in people),
                "expiring_60": sum(p[4] for p in people),
                "expiring_90": sum(p[5] for p in people),
            } == {key: readiness[key] for key in keys}, on_date
        transaction.set_rollback(True)
