"""The web shell: settings, health check, login, home, CSP."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from certtrack.checks import production_settings_check
from certtrack.settings import DEFAULT_SECRET_KEY, database_from_url
from tests.factories import PASSWORD

TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"


def test_it_reads_a_postgres_url() -> None:
    config = database_from_url("postgres://app:s%40cret@db.example:6543/certtrack?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("certtrack", "app", "s@cret")
    assert (config["HOST"], config["PORT"]) == ("db.example", "6543")
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_it_refuses_a_non_postgres_url() -> None:
    with pytest.raises(ValueError, match="postgres://"):
        database_from_url("mysql://db/x")


def test_it_refuses_production_with_development_defaults(settings) -> None:
    settings.DEBUG = False
    settings.SECRET_KEY = DEFAULT_SECRET_KEY
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert {error.id for error in production_settings_check(None)} == {"certtrack.E001", "certtrack.E002"}
    settings.SECRET_KEY = "x" * 60
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert production_settings_check(None) == []


@pytest.mark.django_db
def test_it_reports_database_and_broker_state(client, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    state = response.json()
    assert (state["database"], state["broker"], state["queues"]) == ("ok", "eager", "eager")


@pytest.mark.redis
@pytest.mark.django_db
def test_it_reports_a_live_broker(client, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    state = response.json()
    assert (state["database"], state["broker"]) == ("ok", "ok")
    assert set(state["queues"]) == {"rollup", "spreadsheets", "notify", "webhooks", "celery"}


@pytest.mark.django_db
def test_it_reports_a_dead_broker_quickly(client, settings) -> None:
    from certtrack.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = django_settings.CELERY_BROKER_URL
    assert response.status_code == 200
    state = response.json()
    assert (state["database"], state["broker"], state["queues"]) == ("ok", "down", "down")
    assert elapsed < 5


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_the_login_page(client) -> None:
    response = client.get(reverse("employees:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_logs_a_trainer_in_and_shows_their_plant(client, trainer) -> None:
    response = client.post(reverse("login"), {"username": "trainer", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.context["user"].username == "trainer"
    assert "SY Shenyang" in response.content.decode()


def test_it_shows_memberships_on_the_profile(client, trainer) -> None:
    client.force_login(trainer)
    response = client.get(reverse("employees:profile"))
    assert "Shenyang" in response.content.decode()
    assert "Trainer" in response.content.decode()


def test_it_switches_the_language_to_simplified_chinese(client, trainer) -> None:
    client.force_login(trainer)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_it_sends_a_strict_content_security_policy(client, trainer) -> None:
    client.force_login(trainer)
    policy = client.get(reverse("employees:home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_templates_have_no_inline_scripts_handlers_or_styles() -> None:
    offenders = []
    for template in TEMPLATES_DIR.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*="):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(TEMPLATES_DIR)}: {pattern}")
    assert offenders == []


def test_the_wsgi_application_refuses_to_serve_with_development_defaults() -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "ALLOWED_HOSTS": "x.example"}
    refused = subprocess.run(
        [sys.executable, "-c", "import certtrack.wsgi"], env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "certtrack.E001" in refused.stderr and "certtrack.E002" in refused.stderr
    served = subprocess.run(
        [sys.executable, "-c", "import certtrack.wsgi"],
        env={**env, "SECRET_KEY": "k" * 60, "REDIS_URL": "redis://127.0.0.1:6379/15"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert served.returncode == 0, served.stderr
