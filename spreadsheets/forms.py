from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from certtrack import forms as fields
from spreadsheets.engine import Importer, User


class ImportUploadForm(forms.Form):
    plant = fields.ModelChoiceField(queryset=None, label=_("Plant"), to_field_name="code")
    file = forms.FileField(label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args: object, importer: type[Importer], user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plant"].queryset = importer.plants(user=user).order_by("code")
        if not importer.uses_plant:
            del self.fields["plant"]
        elif importer.kind == "organisation":
            self.fields["plant"].required = False
            self.fields["plant"].empty_label = _("Every plant named in the file")
            self.fields["plant"].help_text = _("Choose a plant to refuse rows of any other plant.")
        else:
            plants = list(self.fields["plant"].queryset[:2])
            if len(plants) == 1:  # the user's only plant: chosen already, as a new session's is
                self.fields["plant"].initial = plants[0]
                self.fields["plant"].empty_label = None

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than the %(limit)s MB upload limit."),
                params={"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            )
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Only Excel .xlsx files are accepted."))
        return upload
