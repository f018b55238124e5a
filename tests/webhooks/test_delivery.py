"""Delivering to a real receiver on loopback: signed (Standard Webhooks), once per delivery, retried
with the same event ID after a 500 or a timeout, failed after the last retry, then redelivered by an
admin through the admin action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent
from webhooks.models import DeliveryStatus, EventType, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_deliveries_send_due, webhook_delivery_send, webhook_event_emit

pytestmark = pytest.mark.django_db


def _emit(plant, django_capture_on_commit_callbacks, *, send: bool = True) -> WebhookEvent:
    """An event emitted in a transaction; `send`: its after-commit task runs (eagerly)."""
    with django_capture_on_commit_callbacks(execute=send):
        webhook_event_emit(type=EventType.ASSESSMENT_RECORDED, plant_id=plant.id, data={"employee": "E-1", "score": 91})
    return WebhookEvent.objects.get()


def test_it_delivers_a_signed_event_once_after_commit(
    plant_sy, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver.url)
    receiver.secret = subscription.secret
    assert subscription.secret.startswith("whsec_")

    event = _emit(plant_sy, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert got.verified
    assert got.headers["webhook-id"] == event.public_id
    assert got.headers["content-type"] == "application/json"
    assert got.body == {
        "id": event.public_id,
        "type": "assessment.recorded",
        "occurred_at": event.occurred_at.isoformat(),
        "plant": "SY",
        "data": {"employee": "E-1", "score": 91},
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, "", '{"ok": true}')

    # Sent again by the sweep or a second message: the claim refuses, nothing more is sent.
    assert webhook_delivery_send(delivery_id=delivery.pk) is None
    assert webhook_deliveries_send_due() == 0
    assert len(receiver.requests) == 1


def test_it_refuses_a_signature_made_with_another_secret(
    plant_sy, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver.url)
    receiver.secret = "whsec_" + "QUJD" * 11  # not the subscription's
    _emit(plant_sy, django_capture_on_commit_callbacks)
    assert [r.verified for r in receiver.requests] == [False]


def test_it_retries_a_500_with_the_same_event_id(
    plant_sy, subscribe, receiver, fast_retries, django_capture_on_commit_callbacks
):
    receiver.secret = subscribe(receiver.url).secret
    receiver.script = [500]

    event = _emit(plant_sy, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.next_attempt_at is not None
    assert webhook_deliveries_send_due() == 1  # beat's sweep: the retry is due
    assert receiver.event_ids == [event.public_id, event.public_id]
    assert all(r.verified for r in receiver.requests)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert list(WebhookAttempt.objects.order_by("id").values_list("status_code", "response_excerpt")) == [
        (500, "receiver is down"),
        (200, '{"ok": true}'),
    ]


def test_it_waits_for_the_backoff_before_retrying(
    plant_sy, subscribe, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [600]
    receiver.secret = subscribe(receiver.url).secret
    receiver.script = [503]
    _emit(plant_sy, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    wait = (delivery.next_attempt_at - WebhookAttempt.objects.get().attempted_at).total_seconds()
    assert 540 <= wait <= 661  # 600 s with at most 10% jitter
    assert webhook_deliveries_send_due() == 0  # not due yet
    assert len(receiver.requests) == 1


def test_it_retries_a_timeout(plant_sy, subscribe, receiver, fast_retries, django_capture_on_commit_callbacks):
    receiver.secret = subscribe(receiver.url).secret
    receiver.script = ["timeout"]

    event = _emit(plant_sy, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, None)
    assert "timed out" in delivery.last_error
    assert webhook_deliveries_send_due() == 1
    assert receiver.event_ids == [event.public_id, event.public_id]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_it_retries_a_refused_connection(plant_sy, subscribe, fast_retries, django_capture_on_commit_callbacks):
    subscribe("http://127.0.0.1:1/hooks")  # nothing listens on port 1
    _emit(plant_sy, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "refused" in delivery.last_error.lower()


def test_it_fails_after_the_last_retry_and_an_admin_redelivers(
    plant_sy, subscribe, receiver, fast_retries, admin_user, client, django_capture_on_commit_callbacks
):
    receiver.secret = subscribe(receiver.url).secret
    receiver.script = [500, 500, 502, 500]  # the first try and its three retries

    event = _emit(plant_sy, django_capture_on_commit_callbacks)
    for _retry in range(3):
        webhook_deliveries_send_due()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 4, 500)
    assert webhook_deliveries_send_due() == 0  # failed: not retried any more
    assert len(receiver.requests) == 4

    client.force_login(admin_user)
    failed_list = client.get(reverse("admin:webhooks_webhookdelivery_changelist"), {"status__exact": "failed"})
    assert failed_list.status_code == 200
    assert event.public_id in failed_list.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302

    assert receiver.event_ids == [event.public_id] * 5
    assert receiver.requests[-1].verified
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 200)
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 5
    audit = AuditEvent.objects.get(action=AuditAction.WEBHOOK_REDELIVERED)
    assert audit.actor == admin_user
    assert audit.summary == f"Webhook event {event.public_id} redelivered to {receiver.url}"

    page = client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert "receiver is down" in page.content.decode()  # the attempt log


def test_it_sends_nothing_to_a_subscription_switched_off(
    plant_sy, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver.url)
    _emit(plant_sy, django_capture_on_commit_callbacks, send=False)
    subscription.is_active = False
    subscription.save()
    assert webhook_deliveries_send_due() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "subscription inactive")
    assert receiver.requests == []
