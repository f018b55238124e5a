"""The bell, the notification list with mark-read, and the preferences page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from employees.models import PlantMembership
from notifications.models import Notification, NotificationPreference, PlantRun, ReminderLadder
from notifications.services.runs import plant_run, plants_due
from notifications.tasks import reminders_due
from tests.notifications.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminded(world):
    plant_run(plant=world["plant"], on_date=D)  # the emails stay in the outbox: no SMTP here
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bell_counts_the_unread_and_mark_read_lowers_it(reminded) -> None:
    client = _client(reminded["sup-all"])
    assert 'data-unread="3"' in client.get("/").content.decode()
    page = client.get("/notifications/").content.decode()
    assert page.count("data-notification=") == 3 and "E002 Bob" in page
    first = Notification.objects.filter(user=reminded["sup-all"]).order_by("id").first()
    assert client.post("/notifications/read/", {"id": first.pk}).status_code == 302
    assert 'data-unread="2"' in client.get("/").content.decode()
    assert client.post("/notifications/read/").status_code == 302
    assert "data-unread" not in client.get("/").content.decode()


def test_nobody_reads_or_marks_someone_elses_notifications(reminded) -> None:
    theirs = Notification.objects.filter(user=reminded["sup-l1"]).first()
    outsider = _client(reminded["sup-de"])
    assert "data-notification=" not in outsider.get("/notifications/").content.decode()
    outsider.post("/notifications/read/", {"id": theirs.pk})
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_a_bad_mark_read_id_is_refused_with_a_message(reminded) -> None:
    response = _client(reminded["sup-all"]).post("/notifications/read/", {"id": "x1"}, follow=True)
    assert response.status_code == 200
    assert "That notification does not exist." in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_the_list_shows_in_the_readers_language(reminded) -> None:
    client = _client(reminded["sup-l1"])
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2027年1月1日" in page  # zh-hans SHORT_DATE_FORMAT of D + 30


def test_preferences_save_and_a_bad_choice_re_renders(reminded) -> None:
    client = _client(reminded["sup-all"])
    assert "/notifications/preferences/" in client.get("/notifications/").content.decode()
    response = client.post("/notifications/preferences/", {"channel": "in_app", "digest": ""})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=reminded["sup-all"])
    assert (preference.channel, preference.digest) == ("in_app", False)
    response = client.post("/notifications/preferences/", {"channel": "pigeon", "digest": "on"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert NotificationPreference.objects.get(user=reminded["sup-all"]).channel == "in_app"


def test_the_admin_refuses_a_bad_ladder_and_keeps_a_good_one(world, admin_user) -> None:
    client = _client(admin_user)
    response = client.post("/admin/notifications/reminderladder/add/", {"plant": world["plant"].pk, "rungs": "90,90"})
    assert response.status_code == 200
    assert "A reminder day appears twice." in response.content.decode()
    response = client.post("/admin/notifications/reminderladder/add/", {"plant": world["plant"].pk, "rungs": "30, 60"})
    assert response.status_code == 302
    assert ReminderLadder.objects.get(plant=world["plant"]).rung_list == [60, 30]


def test_a_line_supervisor_must_hold_the_supervisor_role_at_the_plant(world, admin_user) -> None:
    client = _client(admin_user)
    response = client.post(
        "/admin/notifications/supervisedline/add/", {"user": world["trainer-hv"].pk, "line": world["l1"].pk}
    )
    assert response.status_code == 200
    assert "supervisor role" in response.content.decode()


def test_the_beat_job_runs_each_due_plant_once_a_day(world, mailoutbox) -> None:
    """reminders_due (eager here) runs the plants past their local 06:00 and sends the outbox (locmem)."""
    due_before = len(plants_due(now=timezone.now()))
    assert reminders_due() == due_before
    assert plants_due(now=timezone.now()) == []
    assert reminders_due() == 0
    assert PlantRun.objects.filter(finished_at__isnull=False).count() == due_before


def test_a_revoked_role_hides_that_plants_notifications(reminded) -> None:
    user = reminded["sup-all"]
    client = _client(user)
    assert 'data-unread="3"' in client.get("/").content.decode()
    PlantMembership.objects.filter(user=user, plant=reminded["plant"]).delete()
    cache.clear()  # the bell's cached count is forgotten after BELL_SECONDS
    assert "data-notification=" not in client.get("/notifications/").content.decode()
    assert "data-unread" not in client.get("/").content.decode()
