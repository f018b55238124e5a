"""The line-side terminal's fence: a device session reaches its own kiosk page and little else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from employees.middleware import follow_browser_language

# Set by the pairing view (gate.views.terminal_pair) in the device's session: {"id", "plant", "line", "station"}.
TERMINAL_SESSION_KEY = "gate_terminal"

# What a device may open besides its own kiosk page and check: the language switch, logging out, the
# pairing link itself (re-pairing a tablet), the JavaScript translations and the shell's public files.
_DEVICE_ALLOWED = frozenset(
    {"set_language", "logout", "javascript-catalog", "gate:terminal-pair", "healthz", "favicon"}
)
_KIOSK = frozenset({"gate:kiosk", "gate:kiosk-check"})


class TerminalGuardMiddleware:
    """403 for every URL a terminal's session may not open, decided in one place for every page, the admin
    and the API alike. A device user can sign in only through a pairing link (its password is unusable),
    and the pairing view marks its session, so the mark is read from the session without a query. The
    kiosk view then checks that the terminal is still active and bound to that station.
    Goes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        bound = session.get(TERMINAL_SESSION_KEY) if session is not None else None
        if bound is None or request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return self.get_response(request)
        follow_browser_language(request)  # a kiosk's language is its own buttons', not its device user's
        try:
            match = resolve(request.path_info)
        except Resolver404:
            raise PermissionDenied from None
        if match.view_name in _DEVICE_ALLOWED:
            return self.get_response(request)
        if match.view_name in _KIOSK and (
            match.kwargs.get("plant"),
            match.kwargs.get("line"),
            match.kwargs.get("station"),
        ) == (bound.get("plant"), bound.get("line"), bound.get("station")):
            return self.get_response(request)
        raise PermissionDenied
