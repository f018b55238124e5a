"""Tokens for the API tests, made through the service every entry path uses."""

from __future__ import annotations

import datetime

from api.tokens import api_token_create


def make_token(user, *scopes: str, plants=(), expires_at: datetime.datetime | None = None) -> str:
    _api_token, token = api_token_create(user=user, scopes=scopes or ("read",), plants=plants, expires_at=expires_at)
    return token


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
