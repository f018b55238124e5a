"""The plan's forms: the suggested plan's request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certtrack.forms import ModelChoiceField
from employees.models import Plant, ProductionLine
from planning.services.suggestions import MAX_BUFFER_DAYS


class LineChoiceField(ModelChoiceField):
    def label_from_instance(self, line: ProductionLine) -> str:
        sop = line.sop_date.isoformat() if line.sop_date else _("no SOP date")
        return f"{line.code} {line.name} (SOP {sop})"


class SuggestForm(forms.Form):
    line = LineChoiceField(
        label=_("Line"),
        queryset=ProductionLine.objects.none(),
        required=False,
        empty_label=_("The whole plant"),
    )
    buffer_days = forms.IntegerField(
        label=_("Buffer before SOP (days)"),
        min_value=0,
        max_value=MAX_BUFFER_DAYS,
        initial=14,
        help_text=_("Every suggested session ends at least this many days before the line's SOP date."),
    )
    confirm = forms.BooleanField(
        label=_("Confirm provisional passes before SOP + window"),
        required=False,
        help_text=_(
            "Plan a confirmation (on the job) for every pass that would only be provisional, so people stay "
            "qualified after the confirmation window closes."
        ),
    )

    def __init__(self, *args: object, plant: Plant, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code")
