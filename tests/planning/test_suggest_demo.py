"""The suggested plan on the demo plants (seed_demo into the test database, once per module): it passes the
independent checker with no breaking problem, closes every gap it can, and its quality figures are real."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from employees.models import Plant
from planning.inputs import load_inputs
from planning.quality import suggest_with_quality

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        call_command("seed_demo", password="suggest-test-password", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("confirm", [False, True])
def test_the_demo_plants_suggestion_passes_the_checker(demo, db, confirm):
    plants = list(Plant.objects.order_by("code"))
    assert plants
    planned = 0
    for plant in plants:
        inputs = load_inputs(plant=plant)
        suggestion, figures = suggest_with_quality(inputs, buffer_days=14, confirm=confirm, time_limit=20)
        assert figures["checker"]["breaking"] == 0, figures["checker"]["messages"]
        suggested, bounds = figures["suggested"], figures["bounds"]
        assert suggested["sessions"] == len(suggestion.sessions)
        assert suggested["min_sessions_for_its_attendances"] <= suggested["sessions"]
        if suggested["gaps_closed"] == suggested["gaps"]:
            assert bounds["min_sessions"] <= suggested["sessions"]
        assert figures["baseline"]["gaps"] == suggested["gaps"]
        assert suggested["attendances"] == sum(len(s.attendee_ids) for s in suggestion.sessions)
        for session in suggestion.sessions:
            assert inputs.working_day(session.on)
            assert len(session.attendee_ids) <= session.seats == inputs.courses[session.course_id].class_size
        planned += suggested["sessions"]
        print(plant.code, figures)
    assert planned > 0
