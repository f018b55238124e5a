"""The API's JSON errors: {"error": ..., "detail": ...} (no detail when there is nothing to add)."""

from __future__ import annotations

from django.http import JsonResponse


class ApiError(Exception):
    """An answer other than success, raised anywhere under an endpoint: the handler in api/main.py writes it."""

    def __init__(self, status: int, error: str, detail: str = "", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or error)
        self.status, self.error, self.detail, self.headers = status, error, detail, headers or {}
        self.extra: dict = {}  # more keys of the answer (a batch's "errors")


def bad_request(detail: str) -> ApiError:
    return ApiError(400, "bad request", detail)


def unauthorised(detail: str) -> ApiError:
    return ApiError(401, "unauthorised", detail, headers={"WWW-Authenticate": 'Bearer realm="certtrack"'})


def forbidden(detail: str) -> ApiError:
    return ApiError(403, "forbidden", detail)


def error_response(
    status: int, error: str, detail: str = "", headers: dict[str, str] | None = None, extra: dict | None = None
) -> JsonResponse:
    body = {"error": error, "detail": detail} if detail else {"error": error}
    response = JsonResponse(body | (extra or {}), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
