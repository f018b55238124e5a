from __future__ import annotations

from django.contrib import admin

from courses import services
from courses.models import Course, ProcessArea, Requirement, TrainerAuthorisation


@admin.register(ProcessArea)
class ProcessAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "position"]
    search_fields = ["code", "name", "name_zh"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "process_area",
        "version",
        "delivery_mode",
        "needs_theory",
        "needs_practical",
        "pass_mark",
        "validity_months",
        "safety_critical",
        "owner_plant",
        "is_active",
    ]
    list_filter = [
        "process_area",
        "delivery_mode",
        "safety_critical",
        "needs_theory",
        "needs_practical",
        "owner_plant",
        "is_active",
    ]
    search_fields = ["code", "title", "title_zh"]
    filter_horizontal = ["prerequisites"]
    list_select_related = ["process_area", "owner_plant"]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001, ARG002
        # Through the service: a validity or active-flag change re-marks everyone it affects.
        services.course_save(course=obj, changed_fields=form.changed_data if change else ())


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ["course", "scope", "plant", "role", "station", "created_at"]
    list_filter = ["scope", "plant", "role"]
    search_fields = ["course__code", "course__title", "station__code"]
    list_select_related = ["course", "plant", "role", "station", "station__line"]
    autocomplete_fields = ["course"]
    raw_id_fields = ["station"]

    # Through the services: the employees of the old and new target are marked for the readiness roll-up.
    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001, ARG002
        services.requirement_save(requirement=obj)

    def delete_model(self, request, obj) -> None:  # noqa: ANN001, ARG002
        services.requirement_delete(requirement=obj)

    def delete_queryset(self, request, queryset) -> None:  # noqa: ANN001, ARG002
        for requirement in queryset:
            services.requirement_delete(requirement=requirement)


@admin.register(TrainerAuthorisation)
class TrainerAuthorisationAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "plant", "granted_by", "granted_at", "valid_until"]
    list_filter = ["plant", "course__process_area"]
    search_fields = ["user__username", "course__code", "course__title"]
    list_select_related = ["user", "course", "plant", "granted_by"]
    autocomplete_fields = ["user", "course"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
