"""Filter forms of the trainer's "who needs me" list and the audit log.

Forms only parse and shape input; every rule of DOMAIN.md is checked by assessments.services.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from assessments.models import AuditAction
from assessments.selectors.gaps import GAP_ORDER, gap_status_label
from certtrack import forms as fields
from courses.models import Course
from courses.selectors import courses_authorised_for
from employees.access import Capability, plant_ids_for_user, plants_for_user


class GapFilterForm(forms.Form):
    """Filters of "who needs me" on the trainer's home: one of the trainer's courses, one of their plants
    (offered only to a trainer of several: a session is planned at one plant), one state."""

    course = fields.ModelChoiceField(
        queryset=Course.objects.none(),
        label=_("Course"),
        required=False,
        empty_label=_("All my courses"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    plant = fields.ModelChoiceField(
        queryset=None,
        label=_("Plant"),
        required=False,
        empty_label=_("All my plants"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(label=_("State"), required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: object, user: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        plant_ids = plant_ids_for_user(user=user, capability=Capability.RECORD_RESULTS)
        plants = plants_for_user(user=user, capability=Capability.RECORD_RESULTS).order_by("code")
        self.several_plants = plants.count() > 1
        if self.several_plants:
            self.fields["plant"].queryset = plants
        else:
            del self.fields["plant"]
        self.fields["course"].queryset = courses_authorised_for(user=user, plant_ids=plant_ids).order_by("code")
        self.fields["status"].choices = [
            ("", _("Every state")),
            *((status, gap_status_label(status)) for status in GAP_ORDER),
        ]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (user name)"), required=False, max_length=150)
    employee = forms.CharField(label=_("Employee number"), required=False, max_length=32)
    course = forms.CharField(label=_("Course code"), required=False, max_length=24)
    action = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("All events")), *AuditAction.choices])
    date_from = fields.DateField(label=_("From date"), required=False)
    date_to = fields.DateField(label=_("To date"), required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned
