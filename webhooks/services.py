"""Webhooks: emit events into the outbox (in the caller's transaction), deliver them, redeliver them.

Emitting: webhook_events_emit() writes the events and one delivery per matching active subscription
inside the writer's transaction, so an event exists exactly when its change committed; after commit
each delivery is sent by a task (certtrack.queue: a broker outage never fails nor slows the writer),
and beat's every-minute sweep sends whatever is due and was never sent (the broker was down) or
waits for its retry. With no subscription at all, a batch costs one query.

Delivering follows Standard Webhooks (standardwebhooks.com): headers webhook-id (the event's ID, the
same on every retry), webhook-timestamp and webhook-signature (v1: HMAC-SHA256 of id.timestamp.body
with the subscription's secret). A 2xx answer is delivered; anything else (another status, a timeout,
a refused connection) is retried after WEBHOOK_RETRY_DELAYS_SECONDS (with jitter), then failed.
"""

from __future__ import annotations

import datetime
import json
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from certtrack.queue import enqueue_on_commit
from webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    event_id_generate,
)

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.webhook_deliver"
# A delivery claimed (SENDING) for longer than this belongs to a worker that died mid-send: sent again.
CLAIM_STALE_SECONDS = 300
# Characters of the receiver's answer kept in the delivery log.
EXCERPT_CHARS = 300


# --- Emitting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    type: str
    plant_id: int | None
    data: dict = field(default_factory=dict)
    occurred_at: datetime.datetime | None = None
    dedupe_key: str | None = None


def webhook_event_emit(
    *,
    type: str,
    plant_id: int | None,
    data: dict,
    occurred_at: datetime.datetime | None = None,
    dedupe_key: str | None = None,
) -> None:
    """One event (see webhook_events_emit): call it inside the transaction of the change it reports."""
    webhook_events_emit(
        events=[EventInput(type=type, plant_id=plant_id, data=data, occurred_at=occurred_at, dedupe_key=dedupe_key)]
    )


def webhook_events_emit(*, events: Sequence[EventInput]) -> int:
    """Write these events and their deliveries to the outbox; returns the number of deliveries.

    One query finds the active subscriptions: none (the usual case), and nothing else happens. An event
    no subscription wants is not stored. An event whose dedupe_key was already emitted (a job that ran
    twice) is skipped, by the unique key itself, so two concurrent runs cannot both write it.
    """
    if not events:
        return 0
    for event in events:
        if event.type not in EventType.values:
            raise ValueError(f"unknown webhook event type {event.type!r}")
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True).values_list("id", "event_types"))
    if not subscriptions:
        return 0
    plants_of: dict[int, set[int]] = {s: set() for s, _types in subscriptions}
    for subscription_id, plant_id in WebhookSubscription.plants.through.objects.filter(
        webhooksubscription_id__in=plants_of
    ).values_list("webhooksubscription_id", "plant_id"):
        plants_of[subscription_id].add(plant_id)

    def wanted_by(event: EventInput) -> list[int]:
        return [
            s
            for s, types in subscriptions
            if (not types or event.type in types) and (not plants_of[s] or event.plant_id in plants_of[s])
        ]

    now = timezone.now()
    rows = []
    targets: dict[str, list[int]] = {}
    for event in events:
        subscription_ids = wanted_by(event)
        if not subscription_ids:
            continue
        row = WebhookEvent(
            public_id=event_id_generate(),
            type=event.type,
            plant_id=event.plant_id,
            occurred_at=event.occurred_at or now,
            data=event.data,
            dedupe_key=event.dedupe_key,
        )
        rows.append(row)
        targets[row.public_id] = subscription_ids
    if not rows:
        return 0
    WebhookEvent.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts sets no primary keys: read back what was inserted (a duplicate dedupe_key was not).
    inserted = dict(WebhookEvent.objects.filter(public_id__in=targets).values_list("public_id", "id"))
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event_id=event_id, subscription_id=s, status=DeliveryStatus.PENDING, next_attempt_at=now)
            for public_id, event_id in inserted.items()
            for s in targets[public_id]
        ]
    )
    for delivery in deliveries:
        enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return len(deliveries)


# --- Delivering ------------------------------------------------------------------------------------


