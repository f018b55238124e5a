"""API tokens: create one (shown once), revoke one, and authenticate a presented token.

A token is `ct_` + 256 random bits; only its SHA-256 is stored. Its rights are its user's role
capabilities (employees/access.py) limited to its scopes and, when it names plants, to those plants.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import ApiToken, AuditAction, TokenScope
from assessments.services.audit import audit_event_create
from employees.access import User, memberships_prime, user_limited_to_plants
from employees.models import Plant

TOKEN_PREFIX = "ct_"  # noqa: S105 - a public marker, not a secret
# last_used_at is written at most this often per token: the gate's hot path must not write every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """The presented token cannot be used; the message says why (the 401's detail)."""


@dataclass(frozen=True)
class TokenUse:
    """An authenticated token: the user to act as (limited to the token's plants) and its scopes."""

    token: ApiToken
    user: User
    scopes: frozenset[str]
    plant_ids: frozenset[int]  # empty: every plant the user may see


def token_hash(token: str) -> str:
    # A 256-bit random token needs no slow hash: SHA-256 is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str = "",
    scopes: Iterable[str] = (TokenScope.READ,),
    plants: Iterable[Plant] = (),
    expires_at: datetime.datetime | None = None,
    created_by: AbstractBaseUser | None = None,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the user, audited; the plain token is returned once and never stored."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in TokenScope.values]
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(TokenScope.values)}, got {', '.join(unknown) or 'none'}")
    plants = sorted(set(plants), key=lambda plant: plant.code)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        api_token = ApiToken.objects.create(
            user=user,
            name=name[:80],
            token_hash=token_hash(token),
            prefix=token[len(TOKEN_PREFIX) :][:8],
            scopes=scopes,
            expires_at=expires_at,
            created_by=created_by,
        )
        api_token.plants.set(plants)
        params = {"token": f"{api_token.prefix}… {api_token.name}".strip(), "user": user.get_username()}
        params["scopes"] = ", ".join(scopes)
        if plants:
            params["plants"] = ", ".join(plant.code for plant in plants)
        audit_event_create(
            actor=created_by,
            action=AuditAction.TOKEN_CREATED,
            params=params,
            obj=api_token,
            changes={
                "scopes": scopes,
                "plants": [plant.code for plant in plants],
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
            ip_address=ip_address,
        )
    return api_token, token


def api_token_revoke(*, api_token: ApiToken, revoked_by: AbstractBaseUser, ip_address: str | None = None) -> bool:
    """Revoke the token (from the next request on), audited; False when it was revoked already."""
    with transaction.atomic():
        now = timezone.now()
        changed = ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=revoked_by
        )
        if not changed:
            return False
        api_token.revoked_at, api_token.revoked_by = now, revoked_by
        audit_event_create(
            actor=revoked_by,
            action=AuditAction.TOKEN_REVOKED,
            params={"token": f"{api_token.prefix}… {api_token.name}".strip(), "user": api_token.user.get_username()},
            obj=api_token,
            ip_address=ip_address,
        )
    return True


def api_token_authenticate(*, token: str) -> TokenUse:
    """The token's user, scopes and plants, in one query (the token, its user and its plant IDs joined).

    Raises TokenRefused saying why (unknown, expired, revoked, inactive user).
    """
    if not token.startswith(TOKEN_PREFIX):
        raise TokenRefused("invalid or unknown token")
    # One row per plant of the token and membership of its user (one row with Nones when there are none):
    # LEFT JOINs, one query for the token, its user, its plants and the user's roles (the gate's hot path).
    rows = list(
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(token))
        .annotate(
            limit_plant_id=F("plants__id"),
            member_plant_id=F("user__memberships__plant_id"),
            member_role=F("user__memberships__role"),
            member_plant_active=F("user__memberships__plant__is_active"),
        )
        .order_by()
    )
    if not rows:
        raise TokenRefused("invalid or unknown token")
    api_token = rows[0]
    now = timezone.now()
    if api_token.revoked_at is not None:
        raise TokenRefused("this token was revoked")
    if api_token.is_expired(now):
        raise TokenRefused("this token has expired")
    if not api_token.user.is_active:
        raise TokenRefused("the token's user is not active")
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    plant_ids = frozenset(row.limit_plant_id for row in rows if row.limit_plant_id is not None)
    memberships_prime(
        user=api_token.user,
        memberships={(r.member_plant_id, r.member_role) for r in rows if r.member_plant_id and r.member_plant_active},
    )
    user = user_limited_to_plants(user=api_token.user, plant_ids=plant_ids) if plant_ids else api_token.user
    return TokenUse(token=api_token, user=user, scopes=frozenset(api_token.scopes), plant_ids=plant_ids)
