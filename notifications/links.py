"""Absolute links in emails (SITE_URL) and the signed one-click unsubscribe token (no login needed)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_SALT = "notifications.digest-unsubscribe"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(*, user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(token: str) -> int:
    """The user a token was made for; raises signing.BadSignature for a forged or damaged one."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("no user in the token")
    return data["u"]


def unsubscribe_url(*, user_id: int) -> str:
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id)}))


def employee_url(employee_no: str) -> str:
    return absolute(reverse("assessments:employee-detail", kwargs={"employee_no": employee_no}))


def plant_dashboard_url(plant_code: str) -> str:
    return absolute(reverse("readiness:plant", kwargs={"code": plant_code}))
