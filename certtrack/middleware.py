"""Project middleware."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from certtrack.replicas import SAFE_METHODS, STICKY_COOKIE, replica_aliases

REFRESHED_AT = "_idle_refreshed_at"
LOGGED_IN_FLAG = "_certtrack_logged_in"


class SessionIdleRefreshMiddleware:
    """Keep a session alive while it is used, without writing it on every request.

    SESSION_COOKIE_AGE is the idle timeout of shared shop-floor terminals. Django's
    SESSION_SAVE_EVERY_REQUEST would write the session row (an UPDATE and a commit) on every
    page view; this marks the session modified only when its expiry was last pushed forward
    more than SESSION_REFRESH_SECONDS ago. A session then ends after between
    SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE without a request.
    Goes after SessionMiddleware, whose response step saves what this marks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        # A session saved anyway (a login, a message) records the refresh at no extra cost.
        if session.modified or now - session.get(REFRESHED_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_AT] = now
        return response


class ReadYourWritesMiddleware:
    """After a signed-in user's unsafe request (a write), their reads stay on the primary for a while.

    A streaming replica replays a commit some milliseconds (at worst REPLICA_MAX_LAG_SECONDS) after the
    primary: the page a trainer sees right after recording a result must not miss it. The marker is a
    cookie holding the time it ends (REPLICA_STICKY_SECONDS on), read by @read_replica; a cookie, not
    the session, so it costs no write and holds across web servers. An API client keeps it like any
    cookie (a requests.Session, curl -b/-c). With no replica configured it is never set.

    A sign-in is a write too, whatever its method: the OIDC callback is a GET that may create the user and
    grant their SSO memberships, which the next pages read (the flag set by _mark_logged_in below).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # the API sets it for a token's user too
        wrote = request.method not in SAFE_METHODS or getattr(request, LOGGED_IN_FLAG, False)
        if wrote and replica_aliases() and user is not None and user.is_authenticated:
            response.set_cookie(
                STICKY_COOKIE,
                str(int(time.time()) + settings.REPLICA_STICKY_SECONDS),
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


@receiver(user_logged_in, dispatch_uid="certtrack.read_your_writes.logged_in")
def _mark_logged_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """A sign-in (any backend, any method) wrote: ReadYourWritesMiddleware keeps the user's reads on the primary."""
    if request is not None:
        setattr(request, LOGGED_IN_FLAG, True)
