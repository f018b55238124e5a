"""django-axes and the company sign-in: axes throttles passwords, not a provider's callback."""

from __future__ import annotations

from django.http import HttpRequest


def company_sign_in_exempt(request: HttpRequest | None, credentials: dict | None) -> bool:
    """AXES_WHITELIST_CALLABLE: True for an OIDC callback's authenticate() (a nonce, no user name).

    A refused OIDC sign-in has no user name, so axes would count every refusal from one address against
    one (no user name, IP) pair, and a plant behind one NAT would lose the company sign-in for everyone
    after a few unknown people tried it. Passwords there are the provider's to throttle, and a callback
    needs a code the provider just issued. Password and LDAP sign-ins (a user name) are counted as before.
    """
    credentials = credentials or {}
    return "nonce" in credentials and not credentials.get("username")
