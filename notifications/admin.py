from __future__ import annotations

from django.contrib import admin

from notifications.models import EmailMessage, ReminderLadder, SupervisedLine


@admin.register(ReminderLadder)
class ReminderLadderAdmin(admin.ModelAdmin):
    list_display = ["plant", "rungs"]
    autocomplete_fields = ["plant"]


@admin.register(SupervisedLine)
class SupervisedLineAdmin(admin.ModelAdmin):
    list_display = ["user", "line"]
    list_filter = ["line__plant"]
    autocomplete_fields = ["user", "line"]


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    """Read-only: what the outbox holds, for "did the email go out?" questions."""

    list_display = ["created_at", "kind", "to", "plant", "on_date", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "plant"]
    search_fields = ["to"]
    exclude = ["reminders"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
