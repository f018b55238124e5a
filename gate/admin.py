"""The gate in the admin: line-side terminals (created, renamed, (de)activated and paired through the
services, which audit each change) and the overrides, read-only (granted and ended on the override pages)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gate import services
from gate.models import Override, Terminal
from gate.views import pairing_url


class TerminalForm(forms.ModelForm):
    class Meta:
        model = Terminal
        fields = ["name", "station", "is_active"]


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    form = TerminalForm
    list_display = ["name", "station", "is_active", "last_seen_at", "created_by", "created_at"]
    list_filter = ["is_active", "station__line__plant"]
    search_fields = ["name", "station__code", "station__line__code"]
    list_select_related = ["station__line__plant", "created_by"]
    raw_id_fields = ["station"]
    readonly_fields = ["user", "created_by", "created_at", "last_seen_at"]
    actions = ["new_pairing_link"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "station", "is_active", "user", "created_by", "created_at", "last_seen_at"],
                "description": gettext_lazy(
                    "A terminal is one device at one station. Its pairing link works once: opening a new link on "
                    "a second device signs the first device out (its screen then says it is signed out), and so "
                    "does deactivating the terminal."
                ),
            },
        )
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # A terminal stays at its station: a device moved elsewhere is a new terminal (its audit trail stays true).
        return [*self.readonly_fields, "station"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        # Through the services: a terminal gets its own device user, and every change is audited.
        if change:
            # The form has set the new values on obj already: the service compares with the stored row.
            services.terminal_update(
                terminal=Terminal.objects.select_related("station__line").get(pk=obj.pk),
                actor=request.user,
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
            )
            return
        terminal = services.terminal_create(
            name=form.cleaned_data["name"], station=form.cleaned_data["station"], created_by=request.user
        )
        obj.pk, obj.user, obj.created_at, obj.created_by = terminal.pk, terminal.user, terminal.created_at, request.user
        self._show_link(request, terminal)

    def _show_link(self, request, terminal: Terminal) -> None:
        token = services.terminal_pairing_token(terminal=terminal, actor=request.user)
        self.message_user(
            request,
            _("Pairing link for %(terminal)s (open it once on the device, within 24 hours): %(url)s")
            % {"terminal": terminal.name, "url": pairing_url(request, token)},
            messages.WARNING,
        )

    @admin.action(description=gettext_lazy("New pairing link (the previous one stops working)"))
    def new_pairing_link(self, request, queryset) -> None:
        for terminal in queryset.select_related("station__line__plant"):
            try:
                self._show_link(request, terminal)
            except ValidationError as error:
                self.message_user(request, f"{terminal.name}: {' '.join(error.messages)}", messages.ERROR)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: the audit trail names the terminal


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    # Read-only: granted (with the granter's password) and ended on the override pages, through the services.
    list_display = ["employee", "station", "starts_at", "ends_at", "granted_by", "ended_at", "ended_by"]
    list_filter = ["station__line__plant"]
    search_fields = ["employee__employee_no", "employee__name", "station__code", "reason"]
    list_select_related = ["employee", "station__line", "granted_by", "ended_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
