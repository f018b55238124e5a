"""Passwords kept in certtrack, for everyone (LOCAL_PASSWORDS=all, the demo) or break-glass admins only."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from sso.selectors import local_password_allowed


class LocalPasswordBackend(ModelBackend):
    """Django's ModelBackend, refusing the password of a user that LOCAL_PASSWORDS=breakglass sends to SSO.

    Only the password check is refused (PermissionDenied, so no later backend accepts it): sessions this
    backend or ModelBackend opened (a line-side terminal's, paired without a password: gate/views.py; any
    from before SSO) stay valid, and permissions are read as by ModelBackend.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: object
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not local_password_allowed(user=user):
            # PermissionDenied, not None: Django stops trying backends, so ModelBackend (kept after this
            # one for the sessions it opened before SSO) never accepts the password either. Django still
            # sends user_login_failed, so django-axes counts it.
            raise PermissionDenied
        return user
