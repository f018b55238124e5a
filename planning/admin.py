"""The plan in the admin: planned sessions read-only (planned, changed, cancelled and held through the plan
pages, whose services check feasibility and audit each change), the plants' closed days editable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from planning.models import PlannedAttendance, PlannedSession, PlantClosure


class PlannedAttendanceInline(admin.TabularInline):
    model = PlannedAttendance
    fields = ["employee"]
    readonly_fields = ["employee"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PlannedSession)
class PlannedSessionAdmin(admin.ModelAdmin):
    list_display = ["planned_on", "course", "plant", "trainer", "seats", "line", "shift", "source", "cancelled_at"]
    list_filter = ["plant", "source", "delivery_mode"]
    search_fields = ["course__code", "trainer__username", "location"]
    date_hierarchy = "planned_on"
    list_select_related = ["course", "plant", "trainer", "line"]
    inlines = [PlannedAttendanceInline]
    readonly_fields = [
        "plant",
        "course",
        "planned_on",
        "seats",
        "trainer",
        "delivery_mode",
        "shift",
        "line",
        "location",
        "notes",
        "source",
        "held_session",
        "created_by",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
    ]

    # Writes go through planning.services.sessions (feasibility checked, audited): the admin only reads.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PlantClosure)
class PlantClosureAdmin(admin.ModelAdmin):
    list_display = ["plant", "closed_on", "reason"]
    list_filter = ["plant"]
    date_hierarchy = "closed_on"
    search_fields = ["reason"]
