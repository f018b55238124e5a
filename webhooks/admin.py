from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from employees.access import client_ip
from webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from webhooks.subscriptions import webhook_deliveries_redeliver, webhook_subscription_save


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("event types"),
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only these events; none selected: every event."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "description", "plants", "event_types", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise forms.ValidationError(
                _("Enter an http:// or https:// address of the receiver, e.g. https://mes.example.com/hooks/certtrack.")
            )
        return url

    def clean_event_types(self) -> list[str]:
        # Stored in the order of the event list, whatever the order the boxes were ticked in.
        chosen = set(self.cleaned_data["event_types"])
        return [code for code in EventType.values if code in chosen]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["url", "description", "is_active", "created_at"]
    list_filter = ["is_active", "plants"]
    search_fields = ["url", "description"]
    filter_horizontal = ["plants"]
    readonly_fields = ["secret", "delivery_log", "created_by", "created_at"]
    fields = [
        "url",
        "description",
        "plants",
        "event_types",
        "is_active",
        "secret",
        "delivery_log",
        "created_by",
        "created_at",
    ]

    @admin.display(description=gettext_lazy("delivery log"))
    def delivery_log(self, subscription: WebhookSubscription) -> str:
        if subscription.pk is None:
            return "-"
        counts = dict(
            subscription.deliveries.values_list("status").annotate(n=Count("id")).order_by().values_list("status", "n")
        )
        url = reverse("admin:webhooks_webhookdelivery_changelist") + f"?subscription__id__exact={subscription.pk}"
        summary = ", ".join(f"{label}: {counts.get(value, 0)}" for value, label in DeliveryStatus.choices)
        return format_html('<a href="{}">{}</a> ({})', url, _("Deliveries"), summary)

    def save_model(self, request, obj, form, change) -> None:
        # Through the service: the subscription and its plants are written and audited in one transaction.
        webhook_subscription_save(
            subscription=obj,
            plant_ids=[plant.pk for plant in form.cleaned_data.get("plants", [])],
            actor=request.user,
            changed_fields=form.changed_data if change else (),
            ip_address=client_ip(request),
        )

    def save_related(self, request, form, formsets, change) -> None:
        # The plants were set by the service (save_model); the admin would only set them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ["subscription", "status", "attempts", "next_attempt_at", "delivered_at", "last_status_code", "last_error"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["public_id", "type", "plant", "occurred_at"]
    list_filter = ["type", "plant"]
    search_fields = ["public_id"]
    list_select_related = ["plant"]
    fields = ["public_id", "type", "plant", "occurred_at", "data", "dedupe_key", "created_at"]
    readonly_fields = fields
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event",
        "event_type",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_error",
    ]
    list_filter = ["status", "subscription", "event__type"]
    search_fields = ["event__public_id", "subscription__url"]
    list_select_related = ["event", "subscription"]
    fields = [
        "event",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_error",
    ]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    @admin.display(description=gettext_lazy("type"), ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.get_type_display()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Redeliver (same event ID)"), permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = webhook_deliveries_redeliver(deliveries=queryset, actor=request.user, ip_address=client_ip(request))
        self.message_user(
            request,
            ngettext("%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
