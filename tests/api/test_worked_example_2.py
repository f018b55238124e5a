"""DOMAIN.md's Worked example 2 at the API layer: per certification the level held, the minimum, met and
provisional (with the day it stops counting); per employee qualified and qualified_confirmed, on
2026-12-01 and on 2027-03-31, when R's virtual-model pass no longer counts."""

from __future__ import annotations

import pytest
from django.test import Client

from assessments.readiness.recompute import plant_recompute
from assessments.services.result_rules import ResultInput
from assessments.services.results import assessment_record
from tests import factories
from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED


def _body(client: Client, employee_no: str, on_date) -> dict:
    response = client.get(f"/api/v1/employees/{employee_no}/certifications?date={on_date.isoformat()}")
    assert response.status_code == 200
    return response.json()


def _mod(body: dict) -> dict:
    return next(row for row in body["certifications"] if row["course"] == "BAT-MOD-010")


@pytest.fixture
def manager_client(client: Client, manager) -> Client:
    client.force_login(manager)
    return client


def test_it_reports_levels_met_and_provisional_on_december_1(worked_example_2, manager_client) -> None:
    bodies = {name: _body(manager_client, name, W2_TODAY) for name in "PQRS"}

    assert {n: (b["qualified"], b["qualified_confirmed"]) for n, b in bodies.items()} == {
        "P": (True, True),
        "Q": (False, False),
        "R": (True, False),
        "S": (False, False),
    }
    assert {n: (b["required"], b["valid"], b["met"], b["met_confirmed"]) for n, b in bodies.items()} == {
        "P": (2, 2, 2, 2),
        "Q": (2, 2, 1, 1),  # valid at L, U needed: valid but not met
        "R": (2, 2, 2, 1),
        "S": (2, 1, 1, 1),
    }
    mod = {n: _mod(b) for n, b in bodies.items()}
    keys = ("status", "level", "min_level", "met", "provisional", "provisional_until")
    assert {n: tuple(row[k] for k in keys) for n, row in mod.items()} == {
        "P": ("valid", "O", "U", True, False, None),
        "Q": ("valid", "L", "U", False, False, None),
        "R": ("valid", "U", "U", True, True, "2027-03-31"),
        "S": ("in_progress", None, "U", False, False, None),
    }
    hv = next(row for row in bodies["P"]["certifications"] if row["course"] == "HV-001")
    assert (hv["level"], hv["met"], hv["provisional"], hv["certified_on"]) == ("U", True, False, "2026-09-01")


def test_r_no_longer_counts_once_the_window_closes(worked_example_2, manager_client) -> None:
    body = _body(manager_client, "R", W2_WINDOW_CLOSED)

    assert (body["qualified"], body["qualified_confirmed"], body["met"]) == (False, False, 1)
    mod = _mod(body)
    assert (mod["status"], mod["level"], mod["met"], mod["provisional"], mod["provisional_until"]) == (
        "provisional_lapsed",
        None,
        False,
        False,
        None,
    )
    p = _body(manager_client, "P", W2_WINDOW_CLOSED)
    assert (p["qualified"], p["qualified_confirmed"]) == (True, True)


def test_it_leaves_met_empty_for_a_course_not_required(worked_example_2, trainer, manager_client) -> None:
    extra = factories.CourseFactory(code="BAT-MOD-099", needs_theory=True, needs_practical=False)
    factories.TrainerAuthorisationFactory(user=trainer, course=extra, plant=worked_example_2["plant"])
    assessment_record(
        row=ResultInput(
            employee=worked_example_2["P"],
            course=extra,
            kind="theory",
            assessed_on=W2_TODAY,
            assessor=trainer,
            score=95,
        ),
        recorded_by=trainer,
    )

    row = next(r for r in _body(manager_client, "P", W2_TODAY)["certifications"] if r["course"] == "BAT-MOD-099")

    assert (row["required"], row["status"], row["level"], row["min_level"], row["met"]) == (
        False,
        "valid",
        "U",
        None,
        None,
    )


def _readiness(client: Client, on_date) -> dict:
    response = client.get(f"/api/v1/plants/SY/readiness?date={on_date.isoformat()}")
    assert response.status_code == 200
    return response.json()


def _l2(body: dict) -> dict:
    return next(line for line in body["lines"] if line["code"] == "L2")


def _coverage_of(body: dict) -> tuple:
    line = _l2(body)
    (t1,) = line["stations"]
    return (
        (line["qualified"], line["qualified_confirmed"], line["readiness"], line["readiness_confirmed"]),
        t1["shifts"],
        (t1["day_staff_qualified"], t1["trainers"], t1["trainers_needed"]),
        (t1["qualified"], t1["target"], t1["covered"], t1["single_point_of_failure"]),
        line["single_points_of_failure"],
    )


DECEMBER_1 = (
    (2, 1, 0.5, 0.25),  # P and R qualified; counting no virtual-model pass only P
    [
        {"shift": "A", "qualified": 1, "target": 1, "single_point_of_failure": True},  # P
        {"shift": "B", "qualified": 1, "target": 1, "single_point_of_failure": True},  # R
    ],
    (0, 1, 1),  # P holds BAT-MOD-010 at O: 1 trainer of 1 needed
    (2, 2, True, True),
    2,
)
MARCH_31 = (
    (1, 1, 0.25, 0.25),  # R's virtual-model pass no longer counts
    [
        {"shift": "A", "qualified": 1, "target": 1, "single_point_of_failure": True},
        {"shift": "B", "qualified": 0, "target": 1, "single_point_of_failure": False},
    ],
    (0, 1, 1),
    (1, 2, False, True),
    1,
)


def test_the_readiness_api_computes_the_per_shift_coverage_on_both_dates(worked_example_2, manager_client) -> None:
    before = _readiness(manager_client, W2_TODAY)
    after = _readiness(manager_client, W2_WINDOW_CLOSED)

    assert (before["source"], after["source"]) == ("computed", "computed")
    assert _coverage_of(before) == DECEMBER_1
    assert _coverage_of(after) == MARCH_31
    assert (before["qualified"], before["qualified_confirmed"]) == (2, 1)


def test_the_readiness_api_reads_the_same_from_the_roll_up(worked_example_2, manager_client) -> None:
    plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_TODAY)
    stored = _readiness(manager_client, W2_TODAY)

    assert stored["source"] == "rollup"
    assert _coverage_of(stored) == DECEMBER_1

    plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_WINDOW_CLOSED)
    stored = _readiness(manager_client, W2_WINDOW_CLOSED)
    assert stored["source"] == "rollup"
    assert _coverage_of(stored) == MARCH_31
