"""OpenID Connect sign-in on mozilla-django-oidc: its backend's hooks are where matching and role mapping go.

Configured from the environment (certtrack/settings.py, "Single sign-on"). With OIDC_ISSUER alone the
endpoints come from the provider's discovery document, read once per process at the first sign-in, not
at start-up (a provider down must not stop certtrack, nor slow a password sign-in); an endpoint set in
the environment wins over discovery.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sso.models import SsoSource
from sso.services import sso_refusal_record, sso_sign_in_apply, sso_user_create

logger = logging.getLogger(__name__)

SOURCE = SsoSource.OIDC
# The setting -> the discovery document's key.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovery: dict[str, dict] = {}
# Why a sign-in was refused, kept in the session for the refusal page (sso/views.py).
REFUSAL_SESSION_KEY = "sso_refused"


def oidc_discovery(issuer: str) -> dict:
    """The provider's /.well-known/openid-configuration, once per issuer and process."""
    if issuer not in _discovery:
        response = requests.get(
            issuer.rstrip("/") + "/.well-known/openid-configuration",
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
        )
        response.raise_for_status()
        _discovery[issuer] = response.json()
    return _discovery[issuer]


def oidc_setting(attr: str, *args: object) -> object:
    """mozilla-django-oidc's setting lookup, with the endpoints found by discovery when not set."""
    if attr in DISCOVERED and not getattr(settings, attr, "") and settings.OIDC_ISSUER:
        value = oidc_discovery(settings.OIDC_ISSUER).get(DISCOVERED[attr])
        if value:
            return value
    return import_from_settings(attr, *args)


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _refuse(request: HttpRequest | None, *, subject: str, reason: str, code: str) -> None:
    sso_refusal_record(source=SOURCE, subject=subject or "-", reason=reason, ip_address=_ip(request))
    if request is not None:
        request.session[REFUSAL_SESSION_KEY] = code


class OidcBackend(OIDCAuthenticationBackend):
    """Matches a user by the stable claim (OIDC_USER_CLAIM) stored in SsoIdentity, never by email or name."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: object, **kwargs: object) -> None:
        # The parent reads every endpoint here; this backend is built for every sign-in, passwords too,
        # so the endpoints are read in authenticate(), on a provider's callback only.
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: object) -> User | None:
        if request is None or "nonce" not in kwargs or not request.GET.get("code") or not request.GET.get("state"):
            return None
        try:
            for attr in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"):
                setattr(self, attr, oidc_setting(attr))
            self.OIDC_OP_JWKS_ENDPOINT = oidc_setting("OIDC_OP_JWKS_ENDPOINT", None)
            self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
            self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
            self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
            self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, ImproperlyConfigured, SuspiciousOperation) as exc:
            logger.warning("OIDC sign-in failed: %s", exc)
            _refuse(request, subject="", reason=f"provider error: {exc}"[:200], code="provider")
            return None

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict:
        # Groups may come in the ID token (Entra ID) or from the userinfo endpoint (Keycloak, Okta): both.
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def _subject(self, claims: dict) -> str:
        value = claims.get(settings.OIDC_USER_CLAIM)
        return str(value).strip() if value not in (None, "") else ""

    def verify_claims(self, claims: dict) -> bool:
        if self._subject(claims):
            return True
        _refuse(
            self.request,
            subject=str(claims.get("sub", "")),
            reason=f"no {settings.OIDC_USER_CLAIM} claim",
            code="claim",
        )
        return False

    def filter_users_by_claims(self, claims: dict):
        return self.UserModel.objects.filter(
            sso_identities__source=SOURCE, sso_identities__subject=self._subject(claims)
        )

    def describe_user_by_claims(self, claims: dict) -> str:
        return f"{settings.OIDC_USER_CLAIM} {self._subject(claims)}"

    def create_user(self, claims: dict) -> User:
        return sso_user_create(
            source=SOURCE,
            subject=self._subject(claims),
            username=str(claims.get(settings.OIDC_USERNAME_CLAIM) or self._subject(claims)),
            email=str(claims.get("email") or ""),
            # given_name/family_name when sent; else the whole `name` as the first name: splitting a display
            # name guesses wrong for half the plants (Li Wei is Wei of the Li family).
            first_name=str(claims.get("given_name") or ("" if claims.get("family_name") else claims.get("name") or "")),
            last_name=str(claims.get("family_name") or ""),
        )

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User | None:
        """The parent's recipe, with a refusal (audited, shown) at each way out and the mapping applied."""
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            return None
        subject = self._subject(claims)
        user = self.filter_users_by_claims(claims).first()  # at most one: SsoIdentity is unique per subject
        if user is None:
            if not settings.OIDC_CREATE_USER:
                _refuse(self.request, subject=subject, reason="unknown user, OIDC_CREATE_USERS is off", code="unknown")
                return None
            user = self.create_user(claims)
        if not user.is_active:
            _refuse(self.request, subject=subject, reason="the certtrack account is disabled", code="inactive")
            return None
        # No group claim at all is not "no groups": Entra ID leaves it out (an overage pointer instead) for a
        # user in more than 200 groups. The roles then stay as they were (sso_sign_in_apply audits it).
        groups = claims.get(settings.OIDC_GROUPS_CLAIM)
        if groups is not None:
            groups = [groups] if isinstance(groups, str) else [str(g) for g in groups]
        sso_sign_in_apply(
            user=user,
            source=SOURCE,
            subject=subject,
            groups=groups,
            ip_address=_ip(self.request),
            groups_claim=settings.OIDC_GROUPS_CLAIM,
        )
        return user


class OidcStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in page (OIDC authorization code flow with PKCE)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: object) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # endpoints are read in get()

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except requests.RequestException as exc:
            logger.warning("OIDC discovery failed: %s", exc)
            request.session[REFUSAL_SESSION_KEY] = "provider"
            return HttpResponseRedirect(reverse("sso:refused"))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; the backend above matches the user and applies the mapping."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        if REFUSAL_SESSION_KEY not in self.request.session:
            self.request.session[REFUSAL_SESSION_KEY] = "cancelled" if self.request.GET.get("error") else "provider"
        return HttpResponseRedirect(reverse("sso:refused"))
