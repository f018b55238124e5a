"""Who is asking: a bearer token (api/tokens.py) or the browser session, and whether they may.

Each endpoint names the scope it needs. A token must carry it (else 403 naming the scope); a session
user holds every scope, limited by their roles like any page, and a session's unsafe request needs
its CSRF token. Either way request.user is the user to scope every query by (a token limited to
plants acts at those plants only), so an invisible plant stays a 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from api.errors import forbidden, unauthorised
from api.tokens import TokenRefused, api_token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerToken(HttpBearer):
    """`Authorization: Bearer ct_...`: a token created by an admin (admin or `manage.py create_api_token`)."""

    openapi_bearerFormat = "ct_..."
    openapi_description = (
        "A token an admin created (admin or `manage.py create_api_token`), shown once. Its scopes (read, gate, "
        "results:write, webhooks) and plants limit its user's roles; expired or revoked it is a 401."
    )

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if not header:
            return None  # the session may still say who it is
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise unauthorised("invalid or unknown token")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            use = api_token_authenticate(token=token)
        except TokenRefused as refused:
            raise unauthorised(str(refused)) from None
        if self.scope not in use.scopes:
            raise forbidden(f"this token lacks the scope '{self.scope}'")
        request.user = use.user
        request.api_token = use.token
        return use.user


class SessionUser(APIKeyCookie):
    """The signed-in browser user (every scope, within their roles); unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The signed-in browser session: every scope, within the user's roles; POST needs X-CSRFToken."

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise forbidden("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value")
        request.api_token = None
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - __call__ decides
        return request.user if request.user.is_authenticated else None


def needs(scope: str) -> list:
    """The auth of an endpoint needing `scope`: a token with it, or a signed-in session."""
    return [BearerToken(scope), SessionUser(scope)]
