from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import services
from courses.models import (
    Checklist,
    ChecklistItem,
    Course,
    ProcessArea,
    Requirement,
    TrainerAuthorisation,
    translated_fields,
)
from employees.admin import PlantMembershipInline, UserProfileInline


@admin.register(ProcessArea)
class ProcessAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "name_de", "name_hu", "name_es", "position"]
    search_fields = ["code", "name", *translated_fields("name")]


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
        "uses_levels",
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
    search_fields = ["code", "title", *translated_fields("title")]
    filter_horizontal = ["prerequisites"]
    list_select_related = ["process_area", "owner_plant"]

    def save_model(self, request, obj, form, change) -> None:
        # Through the service: a validity or active-flag change re-marks everyone it affects.
        services.course_save(course=obj, changed_fields=form.changed_data if change else ())


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ["course", "scope", "plant", "role", "station", "min_level", "created_at"]
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


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 4
    fields = ["position", "text", "text_zh", "critical"]

    # A revision that results were marked against is frozen: publish the next one instead.
    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or not services.checklist_in_use(checklist=obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["course", "revision", "threshold_pct", "created_at"]
    search_fields = ["course__code", "course__title"]
    list_select_related = ["course"]
    autocomplete_fields = ["course"]
    inlines = [ChecklistItemInline]
    actions = ["publish_next_revision"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj is None:
            return ["revision"]
        if services.checklist_in_use(checklist=obj):
            return ["course", "revision", "threshold_pct"]
        return ["course", "revision"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not services.checklist_in_use(checklist=obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            # A new checklist is the course's next revision (revisions only go forward).
            latest = Checklist.objects.filter(course=obj.course).order_by("-revision").first()
            obj.revision = (latest.revision + 1) if latest else 1
        obj.save()

    @admin.action(description=gettext_lazy("Publish the next revision (a copy to edit)"))
    def publish_next_revision(self, request, queryset) -> None:
        for checklist in queryset.select_related("course").prefetch_related("items"):
            new = services.checklist_publish(
                course=checklist.course,
                items=[
                    services.ChecklistItemInput(text=i.text, text_zh=i.text_zh, critical=i.critical)
                    for i in checklist.items.all()
                ],
                threshold_pct=checklist.threshold_pct,
            )
            self.message_user(
                request,
                _("%(course)s: revision %(revision)s published; results keep the revision they were marked against.")
                % {"course": checklist.course.code, "revision": new.revision},
            )


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

    inlines = [UserProfileInline, PlantMembershipInline, TrainerAuthorisationInline]
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
