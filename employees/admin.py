from __future__ import annotations

from django.contrib import admin

from employees.models import Employee, JobRole, Plant, PlantMembership, ProductionLine, Station, UserProfile
from employees.services import employee_save, line_save, station_save


@admin.register(Plant)
class PlantAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "country",
        "time_zone",
        "default_language",
        "shift_codes",
        "confirmation_window_days",
        "is_active",
    ]
    list_filter = ["country", "default_language", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ProductionLine)
class ProductionLineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "plant", "process_area", "shifts", "sop_date", "target_readiness_pct", "is_active"]
    list_filter = ["plant", "process_area", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["plant", "process_area"]

    def save_model(self, request, obj, form, change) -> None:
        # Audited, and marks the line's people for the readiness roll-up.
        line_save(line=obj, actor=request.user, changed_fields=form.changed_data)


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "line", "per_shift_target", "trainers_needed", "is_active"]
    list_filter = ["line__plant", "line", "is_active"]
    search_fields = ["code", "name", "line__code"]
    list_select_related = ["line", "line__plant"]

    def save_model(self, request, obj, form, change) -> None:
        # Audited, and marks the people of its line (and of the line it left).
        station_save(station=obj, actor=request.user, changed_fields=form.changed_data)


@admin.register(JobRole)
class JobRoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh"]
    search_fields = ["code", "name", "name_zh"]


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "plant", "line", "station", "role", "shift", "status", "hire_date"]
    list_filter = ["plant", "status", "role", "shift", "line"]
    search_fields = ["employee_no", "name"]
    list_select_related = ["plant", "line", "station", "role"]
    raw_id_fields = ["line", "station"]
    date_hierarchy = "hire_date"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # employees leave (a status); they are never deleted

    def save_model(self, request, obj, form, change) -> None:
        # Audited and marked for the readiness roll-up in the service.
        employee_save(employee=obj, actor=request.user, changed_fields=form.changed_data)


@admin.register(PlantMembership)
class PlantMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "plant", "role", "created_at"]
    list_filter = ["plant", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "plant"]
    autocomplete_fields = ["user"]


class PlantMembershipInline(admin.TabularInline):
    model = PlantMembership
    extra = 1
    fields = ["plant", "role"]


class UserProfileInline(admin.StackedInline):
    """The user's preferred language (empty: their plant's default), on the user's admin page."""

    model = UserProfile
    can_delete = False
    extra = 1
    max_num = 1
    fields = ["language"]
