from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (user name)"), required=False, max_length=150)
    employee = forms.CharField(label=_("Employee number"), required=False, max_length=32)
    course = forms.CharField(label=_("Course code"), required=False, max_length=24)
    action = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("All events")), *AuditAction.choices])
    date_from = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned
