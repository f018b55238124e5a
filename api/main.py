"""The integration API, v1: one django-ninja NinjaAPI, mounted at /api/v1/ (URL namespace "api").

Every error is JSON {"error": ..., "detail": ...}: ninja's own answers (its 422 for a body or
parameter that does not fit the schema, its 401 when no authentication succeeded, Http404) are
turned into the project's shape here. The OpenAPI document is /api/v1/openapi.json, the reference
page /api/v1/docs (ninja's bundled Swagger UI, served from our static files: no CDN).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import gate, read, results
from api import planning as planning_api
from api.errors import ApiError, error_response

DESCRIPTION = """\
certtrack's integration API for MES, line-side terminals, simulators and e-learning.

**Authentication**: `Authorization: Bearer ct_...`, a token an admin creates (in the admin, or
`manage.py create_api_token <user> --scope read --scope gate --plant SY`). A token's rights are its
user's roles, limited to its scopes (`read`, `gate`, `results:write`, `webhooks`) and its plants.
A signed-in browser session works too (every scope, within the user's roles; unsafe methods need the
CSRF token).

**Errors** are JSON `{"error": ..., "detail": ...}`: 400 bad input, 401 no or a bad, expired or
revoked token, 403 a token without the endpoint's scope, 404 anything outside the user's plants,
405 a method the endpoint does not take.
"""


class CerttrackAPI(NinjaAPI):
    def get_content_type(self) -> str:
        # As Django's JsonResponse (and this API before django-ninja) says it: JSON is UTF-8 by definition.
        return "application/json"


api = CerttrackAPI(
    title="certtrack API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
)
api.add_router("", read.router)
api.add_router("", results.router)
api.add_router("", gate.router)
api.add_router("", planning_api.router)


def _where(loc: tuple | list) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    if parts and parts[0] in {"payload", "query", "body"}:  # the parameter's own name in the view
        parts = parts[1:]
    return ".".join(parts)


def _validation_detail(errors: list[dict]) -> str:
    return "; ".join(f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}".lstrip(": ") for e in errors[:20])


def _row_errors(errors: list[dict]) -> list[dict]:
    """The errors about one result of a batch, as the batch's refusals list them (index and field)."""
    rows = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if "results" in loc and len(loc) > loc.index("results") + 1 and loc[loc.index("results") + 1].isdigit():
            at = loc.index("results")
            field = ".".join(loc[at + 2 :])
            rows.append({"index": int(loc[at + 1]), "field": field, "message": error.get("msg", ""), "code": "invalid"})
    return rows


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # A batch's 400 always lists its rows' errors (none when the body as a whole is wrong).
    extra = {"errors": _row_errors(exc.errors)} if request.path == reverse("api:results") else None
    return error_response(400, "bad request", _validation_detail(exc.errors), extra=extra)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.error, exc.detail, exc.headers, exc.extra)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not found")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401, "unauthorised", "authentication required", {"WWW-Authenticate": 'Bearer realm="certtrack"'}
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    words = {400: "bad request", 403: "forbidden", 404: "not found", 429: "too many requests"}
    extra = {"errors": []} if exc.status_code == 400 and request.path == reverse("api:results") else None
    return error_response(exc.status_code, words.get(exc.status_code, "error"), str(exc.message), extra=extra)
