"""Gate overrides reach a subscriber: override.granted and override.ended, signed, once each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gate.services import override_end, override_grant

pytestmark = pytest.mark.django_db


def test_granting_and_ending_an_override_are_delivered(
    worked_example_2, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(
        receiver.url, plants=[worked_example_2["plant"]], types=["override.granted", "override.ended"]
    )
    receiver.secret = subscription.secret
    start = timezone.now().replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        override = override_grant(
            employee=worked_example_2["S"],
            station=worked_example_2["t1"],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            reason="Trainer beside S",
            granted_by=manager,
        )
    with django_capture_on_commit_callbacks(execute=True):
        override_end(override=override, ended_by=manager, reason="Done early")

    assert [r.body["type"] for r in receiver.requests] == ["override.granted", "override.ended"]
    assert all(r.verified for r in receiver.requests)
    granted = receiver.requests[0].body["data"]
    assert granted == {
        "override": override.id,
        "employee": "S",
        "line": "L2",
        "station": "T1",
        "from": start.astimezone(worked_example_2["plant"].tz).isoformat(),
        "until": (start + dt.timedelta(hours=8)).astimezone(worked_example_2["plant"].tz).isoformat(),
        "reason": "Trainer beside S",
        "granted_by": "manager",
        "ended_at": None,
        "ended_by": None,
    }
    ended = receiver.requests[1].body["data"]
    assert (ended["ended_by"], ended["override"]) == ("manager", override.id)
    assert len(set(receiver.event_ids)) == 2
