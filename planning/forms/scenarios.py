"""The what-if scenario pages' forms: a scenario's name, one form per kind of change, an added session.

The forms only parse input; planning/services/scenarios.py validates it against the plant and writes it."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from certtrack.forms import DateField, ModelChoiceField
from courses.models import Course, DeliveryMode, TrainerAuthorisation
from courses.selectors import courses_available_to_plant
from employees.models import Employee, Plant, ProductionLine, Station
from planning.models import MAX_SEATS, ChangeKind, PlannedSession, ScenarioChange, ScenarioSession
from planning.services.scenarios import (
    CHANGE_FIELDS,
    MAX_HEADCOUNT,
    MAX_VALIDITY_MONTHS,
    SessionInput,
)

DATE_LABELS = {
    ChangeKind.TRAINER_AWAY: _("Away from"),
    ChangeKind.SOP_MOVED: _("New SOP date"),
    ChangeKind.SESSION_MOVED: _("New date"),
    ChangeKind.HIRE: _("First working day"),
    ChangeKind.LEAVE: _("No longer active from"),
}
EMPLOYEE_NUMBERS = re.compile(r"[\s,;]+")


class UserChoiceField(ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class CourseChoiceField(ModelChoiceField):
    def label_from_instance(self, course: Course) -> str:
        return f"{course.code} {course.title}"


class LineChoiceField(ModelChoiceField):
    def label_from_instance(self, line: ProductionLine) -> str:
        return f"{line.code} {line.name}"


class StationChoiceField(ModelChoiceField):
    def label_from_instance(self, station: Station) -> str:
        return f"{station.line.code} / {station.code} {station.name}"


class PlannedSessionChoiceField(ModelChoiceField):
    def label_from_instance(self, session: PlannedSession) -> str:
        return f"{session.planned_on:%Y-%m-%d} {session.course.code} · {session.attendee_count}/{session.seats}"


def trainers_of(plant: Plant):
    return (
        get_user_model()
        .objects.filter(id__in=TrainerAuthorisation.objects.filter(plant=plant).values("user_id"))
        .order_by("last_name", "first_name", "username")
    )


def _shift_choices(plant: Plant, blank: bool) -> list[tuple[str, str]]:
    choices = [(code, code) for code in plant.shift_code_list]
    return [("", _("Any shift")), *choices] if blank else choices


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ScenarioChangeForm(forms.Form):
    """One kind of change: only that kind's fields (ScenarioChange's docstring)."""

    def __init__(self, *args: object, kind: str, plant: Plant, change: ScenarioChange | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind, self.plant = kind, plant
        used = CHANGE_FIELDS[kind]
        if "trainer" in used:
            self.fields["trainer"] = UserChoiceField(label=_("Trainer"), queryset=trainers_of(plant))
        if "line" in used:
            self.fields["line"] = LineChoiceField(
                label=_("Line"), queryset=ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code")
            )
        if "station" in used:
            self.fields["station"] = StationChoiceField(
                label=_("Station"),
                required=False,
                queryset=Station.objects.filter(line__plant=plant, line__is_active=True, is_active=True)
                .select_related("line")
                .order_by("line__code", "code"),
                help_text=_("Optional: the hires then need the station's courses too."),
            )
        if "shift" in used:
            self.fields["shift"] = forms.ChoiceField(label=_("Shift"), choices=_shift_choices(plant, blank=False))
        if "headcount" in used:
            self.fields["headcount"] = forms.IntegerField(label=_("People"), min_value=1, max_value=MAX_HEADCOUNT)
        if "course" in used:
            self.fields["course"] = CourseChoiceField(
                label=_("Course"), queryset=courses_available_to_plant(plant=plant).order_by("code")
            )
        if "pass_rate" in used:
            self.fields["pass_rate"] = forms.DecimalField(
                label=_("Pass rate"),
                min_value=0,
                max_value=1,
                max_digits=4,
                decimal_places=3,
                help_text=_("The share of attempts that pass, from 0 to 1 (0.85: 85 in 100 pass)."),
            )
        if "validity_months" in used:
            self.fields["validity_months"] = forms.IntegerField(
                label=_("Validity (months)"), required=False, min_value=1, max_value=MAX_VALIDITY_MONTHS
            )
            self.fields["never_expires"] = forms.BooleanField(label=_("Never expires"), required=False)
        if "planned_session" in used:
            self.fields["planned_session"] = PlannedSessionChoiceField(
                label=_("Planned session"),
                queryset=PlannedSession.objects.live()
                .filter(plant=plant, planned_on__gt=plant.local_today())
                .select_related("course")
                .annotate(attendee_count=Count("attendances"))
                .order_by("planned_on", "course__code"),
            )
        if "employee" in used:
            self.fields["employee"] = forms.CharField(label=_("Employee number"), max_length=32)
        if "on_date" in used:
            self.fields["on_date"] = DateField(label=DATE_LABELS[kind])
        if change is not None and not self.is_bound:
            for name in used:
                value = getattr(change, name)
                self.initial[name] = value.employee_no if name == "employee" and value else value
            if "validity_months" in used:
                self.initial["never_expires"] = change.validity_months is None

    def clean_employee(self) -> Employee:
        number = self.cleaned_data["employee"].strip()
        employee = Employee.objects.filter(plant=self.plant, employee_no__iexact=number).first()
        if employee is None:
            raise ValidationError(_("No employee of this plant has this number."))
        return employee

    def clean(self) -> dict:
        data = super().clean()
        if "validity_months" in self.fields:
            months, never = data.get("validity_months"), data.get("never_expires")
            if never and months:
                self.add_error("validity_months", _("Either a number of months or never expires, not both."))
            elif not never and not months and "validity_months" not in self.errors:
                self.add_error("validity_months", _("Enter the months, or tick never expires."))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in CHANGE_FIELDS[self.kind]}
        if "validity_months" in fields and data.get("never_expires"):
            fields["validity_months"] = None
        return fields


class ScenarioSessionForm(forms.Form):
    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    planned_on = DateField(label=_("Date"))
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=MAX_SEATS,
        help_text=_("Empty: the course's class size."),
        required=False,
    )
    trainer = UserChoiceField(label=_("Trainer"), queryset=get_user_model().objects.none())
    delivery_mode = forms.ChoiceField(
        label=_("Delivery mode"), required=False, choices=[("", _("The course's own")), *DeliveryMode.choices]
    )
    shift = forms.ChoiceField(label=_("Shift"), required=False)
    line = LineChoiceField(label=_("Line"), required=False, queryset=ProductionLine.objects.none())
    attendees = forms.CharField(
        label=_("Attendees"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Employee numbers, separated by spaces, commas or new lines."),
    )

    def __init__(self, *args: object, plant: Plant, session: ScenarioSession | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plant = plant
        self.fields["course"].queryset = courses_available_to_plant(plant=plant).order_by("code")
        self.fields["trainer"].queryset = trainers_of(plant)
        self.fields["shift"].choices = _shift_choices(plant, blank=True)
        self.fields["line"].queryset = ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code")
        if session is not None and not self.is_bound:
            self.initial.update(
                course=session.course_id,
                planned_on=session.planned_on,
                seats=session.seats,
                trainer=session.trainer_id,
                delivery_mode=session.delivery_mode,
                shift=session.shift,
                line=session.line_id,
                attendees=" ".join(sorted(e.employee_no for e in session.attendees.all())),
            )

    def clean_attendees(self) -> list[Employee]:
        numbers = [n for n in EMPLOYEE_NUMBERS.split(self.cleaned_data.get("attendees") or "") if n]
        if len(numbers) > MAX_SEATS:
            raise ValidationError(_("At most %(max)s attendees.") % {"max": MAX_SEATS})
        # As typed and in capitals (numbers are printed in capitals on badges; a typed "sy-1" means SY-1).
        candidates = {*numbers, *(n.upper() for n in numbers)}
        found = {
            e.employee_no.upper(): e for e in Employee.objects.filter(plant=self.plant, employee_no__in=candidates)
        }
        missing = [n for n in numbers if n.upper() not in found]
        if missing:
            raise ValidationError(_("Not employees of this plant: %(numbers)s") % {"numbers": ", ".join(missing[:20])})
        return list({found[n.upper()].pk: found[n.upper()] for n in numbers}.values())

    def session_input(self) -> SessionInput:
        data = self.cleaned_data
        course = data["course"]
        return SessionInput(
            course=course,
            planned_on=data["planned_on"],
            seats=data.get("seats") or course.class_size,
            trainer=data["trainer"],
            delivery_mode=data.get("delivery_mode") or "",
            shift=data.get("shift") or "",
            line=data.get("line"),
            attendees=data.get("attendees") or [],
        )
