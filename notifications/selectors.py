"""Reads of the in-app list: a user sees their own notifications only."""

from __future__ import annotations

from django.db.models import QuerySet

from employees.access import User
from notifications.models import Channel, Notification, NotificationPreference


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk).select_related(
        "reminder__certification__employee",
        "reminder__certification__course",
        "reminder__plant",
        "digest__plant",
    )


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def preference_of(*, user: User) -> NotificationPreference:
    """The user's preferences (not saved: a user without a row has the defaults)."""
    return NotificationPreference.objects.filter(user_id=user.pk).first() or NotificationPreference(
        user_id=user.pk, channel=Channel.BOTH, digest=True
    )
