"""API tokens: create one (shown once), and find the user of a presented token."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from assessments.models import ApiToken

TOKEN_PREFIX = "ct_"  # noqa: S105 - a public marker, not a secret
# last_used_at is written at most this often per token: one write per request would be wasteful.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _hash(token: str) -> str:
    # A 256-bit random token needs no slow hash: SHA-256 is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: AbstractBaseUser, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user; the plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        user=user, name=name[:80], token_hash=_hash(token), prefix=token[len(TOKEN_PREFIX) :][:8]
    )
    return api_token, token


def api_token_user(*, token: str) -> AbstractBaseUser | None:
    """The active user a token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    api_token = ApiToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if api_token is None or not api_token.user.is_active:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user
