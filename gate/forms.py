"""The override pages' forms (grant, end early) and the kiosk's one input."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certtrack.forms import ModelChoiceField
from employees.models import Employee, Plant, Station
from gate.models import OVERRIDE_MAX_DURATION

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DEFAULT_OVERRIDE_HOURS = 8
FIRST_YEAR, LAST_YEAR = 2000, 2199


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; ISO values in every language (plant time: the view activates the
    plant's time zone around the form)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL)


def _datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class StationChoiceField(ModelChoiceField):
    def label_from_instance(self, station: Station) -> str:
        return f"{station.line.code} / {station.code} {station.name}"


class OverrideGrantForm(forms.Form):
    """Who, where, when, why, and the granter's password once more (a grant lets someone work a station the
    gate would refuse). Times are the plant's (the view activates its time zone)."""

    employee_no = forms.CharField(label=_("Employee number"), max_length=32)
    station = StationChoiceField(label=_("Station"), queryset=Station.objects.none())
    starts_at = _datetime_field(pgettext_lazy("override window", "From"))
    ends_at = _datetime_field(pgettext_lazy("override window", "Until"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to confirm the override."),
    )

    def __init__(self, *args: object, plant: Plant, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.plant = plant
        stations = (
            Station.objects.filter(line__plant=plant, line__is_active=True, is_active=True)
            .select_related("line")
            .order_by("line__code", "code")
        )
        field = self.fields["station"]
        field.queryset = stations
        groups: dict[str, list[tuple[int, str]]] = {}
        for station in stations:
            groups.setdefault(f"{station.line.code} · {station.line.name}", []).append(
                (station.pk, f"{station.code} {station.name}")
            )
        field.choices = [("", "---------"), *groups.items()]
        if not self.is_bound:
            now = timezone.localtime(timezone.now(), plant.tz).replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now)
            self.initial.setdefault("ends_at", now + datetime.timedelta(hours=DEFAULT_OVERRIDE_HOURS))

    def _in_range(self, name: str) -> datetime.datetime:
        moment = self.cleaned_data[name]
        # Far years overflow once converted to UTC for the database: refuse them here, with a message.
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Enter a moment between %(first)s and %(last)s."), params={"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return moment

    def clean_starts_at(self) -> datetime.datetime:
        return self._in_range("starts_at")

    def clean_ends_at(self) -> datetime.datetime:
        return self._in_range("ends_at")

    def clean_employee_no(self) -> Employee:
        number = self.cleaned_data["employee_no"].strip()
        employee = Employee.objects.filter(plant=self.plant, employee_no=number).first()
        if employee is None:
            raise forms.ValidationError(
                _("No employee %(number)s at %(plant)s."), params={"number": number, "plant": self.plant.code}
            )
        return employee

    def clean(self) -> dict:
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at:
            if ends_at <= starts_at:
                self.add_error("ends_at", _("The end must come after the start."))
            elif ends_at - starts_at > OVERRIDE_MAX_DURATION:
                self.add_error("ends_at", _("An override lasts at most 12 hours."))
            elif ends_at <= timezone.now():
                # A window wholly in the past lets nobody work: it is a mistyped date, not an override.
                self.add_error("ends_at", _("This window is over already: the end must be in the future."))
        return cleaned


class OverrideEndForm(forms.Form):
    reason = forms.CharField(label=_("Why end it now?"), max_length=2000)


class KioskForm(forms.Form):
    employee_no = forms.CharField(label=_("Employee number"), max_length=32)
