"""Writes for single sign-on: link a provider's user, apply the group mapping at each sign-in, audit.

Called by the OIDC and LDAP backends (sso/oidc.py, sso/ldap.py) once the provider has vouched for the
user. Every grant, revoke, sign-in and refusal leaves an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from employees.models import Plant, PlantMembership
from sso.models import SsoIdentity, SsoManagedMembership
from sso.selectors import sso_grants_for_groups


@dataclass(frozen=True)
class SignInOutcome:
    granted: list[tuple[str, str]]  # (plant code, role)
    revoked: list[tuple[str, str]]
    roles: int  # plant memberships the user holds after sign-in, managed or by hand


def sso_username_free(*, wanted: str) -> str:
    """A username no one has yet: `wanted`, else `wanted-2`, `wanted-3`, ... (usernames are only labels here)."""
    base = (wanted or "user")[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def sso_user_create(
    *, source: str, subject: str, username: str, email: str = "", first_name: str = "", last_name: str = ""
) -> User:
    """A new user for a provider's identifier (only when OIDC_CREATE_USERS / LDAP_CREATE_USERS allow it)."""
    with transaction.atomic():
        user = User(
            username=sso_username_free(wanted=username or subject),
            email=email[:254],
            first_name=first_name[:150],
            last_name=last_name[:150],
        )
        user.set_unusable_password()  # signs in through the provider only
        user.save()
        SsoIdentity.objects.create(user=user, source=source, subject=subject)
    return user


def sso_identity_link(*, user: User, source: str, subject: str) -> None:
    SsoIdentity.objects.get_or_create(source=source, subject=subject, defaults={"user": user})


def sso_refusal_record(*, source: str, subject: str, reason: str, ip_address: str | None = None) -> None:
    audit_event_create(
        actor=None,
        action=AuditAction.SSO_REFUSED,
        params={"source": source, "subject": subject[:100], "reason": reason},
        ip_address=ip_address,
    )


def sso_sign_in_apply(
    *,
    user: User,
    source: str,
    subject: str,
    groups: list[str] | None,
    ip_address: str | None = None,
    groups_claim: str = "",
) -> SignInOutcome:
    """Make the user's memberships managed by `source` exactly what the mapping grants from `groups`.

    Memberships an admin gave by hand are never touched, nor those another provider manages (with OIDC
    and LDAP both on, each keeps its own); a mapping that grants one the user already holds leaves it as
    it is. `groups` None means the provider did not say (no group claim at all: Entra ID leaves it out for
    a user in more than 200 groups): nothing is granted or revoked, and the sign-in's audit event says so.
    The membership rows are locked per user (select_for_update), so two sign-ins of one user at once
    apply one after the other.
    """
    known = groups is not None
    grants = sso_grants_for_groups(source=source, groups=groups) if known else {}
    granted: list[tuple[str, str]] = []
    revoked: list[tuple[str, str]] = []
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        held = {
            (m.plant_id, m.role): m
            for m in PlantMembership.objects.filter(user=user).select_related("plant", "sso_managed")
        }
        plants = {p.id: p for p in Plant.objects.filter(id__in={plant_id for plant_id, _ in grants})}
        for (plant_id, role), group in sorted(grants.items()):
            if (plant_id, role) in held:
                continue
            membership = PlantMembership.objects.create(user=user, plant_id=plant_id, role=role)
            SsoManagedMembership.objects.create(membership=membership, source=source, group=group)
            plant = plants[plant_id]
            granted.append((plant.code, role))
            audit_event_create(
                actor=user,
                action=AuditAction.SSO_ROLE_GRANTED,
                params={"user": user.username, "role": role, "plant": plant.code, "source": source, "group": group},
                plant_id=plant_id,
                obj=membership,
                ip_address=ip_address,
            )
        for (plant_id, role), membership in held.items():
            managed = getattr(membership, "sso_managed", None)
            if not known or managed is None or managed.source != source or (plant_id, role) in grants:
                continue
            revoked.append((membership.plant.code, role))
            audit_event_create(
                actor=user,
                action=AuditAction.SSO_ROLE_REVOKED,
                params={"user": user.username, "role": role, "plant": membership.plant.code, "source": source},
                plant_id=plant_id,
                obj=membership,
                ip_address=ip_address,
                changes={"group": managed.group},
            )
            membership.delete()
        SsoIdentity.objects.filter(user=user, source=source, subject=subject).update(last_sign_in_at=timezone.now())
        audit_event_create(
            actor=user,
            action=AuditAction.SSO_SIGNED_IN,
            params={
                "user": user.username,
                "source": source,
                "groups": sorted(groups) if known else [],
                **({} if known else {"groups_claim": groups_claim or "groups"}),
            },
            obj=user,
            ip_address=ip_address,
        )
        roles = PlantMembership.objects.filter(user=user).count()
    return SignInOutcome(granted=granted, revoked=revoked, roles=roles)
