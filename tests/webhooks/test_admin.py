"""The subscriptions' admin: http(s) addresses only, the secret shown, every change audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db


def _form(url: str, **extra) -> dict:
    return {"url": url, "description": "MES", "event_types": [], "is_active": "on", **extra}


def test_it_refuses_an_address_that_is_not_http(client, admin_user) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("admin:webhooks_webhooksubscription_add"), _form("ftp://mes.example/hooks"))
    assert response.status_code == 200
    assert "Enter an http:// or https:// address of the receiver" in response.content.decode()
    assert not WebhookSubscription.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_creates_and_changes_a_subscription_audited(client, admin_user, plant_sy) -> None:
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        _form(
            "https://mes.example/hooks", plants=[plant_sy.pk], event_types=["readiness.changed", "assessment.recorded"]
        ),
    )
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.event_types == ["assessment.recorded", "readiness.changed"]  # in the list's order
    assert list(subscription.plants.all()) == [plant_sy]
    assert subscription.created_by == admin_user
    created = AuditEvent.objects.get(action=AuditAction.WEBHOOK_CHANGED)
    assert created.summary == "Webhook subscription https://mes.example/hooks created"

    page = client.get(reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]))
    assert subscription.secret in page.content.decode()  # shown, for the receiver's configuration
    log = reverse("admin:webhooks_webhookdelivery_changelist") + f"?subscription__id__exact={subscription.pk}"
    assert log in page.content.decode()  # the subscription's delivery log
    assert "Failed: 0" in page.content.decode()

    response = client.post(
        reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]),
        _form("https://mes.example/hooks", event_types=["readiness.changed"]),
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.event_types == ["readiness.changed"]
    assert not subscription.plants.exists()
    changed = AuditEvent.objects.filter(action=AuditAction.WEBHOOK_CHANGED).latest("id")
    assert changed.summary == "Webhook subscription https://mes.example/hooks changed: plants, event_types"


def test_it_shows_events_and_deliveries_to_staff_only(client, admin_user, trainer) -> None:
    for name in ("webhookevent", "webhookdelivery", "webhooksubscription"):
        url = reverse(f"admin:webhooks_{name}_changelist")
        client.force_login(admin_user)
        assert client.get(url).status_code == 200
        client.force_login(trainer)
        assert client.get(url).status_code == 302  # to the admin's login
