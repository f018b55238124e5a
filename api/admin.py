"""API tokens in the admin: create one (shown once, in a message), revoke, list with scopes, plants and last use.

The model lives in assessments (its table predates the api app); its admin is here, with the services
(api/tokens.py) that create and revoke tokens and audit both.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from api.models import IdempotencyKey
from api.tokens import api_token_create, api_token_revoke
from assessments.models import ApiToken, TokenScope
from employees.access import client_ip


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
        required=False,
        help_text=gettext_lazy("None ticked: read."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "plants", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins create tokens here; the token is shown once, in a message, and only its hash is kept."""

    form = ApiTokenForm
    list_display = [
        "user",
        "name",
        "prefix",
        "scope_list",
        "plant_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["plants"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return super().get_queryset(request).prefetch_related("plants")

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return ["user", "name", "scopes", "plants", "expires_at"]
        return ["user", "name", "prefix", "scopes", "plants", "expires_at", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return ["prefix"]
        return ["user", "name", "prefix", "scopes", "plants", "expires_at", *self.readonly_fields[1:]]

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description=gettext_lazy("plants"))
    def plant_list(self, obj: ApiToken) -> str:
        return ", ".join(sorted(plant.code for plant in obj.plants.all())) or _("every plant of the user")

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # Shown, never edited: a token's rights change by revoking it and creating another.
        return obj is None or request.method in ("GET", "HEAD")

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked, not deleted: the audit trail names it

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm, change: bool) -> None:
        api_token, token = api_token_create(
            user=obj.user,
            name=obj.name,
            scopes=form.cleaned_data["scopes"] or [TokenScope.READ],
            plants=form.cleaned_data["plants"],
            expires_at=obj.expires_at,
            created_by=request.user,
            ip_address=client_ip(request),
        )
        obj.pk = api_token.pk
        obj.refresh_from_db()
        messages.warning(request, _("The new token is shown only once; copy it now: %(token)s") % {"token": token})

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        pass  # api_token_create set the plants

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            api_token_revoke(api_token=api_token, revoked_by=request.user, ip_address=client_ip(request))
            for api_token in queryset.select_related("user")
        )
        messages.success(
            request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked}
        )


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["user", "key", "status", "answer_status", "created_at"]
    list_filter = ["status"]
    search_fields = ["key", "user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IdempotencyKey | None = None) -> bool:
        return request.method in ("GET", "HEAD")
