"""What the trainer's forms share: outcome choices, date and number inputs, the submit key, the reason
form (void, revoke, cancel).

Forms only parse and shape input; every rule of DOMAIN.md is checked by assessments.services.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from certtrack import forms as fields

PASS, FAIL = "pass", "fail"


PRACTICAL_CHOICES = [("", "—"), (PASS, _("Pass")), (FAIL, _("Fail"))]


SEARCH_LIMIT = 50


DateInput = fields.DateInput  # ISO values in every language (certtrack.forms)


def numeric_input(**attrs: str) -> forms.TextInput:
    # type="text", not "number": a number input silently sends "" for "8o", which would turn a typo
    # into a blank (unrecorded) row; here the server sees what was typed and refuses it.
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*", **attrs})


def new_key() -> uuid.UUID:
    return uuid.uuid4()


class ReasonForm(forms.Form):
    """Void an entry or revoke a certification: a reason is required."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Give a reason.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
