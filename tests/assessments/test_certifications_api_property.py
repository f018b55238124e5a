"""Property test: the certifications API and the readiness API agree on every date (issue #14, item 1).

On random plants, requirements, results and revocations (the generators of
test_rollup_property.py), for the scenario's date, the plant's today and dates around them,
the per-person answers of /api/v1/employees/<no>/certifications?date=D add up to the figures
of /api/v1/plants/<code>/readiness?date=D: headcount, qualified, gaps and expiring 30/60/90.
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
from tests.assessments.test_rollup_property import SETTINGS, Scenario, _build, _today, scenarios


@st.composite
def renewed_scenarios(draw: st.DrawFn) -> Scenario:
    """The roll-up's random scenarios, plus what a date in the past must not see: passes renewed
    later (the same result again, 1-400 days on) and revocations dated after a pass."""
    scenario = draw(scenarios())
    passes = [r for r in scenario.results if r[4] and not r[5]]
    if not passes:
        return scenario
    for employee, course, kind, on, _passed, _voided in draw(st.lists(st.sampled_from(passes), max_size=4)):
        scenario.results.append(
            (employee, course, kind, on + dt.timedelta(days=draw(st.integers(1, 400))), True, False)
        )
    for employee, course, _kind, on, _passed, _voided in draw(st.lists(st.sampled_from(passes), max_size=2)):
        scenario.revocations.append((employee, course, on + dt.timedelta(days=draw(st.integers(0, 200)))))
    return scenario


def _person_figures(client: Client, employee_no: str, on_date: dt.date) -> tuple[int, int, int, int, int]:
    """(required, valid, expiring 30, 60, 90) of one person from the certifications API."""
    body = client.get(f"/api/v1/employees/{employee_no}/certifications?date={on_date.isoformat()}").json()
    assert body["date"] == on_date.isoformat()
    required = [row for row in body["certifications"] if row["required"]]
    assert (len(required), sum(row["valid"] for row in required)) == (body["required"], body["valid"])
    expiring = [
        sum(
            row["valid"]
            and row["expires_on"] is not None
            and dt.date.fromisoformat(row["expires_on"]) <= on_date + dt.timedelta(days=days)
            for row in required
        )
        for days in (30, 60, 90)
    ]
    return (body["required"], body["valid"], *expiring)


@pytest.mark.django_db
@settings(SETTINGS, max_examples=20)  # each example asks the API for every person on some 20 dates
@given(scenario=renewed_scenarios())
# The two cases, always: a pass renewed after D, a revocation dated after D.
@example(
    scenario=Scenario(
        courses=[("theory", 12, True), ("practical", None, True)],
        lines=[(1, [None])],
        requirements=[("plant", 0, 0), ("station", 1, 0)],
        employees=[(0, 0, 0, "active", 0), (0, None, 1, "active", 0)],
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
def test_it_agrees_with_the_readiness_api_on_every_date(scenario: Scenario) -> None:
    with transaction.atomic():
        objects = _build(scenario)
        plant: Plant = objects["plants"][0]
        client = Client()
        client.force_login(factories.UserFactory(username="central", is_superuser=True, is_staff=True))
        today = _today(scenario)
        # Every date a state can change on, the day before each, and a far future date.
        changes = [on for *_rest, on, _passed, _voided in scenario.results]
        changes += [revoked_on for *_rest, revoked_on in scenario.revocations]
        dates = {scenario.on_date, today, today + dt.timedelta(days=400)}
        dates |= {on + dt.timedelta(days=shift) for on in changes for shift in (-1, 0)}
        active = list(Employee.objects.filter(plant=plant, status="active").order_by("employee_no"))
        for on_date in sorted(dates):
            readiness = client.get(f"/api/v1/plants/{plant.code}/readiness?date={on_date.isoformat()}").json()
            people = [_person_figures(client, e.employee_no, on_date) for e in active]
            assert {
                "headcount": len(people),
                "qualified": sum(required == valid for required, valid, *_rest in people),
                "gaps": sum(required - valid for required, valid, *_rest in people),
                "expiring_30": sum(p[2] for p in people),
                "expiring_60": sum(p[3] for p in people),
                "expiring_90": sum(p[4] for p in people),
            } == {
                key: readiness[key]
                for key in ("headcount", "qualified", "gaps", "expiring_30", "expiring_60", "expiring_90")
            }, on_date
        transaction.set_rollback(True)
