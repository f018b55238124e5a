"""Read-only admin for the append-only records: they change only through services."""

from __future__ import annotations

from django.contrib import admin

from assessments.models import Assessment, AuditEvent, Certification, ReadinessMark, TrainingSession


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    # Read-only: sessions are created, changed and cancelled on the trainer's pages, through the services
    # that check the trainer's authorisation and the session's results and write the audit event.
    list_display = ["course", "plant", "held_on", "location", "delivery_mode", "trainer", "cancelled_at"]
    list_filter = ["plant", "delivery_mode"]
    search_fields = ["course__code", "location", "trainer__username"]
    date_hierarchy = "held_on"
    list_select_related = ["course", "plant", "trainer"]
    raw_id_fields = ["attendees"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "employee",
        "course",
        "kind",
        "assessed_on",
        "score",
        "passed",
        "attempt",
        "assessor",
        "source",
        "voided_at",
    ]
    list_filter = ["kind", "passed", "source", "employee__plant", "course__process_area"]
    search_fields = ["employee__employee_no", "employee__name", "course__code"]
    date_hierarchy = "assessed_on"
    list_select_related = ["employee", "course", "assessor"]


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ["employee", "course", "certified_on", "expires_on", "attempts", "revoked_on"]
    list_filter = ["employee__plant", "course__process_area", "course__safety_critical"]
    search_fields = ["employee__employee_no", "employee__name", "course__code"]
    list_select_related = ["employee", "course"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor", "action", "plant", "employee", "course", "summary", "ip_address"]
    list_filter = ["action", "plant"]
    search_fields = ["summary", "employee__employee_no", "actor__username", "course__code"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor", "plant", "employee", "course"]


@admin.register(ReadinessMark)
class ReadinessMarkAdmin(ReadOnlyAdmin):
    list_display = ["employee", "plant", "reason", "created_at"]
    list_filter = ["plant", "reason"]
