"""Login throttling, sessions for shared terminals, password rules, CSRF."""

from __future__ import annotations

from importlib import import_module

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def _login(client: Client, username: str, password: str, ip: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_a_username_and_ip_pair_after_repeated_failures(axes_on, trainer) -> None:
    client = Client()
    for _ in range(2):
        assert _login(client, "trainer", "wrong-password-123", "10.1.1.1").status_code == 200
    assert _login(client, "trainer", "wrong-password-123", "10.1.1.1").status_code == 429  # the third failure locks
    locked = _login(client, "trainer", PASSWORD, "10.1.1.1")  # even the right password, from that terminal
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert AccessAttempt.objects.filter(username="trainer", ip_address="10.1.1.1").exists()


def test_a_lockout_never_spreads_to_other_people_behind_the_same_nat(axes_on, trainer, manager) -> None:
    for _ in range(3):
        _login(Client(), "trainer", "wrong-password-123", "10.1.1.1")
    other_user_same_ip = _login(Client(), "manager", PASSWORD, "10.1.1.1")
    same_user_other_terminal = _login(Client(), "trainer", PASSWORD, "10.2.2.2")
    assert other_user_same_ip.status_code == 302
    assert same_user_other_terminal.status_code == 302


def test_the_lockout_cools_off(axes_on, trainer) -> None:
    assert axes_on.AXES_COOLOFF_TIME > 0  # never a permanent lockout


def test_sessions_expire_after_idle_hours_on_shared_terminals(client, settings, trainer) -> None:
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(trainer)
    response = client.get(reverse("employees:home"))
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600  # the first request pushes the expiry
    key = response.cookies["sessionid"].value
    first_expiry = Session.objects.get(session_key=key).expire_date

    # Within SESSION_REFRESH_SECONDS the session is not written again (no UPDATE per page view) ...
    response = client.get(reverse("employees:home"))
    assert "sessionid" not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == first_expiry

    # ... after it, the next request moves the idle expiry forward.
    # (through the configured store, so a Redis copy of the session changes with the row)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    store["_idle_refreshed_at"] -= settings.SESSION_REFRESH_SECONDS
    store.save()
    response = client.get(reverse("employees:home"))
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    assert Session.objects.get(session_key=key).expire_date >= first_expiry


@pytest.mark.parametrize("password", ["short-pw-1", "123456789012345", "password1234"])
def test_it_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_it_accepts_a_long_passphrase() -> None:
    validate_password("laser-weld-busbar-2026")


def test_it_refuses_a_state_change_without_a_csrf_token(trainer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
