from __future__ import annotations

from django import forms

from notifications.models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["channel", "digest"]
        widgets = {"channel": forms.RadioSelect}
