"""Reads of the in-app list: a user sees their own notifications only, and of those only the ones of plants
where they still hold a role (a revoked role hides that plant's notifications)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q, QuerySet

from employees.access import User, plant_ids_for_user
from notifications.models import Channel, Notification, NotificationPreference


def _visible(*, user: User) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user_id=user.pk)
    plant_ids = plant_ids_for_user(user=user)
    if plant_ids is None:  # a company-wide admin sees every plant
        return notifications
    return notifications.filter(Q(reminder__plant_id__in=plant_ids) | Q(digest__plant_id__in=plant_ids))


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    return _visible(user=user).select_related(
        "reminder__certification__employee",
        "reminder__certification__course",
        "reminder__plant",
        "digest__plant",
    )


# The bell is on every page: its count comes from the cache, so a page's queries stay what they were
# (the dashboards' tests lock them). Writes here forget the count; the reminder run, in a worker whose
# cache a web process may not share (the default cache is per process), is seen within BELL_SECONDS.
BELL_SECONDS = 30


def _bell_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(*, user: User) -> int:
    return _visible(user=user).filter(read_at__isnull=True).count()


def unread_count_cached(*, user: User) -> int:
    count = cache.get(_bell_key(user.pk))
    if count is None:
        count = unread_count(user=user)
        cache.set(_bell_key(user.pk), count, BELL_SECONDS)
    return count


def unread_count_forget(*, user_ids: list[int]) -> None:
    cache.delete_many([_bell_key(user_id) for user_id in user_ids])


def preference_of(*, user: User) -> NotificationPreference:
    """The user's preferences (not saved: a user without a row has the defaults)."""
    return NotificationPreference.objects.filter(user_id=user.pk).first() or NotificationPreference(
        user_id=user.pk, channel=Channel.BOTH, digest=True
    )
