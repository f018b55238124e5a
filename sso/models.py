"""Single sign-on: who a provider's user is on our side, and which plant roles its groups grant.

Kept in this app's own tables, not in employees: a user is matched by a stable identifier the provider
gives (SsoIdentity), an admin maps provider groups to plant roles (SsoGroupMapping), and the memberships
sign-in created are marked (SsoManagedMembership) so that the next sign-in may take them back while the
memberships an admin gave by hand stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from employees.models import Plant, PlantMembership, PlantRole


class SsoSource(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    LDAP = "ldap", _("LDAP / Active Directory")


class MappingSource(models.TextChoices):
    ANY = "any", _("Any provider")
    OIDC = "oidc", _("OpenID Connect")
    LDAP = "ldap", _("LDAP / Active Directory")


class SsoIdentity(models.Model):
    """A user as a provider knows them: its stable identifier (OIDC `sub` or an employee-number claim,
    LDAP entryUUID or objectGUID), never a display name or an email address, which change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities", verbose_name=_("user")
    )
    source = models.CharField(_("provider"), max_length=8, choices=SsoSource.choices)
    subject = models.CharField(_("identifier at the provider"), max_length=255)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        ordering = ["source", "subject"]
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(fields=["source", "subject"], name="sso_identity_unique"),
            models.UniqueConstraint(fields=["user", "source"], name="sso_identity_one_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.subject} → {self.user}"


class SsoGroupMapping(models.Model):
    """One identity-provider group granting one role at one plant. Edited in the admin; applied at each sign-in."""

    source = models.CharField(_("provider"), max_length=8, choices=MappingSource.choices, default=MappingSource.ANY)
    group = models.CharField(
        _("group at the provider"),
        max_length=255,
        help_text=_(
            "The group's name as the provider sends it (OIDC groups claim, LDAP group cn); case does not matter."
        ),
    )
    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="+", verbose_name=_("plant"))
    role = models.CharField(_("role"), max_length=10, choices=PlantRole.choices)

    class Meta:
        ordering = ["group", "plant__code", "role"]
        verbose_name = _("group to role mapping")
        verbose_name_plural = _("group to role mappings")
        constraints = [
            # Groups are matched without case at sign-in, so "SY-Trainers" and "sy-trainers" are one row.
            models.UniqueConstraint(
                Lower("group"),
                F("source"),
                F("plant"),
                F("role"),
                name="sso_mapping_unique_ci",
                violation_error_message=_(
                    "This group already grants this role at this plant (group names are compared without case)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} ({self.get_source_display()}) → {self.plant.code} · {self.get_role_display()}"


class SsoManagedMembership(models.Model):
    """A plant membership that sign-in granted (and so may revoke); a membership without one was given by hand."""

    membership = models.OneToOneField(
        PlantMembership, on_delete=models.CASCADE, related_name="sso_managed", verbose_name=_("plant membership")
    )
    source = models.CharField(_("provider"), max_length=8, choices=SsoSource.choices)
    group = models.CharField(_("group at the provider"), max_length=255)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership managed by single sign-on")
        verbose_name_plural = _("memberships managed by single sign-on")

    def __str__(self) -> str:
        return f"{self.membership} ({self.source}: {self.group})"
