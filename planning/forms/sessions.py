"""Forms of the plan: a planned session (plan and change), its cancellation, the plan list's filters.

Forms only parse and shape input; the plan's rules (who plans, authorised trainer, seats, prerequisites)
are checked by planning.services.sessions and its feasibility check.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from certtrack import forms as fields
from certtrack.names import user_name
from courses.models import Course, DeliveryMode, TrainerAuthorisation
from employees.models import Employee, Plant, PlantMembership, PlantRole, ProductionLine
from planning.models import MAX_SEATS, PlannedSession
from planning.services.sessions import plans_any_trainer

# More employee numbers than this in one session is a typing accident, not a class.
MAX_NUMBERS = 2 * MAX_SEATS
NUMBER_SEPARATORS = re.compile(r"[\s,;]+")


class TrainerField(fields.ModelChoiceField):
    def label_from_instance(self, obj: AbstractBaseUser) -> str:
        return user_name(obj)


def plant_trainers(plant: Plant):
    """Trainers of the plant who hold an authorisation there (for any course)."""
    members = PlantMembership.objects.filter(plant=plant, role=PlantRole.TRAINER).values("user_id")
    authorised = TrainerAuthorisation.objects.filter(plant=plant).values("user_id")
    return (
        get_user_model().objects.filter(is_active=True, pk__in=members).filter(pk__in=authorised).order_by("username")
    )


def plant_courses(plant: Plant, user: AbstractBaseUser):
    """The courses a session may be planned for: authorised at the plant (a trainer: for them)."""
    authorisations = TrainerAuthorisation.objects.filter(plant=plant, course__is_active=True)
    if not plans_any_trainer(user=user, plant_id=plant.id):
        authorisations = authorisations.filter(user=user)
    return (
        Course.objects.filter(id__in=authorisations.values("course_id"))
        .filter(Q(owner_plant__isnull=True) | Q(owner_plant=plant))
        .order_by("code")
    )


class PlannedSessionForm(forms.Form):
    course = fields.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    planned_on = fields.DateField(label=_("Date"))
    trainer = TrainerField(queryset=None, label=_("Trainer"), empty_label=None)
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=MAX_SEATS,
        required=False,
        help_text=_("Empty: the course's class size."),
    )
    delivery_mode = forms.ChoiceField(
        label=_("Delivery mode"), choices=[("", _("The course's usual mode")), *DeliveryMode.choices], required=False
    )
    line = fields.ModelChoiceField(queryset=None, label=_("Line"), required=False, empty_label=_("Any line"))
    shift = forms.ChoiceField(label=_("Shift"), required=False)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    attendees = forms.CharField(
        label=_("Planned attendees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=_("Employee numbers of the plant, separated by spaces, commas or new lines."),
    )

    def __init__(
        self, *args: object, plant: Plant, user: AbstractBaseUser, session: PlannedSession | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plant = plant
        self.session = session
        trainers = plant_trainers(plant)
        if not plans_any_trainer(user=user, plant_id=plant.id):
            trainers = get_user_model().objects.filter(pk=user.pk)
        if session is not None:
            trainers = trainers | get_user_model().objects.filter(pk=session.trainer_id)
            del self.fields["course"]  # a planned session keeps its course
        else:
            self.fields["course"].queryset = plant_courses(plant, user)
        self.fields["trainer"].queryset = trainers.distinct().order_by("username")
        self.fields["line"].queryset = ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code")
        self.fields["shift"].choices = [("", _("Any shift")), *((code, code) for code in plant.shift_code_list)]

    def clean_attendees(self) -> list[Employee]:
        numbers = [n for n in NUMBER_SEPARATORS.split(self.cleaned_data.get("attendees") or "") if n]
        if len(numbers) > MAX_NUMBERS:
            raise forms.ValidationError(
                _("At most %(max)s employee numbers in one session.") % {"max": MAX_NUMBERS}, code="too_many"
            )
        wanted = {n.upper() for n in numbers}
        found = {
            e.number_key: e
            for e in Employee.objects.filter(plant=self.plant)
            .annotate(number_key=Upper("employee_no"))
            .filter(number_key__in=wanted)
        }
        unknown = sorted(wanted - set(found))
        if unknown:
            raise forms.ValidationError(
                _("No employee of plant %(plant)s has the number: %(numbers)s.")
                % {"plant": self.plant.code, "numbers": ", ".join(unknown[:20])},
                code="unknown",
            )
        return sorted(found.values(), key=lambda e: e.employee_no)


def initial_for_session(session: PlannedSession) -> dict:
    return {
        "planned_on": session.planned_on,
        "trainer": session.trainer_id,
        "seats": session.seats,
        "delivery_mode": session.delivery_mode,
        "line": session.line_id,
        "shift": session.shift,
        "location": session.location,
        "notes": session.notes,
        "attendees": "\n".join(session.attendees.order_by("employee_no").values_list("employee_no", flat=True)),
    }


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class PlanFilterForm(forms.Form):
    line = fields.ModelChoiceField(queryset=None, label=_("Line"), required=False, empty_label=_("All lines"))
    course = fields.ModelChoiceField(queryset=None, label=_("Course"), required=False, empty_label=_("All courses"))
    trainer = TrainerField(queryset=None, label=_("Trainer"), required=False, empty_label=_("All trainers"))
    month = forms.CharField(
        label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Planned (live)")),
            ("held", _("Held")),
            ("cancelled", _("Cancelled")),
            ("all", _("All")),
        ],
    )

    def __init__(self, *args: object, plant: Plant, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = ProductionLine.objects.filter(plant=plant).order_by("code")
        self.fields["course"].queryset = (
            Course.objects.filter(planned_sessions__plant=plant).distinct().order_by("code")
        )
        self.fields["trainer"].queryset = (
            get_user_model().objects.filter(planned_sessions__plant=plant).distinct().order_by("username")
        )
        # The list's filter row renders the bare widgets: Bootstrap's classes keep them in their column.
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "month" else "form-select"

    def clean_month(self) -> tuple[int, int] | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match.group(2)) <= 12 or not 1970 <= int(match.group(1)) <= 2199:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        return int(match.group(1)), int(match.group(2))
