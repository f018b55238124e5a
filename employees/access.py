"""View guards built on the scoping layer (employees.selectors), so no view writes its own check; the
client address the audit trail records."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from employees.selectors import can


def capability_required(capability: Iterable[str]) -> Callable:
    """Log in first; then 403 unless the user holds the capability at some plant (admins always do).

    Objects are still fetched through the scoping layer, so another plant's objects answer 404.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not can(user=request.user, capability=capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    """The address the audit trail records (the reverse proxy's REMOTE_ADDR rewrite is the proxy's job)."""
    return request.META.get("REMOTE_ADDR") or None
