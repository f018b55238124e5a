"""Writes a user makes to their own notifications: read marks, channels, the digest."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from employees.access import User
from notifications.models import Notification, NotificationPreference
from notifications.selectors import unread_count_forget


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (or all of them with no id); returns how many changed."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(id=notification_id)
    changed = unread.update(read_at=timezone.now())
    unread_count_forget(user_ids=[user.pk])
    return changed


@transaction.atomic
def preference_set(*, user_id: int, channel: str | None = None, digest: bool | None = None) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user_id=user_id)
    if channel is not None:
        preference.channel = channel
    if digest is not None:
        preference.digest = digest
    preference.save()
    return preference
