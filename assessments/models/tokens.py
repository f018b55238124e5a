"""API tokens: the bearer tokens of the integration API (api/), stored as hashes only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    """What a token may be used for; its user's roles (employees/access.py) still decide at which plants."""

    READ = "read", _("Read plants, readiness and certifications")
    GATE = "gate", _("Ask the station gate")
    RESULTS_WRITE = "results:write", _("Record assessment results")
    WEBHOOKS = "webhooks", _("Manage webhook subscriptions")


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once.

    Its rights are its user's role capabilities, limited to its scopes and, when it names plants, to
    those plants (none named: every plant its user may see).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    # Tokens made before scopes existed were read-only: they keep exactly that.
    scopes = models.JSONField(_("scopes"), default=list, db_default=["read"])
    plants = models.ManyToManyField(
        "employees.Plant",
        blank=True,
        related_name="api_tokens",
        verbose_name=_("plants"),
        help_text=_("Leave empty for every plant the user may see."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user__username", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}… {self.name}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
