"""Passwords kept in certtrack, for everyone (LOCAL_PASSWORDS=all, the demo) or break-glass admins only."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User

from sso.selectors import local_password_allowed


class LocalPasswordBackend(ModelBackend):
    """Django's ModelBackend, refusing the password of a user that LOCAL_PASSWORDS=breakglass sends to SSO."""

    def user_can_authenticate(self, user: User) -> bool:
        return super().user_can_authenticate(user) and local_password_allowed(user=user)
