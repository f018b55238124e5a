from __future__ import annotations

from django.contrib import admin

from sso.models import SsoGroupMapping, SsoIdentity, SsoManagedMembership


@admin.register(SsoGroupMapping)
class SsoGroupMappingAdmin(admin.ModelAdmin):
    list_display = ["group", "source", "plant", "role"]
    list_filter = ["source", "plant", "role"]
    search_fields = ["group"]


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Link an existing user to a provider's identifier here before their first company sign-in."""

    list_display = ["subject", "source", "user", "last_sign_in_at"]
    list_filter = ["source"]
    search_fields = ["subject", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "last_sign_in_at"]


@admin.register(SsoManagedMembership)
class SsoManagedMembershipAdmin(admin.ModelAdmin):
    """Read only: sign-in writes these; delete the membership itself to take a role away."""

    list_display = ["membership", "source", "group", "granted_at"]
    list_filter = ["source"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