def event_body(event: WebhookEvent) -> str:
    """The JSON body receivers get (and the signature covers), byte for byte the same on every retry."""
    return json.dumps(
        {
            "id": event.public_id,
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "plant": event.plant.code if event.plant_id else None,
            "data": event.data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    )


def retry_delay(*, attempts: int) -> float | None:
    """Seconds before the next try after `attempts` failed ones (with ±10% jitter), None: no more tries."""
    delays = settings.WEBHOOK_RETRY_DELAYS_SECONDS
    if attempts > len(delays):
        return None
    base = delays[attempts - 1]
    # Jitter: receivers that came back from an outage are not hit by every retry in the same second.
    return base * random.uniform(0.9, 1.1)


def _claim(*, delivery_id: int, now: datetime.datetime) -> bool:
    """Take the delivery for this worker: a conditional UPDATE, so two workers (the after-commit task and
    the sweep, or a redelivered message) never send it at once; the loser updates no row and returns."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=DeliveryStatus.SENDING, claimed_at=now)
    )


@dataclass
class Answer:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(*, url: str, body: str, headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 (http(s) only: the form checks)
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return Answer(status_code=response.status, excerpt=_excerpt(response.read(EXCERPT_CHARS * 4)))
    except urllib.error.HTTPError as error:  # a non-2xx answer
        return Answer(
            status_code=error.code, error=f"HTTP {error.code}", excerpt=_excerpt(error.read(EXCERPT_CHARS * 4))
        )
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Answer(error=f"{type(reason).__name__}: {reason}"[:500])


def _excerpt(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def webhook_delivery_send(*, delivery_id: int) -> str | None:
    """Send one delivery if it is pending and due; returns its new status (None: not ours to send)."""
    now = timezone.now()
    if not _claim(delivery_id=delivery_id, now=now):
        return None
    delivery = WebhookDelivery.objects.select_related("event__plant", "subscription").get(pk=delivery_id)
    event, subscription = delivery.event, delivery.subscription
    if not subscription.is_active:
        # Switched off since the event: nothing is sent; an admin may redeliver once it is on again.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, claimed_at=None, next_attempt_at=None, last_error="subscription inactive"
        )
        return DeliveryStatus.FAILED
    body = event_body(event)
    sent_at = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "certtrack-webhooks",
        "webhook-id": event.public_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(subscription.secret).sign(event.public_id, sent_at, body),
    }
    started = time.monotonic()
    answer = _post(url=subscription.url, body=body, headers=headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    attempts = delivery.attempts + 1
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            attempted_at=sent_at,
            status_code=answer.status_code,
            duration_ms=duration_ms,
            error=answer.error,
            response_excerpt=answer.excerpt,
        )
        update: dict = {
            "attempts": attempts,
            "last_status_code": answer.status_code,
            "last_error": answer.error,
            "claimed_at": None,
        }
        if answer.ok:
            update |= {"status": DeliveryStatus.DELIVERED, "delivered_at": timezone.now(), "next_attempt_at": None}
        else:
            delay = retry_delay(attempts=attempts)
            if delay is None:
                update |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
            else:
                next_at = timezone.now() + datetime.timedelta(seconds=delay)
                update |= {"status": DeliveryStatus.PENDING, "next_attempt_at": next_at}
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**update)
    if not answer.ok:
        logger.info(
            "webhook %s to %s: attempt %d failed (%s)", event.public_id, subscription.url, attempts, answer.error
        )
    return update["status"]


def webhook_deliveries_send_due(*, time_budget_seconds: float = 50.0, limit: int = 1000) -> int:
    """Beat's every-minute sweep: send every pending delivery that is due (never sent because the broker
    was down at commit, or waiting for its retry); take back claims of workers that died mid-send.
    Returns the number of deliveries sent."""
    now = timezone.now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - datetime.timedelta(seconds=CLAIM_STALE_SECONDS)
    ).update(status=DeliveryStatus.PENDING, claimed_at=None, next_attempt_at=now)
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    started = time.monotonic()
    for delivery_id in due:
        if time.monotonic() - started > time_budget_seconds:
            break
        if webhook_delivery_send(delivery_id=delivery_id) is not None:
            sent += 1
    return sent


def webhook_types_subscribed(*, plant_id: int) -> set[str]:
    """The event types some active subscription wants from this plant (one query): a job that must read
    data to find its events (the day change, a roll-up's changed lines) asks first, and reads nothing
    when nobody listens."""
    wanted: set[str] = set()
    for types in (
        WebhookSubscription.objects.filter(is_active=True)
        .filter(Q(plants__isnull=True) | Q(plants=plant_id))
        .values_list("event_types", flat=True)
    ):
        wanted |= set(types) if types else set(EventType.values)
    return wanted
