"""The suggest page and the suggestion's page: a manager asks for a suggestion for worked example 2's line,
reads the figures; bad input changes nothing; a whole big plant is queued and the page shows progress."""

from __future__ import annotations

import pytest
from django.urls import reverse

from employees.models import Plant
from planning.models import Scenario, ScenarioSession
from planning.views import suggest as suggest_views
from tests import factories
from tests.assessments.conftest import W2_TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def w2(worked_example_2, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    return worked_example_2


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_a_manager_asks_for_a_line_and_reads_the_figures(w2, as_manager):
    url = reverse("planning:suggest", kwargs={"plant_code": "SY"})
    page = as_manager.get(url)
    assert page.status_code == 200 and b"L2" in page.content and b'name="buffer_days"' in page.content
    response = as_manager.post(url, {"line": w2["line"].id, "buffer_days": 14})
    scenario = Scenario.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:suggestion_detail", kwargs={"pk": scenario.pk})
    detail = as_manager.get(response["Location"])
    text = detail.content.decode()
    assert detail.status_code == 200
    assert 'id="suggestion-quality"' in text and "2 / 2" in text  # gaps closed: suggested and baseline
    assert "no breaking problem" in text
    assert text.count('class="suggested-session"') == ScenarioSession.objects.filter(scenario=scenario).count() == 2
    assert "BAT-MOD-010" in text


@pytest.mark.parametrize(
    "data",
    [
        {"buffer_days": "-1"},
        {"buffer_days": "999"},
        {"buffer_days": "x"},
        {"buffer_days": "14", "line": "99999999999999999999999"},
        {"buffer_days": "14", "line": "abc"},
    ],
)
def test_bad_input_re_renders_and_writes_nothing(w2, as_manager, data):
    response = as_manager.post(reverse("planning:suggest", kwargs={"plant_code": "SY"}), data)
    assert response.status_code == 200 and b"invalid-feedback" in response.content
    assert Scenario.objects.count() == 0


def test_another_plants_line_is_not_a_choice(w2, as_manager, plant_de):
    other = factories.ProductionLineFactory(plant=plant_de, code="X1")
    response = as_manager.post(
        reverse("planning:suggest", kwargs={"plant_code": "SY"}), {"line": other.id, "buffer_days": 14}
    )
    assert response.status_code == 200 and Scenario.objects.count() == 0


def test_a_whole_big_plant_is_queued_and_shows_progress(
    w2, as_manager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(suggest_views, "QUEUE_ABOVE_PEOPLE", 0)
    url = reverse("planning:suggest", kwargs={"plant_code": "SY"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_manager.post(url, {"buffer_days": 14})
    scenario = Scenario.objects.get()
    # The queued task, and the forecast cache's version bump (planning/signals.py).
    assert scenario.suggestion["state"] == "queued" and len(callbacks) == 2
    running = as_manager.get(response["Location"])
    assert b'id="suggestion-running"' in running.content and b'http-equiv="refresh"' in running.content
    for callback in callbacks:
        callback()  # the task, eager without Redis
    scenario.refresh_from_db()
    assert scenario.suggestion["state"] == "done"
    assert scenario.suggestion["suggested"]["gaps"] == 2  # the whole plant: Q's and S's BAT-MOD-010
    done = as_manager.get(response["Location"])
    assert b'id="suggestion-running"' not in done.content and b'id="suggestion-quality"' in done.content


def test_another_plants_manager_gets_404(w2, client, manager, manager_de):
    client.force_login(manager)
    client.post(reverse("planning:suggest", kwargs={"plant_code": "SY"}), {"line": w2["line"].id, "buffer_days": 7})
    scenario = Scenario.objects.get()
    client.force_login(manager_de)
    assert client.get(reverse("planning:suggestion_detail", kwargs={"pk": scenario.pk})).status_code == 404
    assert client.get(reverse("planning:suggest", kwargs={"plant_code": "SY"})).status_code == 404
