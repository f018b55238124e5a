"""LDAP / Active Directory sign-in on django-auth-ldap: bind, user search, group search, the same mapping.

Configured from plain LDAP_* settings (certtrack/settings.py reads them from the environment; the shell
builds no LDAP objects), turned here into django-auth-ldap's AUTH_LDAP_* configuration. A user is matched
by a stable attribute (LDAP_USER_ID_ATTR: entryUUID in OpenLDAP, employeeID in many AD forests) kept in
SsoIdentity, not by the login name.
"""

from __future__ import annotations

import ldap
from django.conf import settings
from django.contrib.auth.models import User
from django_auth_ldap.backend import LDAPBackend, _LDAPUser
from django_auth_ldap.config import GroupOfNamesType, LDAPSearch, NestedActiveDirectoryGroupType

from sso.models import SsoSource
from sso.selectors import sso_user_for_subject
from sso.services import sso_identity_link, sso_refusal_record, sso_sign_in_apply, sso_username_free

SOURCE = SsoSource.LDAP


def ldap_configuration() -> dict:
    """django-auth-ldap's settings (without the AUTH_LDAP_ prefix) from the plain LDAP_* settings."""
    group_type = (
        NestedActiveDirectoryGroupType()
        if settings.LDAP_GROUP_TYPE == "active_directory"
        else GroupOfNamesType(name_attr="cn")
    )
    return {
        "SERVER_URI": settings.LDAP_SERVER_URI,
        "BIND_DN": settings.LDAP_BIND_DN,
        "BIND_PASSWORD": settings.LDAP_BIND_PASSWORD,
        "START_TLS": settings.LDAP_START_TLS,
        "CONNECTION_OPTIONS": {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: settings.LDAP_TIMEOUT},
        "USER_SEARCH": LDAPSearch(
            settings.LDAP_USER_SEARCH_BASE,
            ldap.SCOPE_SUBTREE,
            settings.LDAP_USER_FILTER,
            attrlist=["*", settings.LDAP_USER_ID_ATTR],  # entryUUID is operational: asked for by name
        ),
        "GROUP_SEARCH": LDAPSearch(settings.LDAP_GROUP_SEARCH_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_GROUP_FILTER),
        "GROUP_TYPE": group_type,
        "USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "ALWAYS_UPDATE_USER": True,
        "NO_NEW_USERS": not settings.LDAP_CREATE_USERS,
    }


def ldap_subject(ldap_user: _LDAPUser) -> str:
    values = ldap_user.attrs.get(settings.LDAP_USER_ID_ATTR) or []
    return str(values[0]).strip() if values else ""


class LdapBackend(LDAPBackend):
    """django-auth-ldap's backend, matching by LDAP_USER_ID_ATTR and applying the group mapping at each sign-in."""

    @property
    def default_settings(self) -> dict:
        return ldap_configuration()

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[User, bool]:
        subject = ldap_subject(ldap_user)
        request = getattr(ldap_user, "_request", None)
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
        if not subject:
            sso_refusal_record(
                source=SOURCE, subject=username, reason=f"no {settings.LDAP_USER_ID_ATTR}", ip_address=ip
            )
            raise ldap_user.AuthenticationFailed(f"no {settings.LDAP_USER_ID_ATTR} attribute")
        user = sso_user_for_subject(source=SOURCE, subject=subject)
        if user is not None:
            return user, False
        if not settings.LDAP_CREATE_USERS:
            sso_refusal_record(
                source=SOURCE, subject=subject, reason="unknown user, LDAP_CREATE_USERS is off", ip_address=ip
            )
        # Saved by django-auth-ldap (unusable password) unless NO_NEW_USERS refuses it; linked below.
        return self.get_user_model()(username=sso_username_free(wanted=username)), True

    def authenticate_ldap_user(self, ldap_user: _LDAPUser, password: str) -> User | None:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None or not user.is_active:
            return None
        subject = ldap_subject(ldap_user)
        request = getattr(ldap_user, "_request", None)
        sso_identity_link(user=user, source=SOURCE, subject=subject)
        sso_sign_in_apply(
            user=user,
            source=SOURCE,
            subject=subject,
            groups=sorted(ldap_user.group_names),
            ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
        )
        return user
