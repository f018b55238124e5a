"""Form fields shared by every app."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Primary keys are 64-bit; a larger number must be "not a valid choice", not a database overflow (a 500).
MAX_ID = 2**63 - 1


def id_param(value: object) -> int | None:
    """A primary key from a query parameter or a list value: ASCII digits that fit an id, else None.

    Not str.isdigit(): it accepts "²" and other digits that int() refuses (a 500), and any length.
    """
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdecimal():
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def _fits_an_id(value: object) -> bool:
    try:
        return -MAX_ID <= int(str(value).strip()) <= MAX_ID
    except (TypeError, ValueError):
        return True  # not a number at all: Django's own validation reports it


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value: object) -> object:
        if value not in self.empty_values and not _fits_an_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: object) -> object:
        for item in value or ():
            if not _fits_an_id(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)


# --- Dates ----------------------------------------------------------------------------------------

ISO_DATE = "%Y-%m-%d"
# Every date certtrack accepts, in forms and the API: expiry windows and validity add days and months
# to it, and a filter adds a day and a time zone, so it stays far from date.min and date.max.
EARLIEST_DATE = datetime.date(1970, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)
# A date in a URL's query: exactly YYYY-MM-DD (fromisoformat alone also takes "20260630").
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DateInput(forms.DateInput):
    """`<input type="date">`, whose value must be ISO (YYYY-MM-DD) whatever the page's language.

    Django formats a date input with the language's first DATE_INPUT_FORMATS entry: "2026/12/01" in
    zh-hans, which the browser rejects (the field shows empty and the form comes back "required").
    A value typed in another accepted format and sent back with an error is shown as ISO too.
    """

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)

    def format_value(self, value: object) -> str | None:
        if isinstance(value, str) and value.strip():
            try:
                value = forms.DateField().to_python(value)  # any format the language accepts
            except ValidationError:
                return value  # not a date: shown as typed, next to its error
        return super().format_value(value)


class DateField(forms.DateField):
    """A date field shown as a browser date picker (see DateInput), between EARLIEST_DATE and LATEST_DATE."""

    widget = DateInput

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("min", EARLIEST_DATE.isoformat())
        self.widget.attrs.setdefault("max", LATEST_DATE.isoformat())

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                _("Enter a date between %(earliest)s and %(latest)s."),
                code="out_of_range",
                params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            )
