"""Idempotency-Key: a retried request gets the first answer, and nothing is recorded twice.

The key's row is inserted (committed) before the request runs: a second request with the key meets it,
and answers 409 "in progress, retry" while the first runs, the first answer once it is done, and 422
when its body differs. Keys are kept KEEP (a purge in api/schedule.py).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from api.errors import ApiError, bad_request
from api.models import IdempotencyKey

KEEP = datetime.timedelta(hours=24)
# A key still in progress after this long belongs to a request that died (a worker killed mid-request).
STALE = datetime.timedelta(minutes=10)
MAX_KEY_LENGTH = 255


def request_fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotent(request: HttpRequest, run: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run `run` (answering (status, body)) once per Idempotency-Key of the user; without the header, just run it.

    An ApiError raised by `run` is an answer too (stored and replayed); any other exception forgets the key,
    so the client's retry runs the request again.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return _answer(run)
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise bad_request(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters")
    fingerprint = request_fingerprint(request)
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(user_id=request.user.pk, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return _replay(user_id=request.user.pk, key=key, fingerprint=fingerprint)
    try:
        status, body = _answer(run)
    except BaseException:
        IdempotencyKey.objects.filter(pk=row.pk).delete()
        raise
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status=IdempotencyKey.Status.DONE, answer_status=status, answer=body
    )
    return status, body


def _answer(run: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    try:
        return run()
    except ApiError as error:
        body = {"error": error.error, "detail": error.detail} if error.detail else {"error": error.error}
        body.update(getattr(error, "extra", {}))
        return error.status, body


def _replay(*, user_id: int, key: str, fingerprint: str) -> tuple[int, dict]:
    row = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if row is not None and row.status == IdempotencyKey.Status.IN_PROGRESS and row.created_at < timezone.now() - STALE:
        # Its request died without an answer (a killed worker): the key is free again for the next retry.
        IdempotencyKey.objects.filter(pk=row.pk, status=IdempotencyKey.Status.IN_PROGRESS).delete()
    if row is None or row.status == IdempotencyKey.Status.IN_PROGRESS:
        # Another request with this key is running (or just gave up): nothing was recorded by this one.
        raise ApiError(
            409, "conflict", "a request with this Idempotency-Key is in progress: retry", headers={"Retry-After": "1"}
        )
    if row.fingerprint != fingerprint:
        raise ApiError(422, "unprocessable", "this Idempotency-Key was used with another request: use a new key")
    return row.answer_status, row.answer


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the keys older than KEEP; how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()
    return deleted
