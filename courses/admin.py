from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from courses import services
from courses.models import Course, ProcessArea, Requirement, TrainerAuthorisation
from employees.admin import PlantMembershipInline


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

    def save_model(self, request, obj, form, change) -> None:
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
    def save_model(self, request, obj, form, change) -> None:
        services.requirement_save(requirement=obj)

    def delete_model(self, request, obj) -> None:
        services.requirement_delete(requirement=obj)

    def delete_queryset(self, request, queryset) -> None:
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

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


# --- Users: roles per plant (employees) and trainer authorisations (courses) on one page --------


class TrainerAuthorisationInline(admin.TabularInline):
    model = TrainerAuthorisation
    fk_name = "user"
    extra = 0
    fields = ["plant", "course", "valid_until", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]
    autocomplete_fields = ["course"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class CerttrackUserAdmin(UserAdmin):
    """Users with their roles per plant and the courses they may assess, on one page."""

    inlines = [PlantMembershipInline, TrainerAuthorisationInline]
    list_display = ["username", "first_name", "last_name", "email", "is_superuser", "is_active", "last_login"]

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, TrainerAuthorisation) and instance.granted_by_id is None:
                instance.granted_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()
