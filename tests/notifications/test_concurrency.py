"""Two workers running the same plant's job at the same moment on PostgreSQL: nothing decided or sent twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from notifications.models import EmailMessage, EmailStatus, Notification, Reminder
from notifications.services.outbox import outbox_send
from notifications.services.runs import plant_run
from tests.notifications.conftest import D

pytestmark = [pytest.mark.postgres, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_runs_decide_and_send_each_reminder_once(world, smtp) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    results = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            results.append(plant_run(plant=world["plant"], on_date=D))
            outbox_send()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(result.done_before for result in results) == [False, True]
    assert Reminder.objects.count() == 3
    assert Notification.objects.count() == 8
    assert EmailMessage.objects.filter(status=EmailStatus.SENT).count() == 4
    assert sorted(address for rcpt, _m in smtp.inbox.received for address in rcpt) == [
        "manager-sy@example.com",
        "sup-all@example.com",
        "sup-l1@example.com",
        "trainer-hv@example.com",
    ]
