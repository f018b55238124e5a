from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import unread_count_cached


def bell(request: HttpRequest) -> dict:
    """The navbar bell's unread count (cached for a few seconds: notifications.selectors.BELL_SECONDS)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count_cached(user=user)}
