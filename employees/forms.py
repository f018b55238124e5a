"""Forms of the roster pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certtrack import forms as fields
from employees.access import Capability
from employees.languages import native_languages
from employees.models import EmployeeStatus
from employees.selectors import lines_for_user


class EmployeeFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or name"), required=False)
    line = fields.ModelChoiceField(
        queryset=None,
        label=_("Line"),
        required=False,
        empty_label=_("All lines"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *EmployeeStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines_for_user(user=user, capability=Capability.VIEW_PEOPLE).order_by(
            "plant__code", "code"
        )


class PreferredLanguageForm(forms.Form):
    """The profile's language: one of settings.LANGUAGES, each in its own name, or empty for the plant's."""

    language = forms.ChoiceField(
        label=_("Preferred language"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Used for your pages, emails and notifications."),
    )

    def __init__(self, *args: object, plant_default: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = dict(native_languages())
        self.fields["language"].choices = [
            ("", _("Plant default (%(language)s)") % {"language": names.get(plant_default, plant_default)}),
            *native_languages(),
        ]
