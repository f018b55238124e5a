"""The audited writes of the webhooks admin: a subscription saved, deliveries sent again.

Kept apart from webhooks.services, which assessments imports for emitting: these write audit events
through assessments.hooks, and assessments.hooks imports the assessments services (a cycle otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from assessments.hooks import AuditAction, audit_event_create
from certtrack.queue import enqueue_on_commit
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from webhooks.services import DELIVER_TASK


def webhook_deliveries_redeliver(
    *, deliveries: Iterable[WebhookDelivery], actor: AbstractBaseUser, ip_address: str | None = None
) -> int:
    """Send these deliveries again (same event ID): back to pending, due now, each redelivery audited."""
    with transaction.atomic():
        chosen = list(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=[d.pk for d in deliveries])
            .exclude(status=DeliveryStatus.SENDING)
            .select_related("event", "subscription")
        )
        now = timezone.now()
        for delivery in chosen:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.PENDING, next_attempt_at=now, attempts=0, delivered_at=None
            )
            audit_event_create(
                actor=actor,
                action=AuditAction.WEBHOOK_REDELIVERED,
                params={"event": delivery.event.public_id, "url": delivery.subscription.url},
                plant_id=delivery.event.plant_id,
                obj=delivery,
                changes={"event": delivery.event.public_id, "previous_status": delivery.status},
                ip_address=ip_address,
            )
            enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return len(chosen)


def webhook_subscription_save(
    *,
    subscription: WebhookSubscription,
    plant_ids: Iterable[int],
    actor: AbstractBaseUser,
    changed_fields: Sequence[str] = (),
    ip_address: str | None = None,
) -> WebhookSubscription:
    """Create or change a subscription (its plants too), audited: the admin calls it."""
    created = subscription.pk is None
    with transaction.atomic():
        if created and subscription.created_by_id is None and actor.is_authenticated:
            subscription.created_by = actor
        subscription.save()
        subscription.plants.set(list(plant_ids))
        params: dict = {"url": subscription.url}
        if not created:
            params["fields"] = ", ".join(changed_fields) or "-"
        audit_event_create(
            actor=actor,
            action=AuditAction.WEBHOOK_CHANGED,
            params=params,
            obj=subscription,
            changes={
                "url": subscription.url,
                "event_types": subscription.event_types,
                "plants": sorted(plant_ids),
                "is_active": subscription.is_active,
                "fields": list(changed_fields),
            },
            ip_address=ip_address,
        )
    return subscription
