"""Form fields shared by every app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

# Primary keys are 64-bit; a larger number must be "not a valid choice", not a database overflow (a 500).
MAX_ID = 2**63 - 1


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
