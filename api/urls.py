"""The API's URLs: the `api` namespace, endpoints without a trailing slash, under /api/v1/."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.cache import add_never_cache_headers

from api.errors import error_response
from api.main import api
from certtrack.replicas import read_replica
from certtrack.views import MovedPermanently


def _api_view(view: Callable) -> Callable:
    """HEAD answers as GET (without the body); a method the path does not take is a JSON 405; never cached."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response = view(request, *args, **kwargs)
        if head:
            request.method = "HEAD"
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = {m.strip() for m in response.get("Allow", "").split(",") if m.strip()}
            if "GET" in allowed:
                allowed.add("HEAD")
            detail = "This API is read-only." if allowed <= {"GET", "HEAD"} else f"Use {', '.join(sorted(allowed))}."
            response = error_response(405, "method not allowed", detail, {"Allow": ", ".join(sorted(allowed))})
        add_never_cache_headers(response)
        return response

    wrapped.csrf_exempt = True  # the API checks CSRF itself, for session users only (api/auth.py)
    return wrapped


def _patterns() -> list:
    patterns, _app_name, _namespace = api.urls
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name not in ("openapi-view",):
            # The read endpoints (GET, HEAD) read from a replica when one is close enough (certtrack/replicas.py).
            pattern = path(str(pattern.pattern), read_replica(_api_view(pattern.callback)), name=pattern.name)
        wrapped.append(pattern)
    return wrapped


app_name = "api"

urlpatterns = [
    *_patterns(),
    # The path before the one trailing-slash rule (issue #15), for bookmarks and scripts (curl -L).
    path("plants/", MovedPermanently.as_view(pattern_name="api:plants"), name="plants-old-path"),
]
