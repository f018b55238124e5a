"""The terminal tests' shared steps: pin the clock to worked example 2's morning, pair a terminal."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.test import Client
from django.urls import reverse

from employees.models import Plant
from gate.services import terminal_create, terminal_pairing_token
from tests.assessments.conftest import W2_TODAY

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
W2_MORNING = dt.datetime(W2_TODAY.year, W2_TODAY.month, W2_TODAY.day, 8, tzinfo=SHANGHAI)


def pin_clock(monkeypatch, at: dt.datetime = W2_MORNING) -> None:
    """The gate's "now" (and the plant's today) at worked example 2's moment, whatever the real date."""
    import types

    from django.utils import timezone

    import gate.selectors

    # Only the gate's clock: sessions, signing and the audit trail keep the real one.
    monkeypatch.setattr(gate.selectors, "timezone", types.SimpleNamespace(now=lambda: at, is_naive=timezone.is_naive))
    monkeypatch.setattr(Plant, "local_today", lambda self: at.astimezone(self.tz).date())


def new_terminal(station, *, created_by=None, name="T1 tablet"):
    return terminal_create(name=name, station=station, created_by=created_by)


def pairing_path(terminal) -> str:
    return reverse("gate:terminal-pair", kwargs={"token": terminal_pairing_token(terminal=terminal, actor=None)})


def paired_client(terminal) -> Client:
    client = Client()
    response = client.get(pairing_path(terminal))
    assert response.status_code == 302, response.status_code
    return client


def kiosk_path(station, name: str = "gate:kiosk") -> str:
    return reverse(name, kwargs={"plant": station.line.plant.code, "line": station.line.code, "station": station.code})
