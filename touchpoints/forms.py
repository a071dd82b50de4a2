"""Forms of the import and API token pages: shape checks only; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from journeys.models import ApiToken

from .uploads import csv_upload_type_check


class RatingsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ratings file (CSV)"),
        error_messages={"required": _("Choose a CSV file to upload."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        csv_upload_type_check(upload=upload)  # an image or a PDF is refused before it is stored
        return upload


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("Who will use it, e.g. “Survey tool” or “Check-in kiosks”."),
        error_messages={"required": _("Give the token a name, e.g. the client that will use it.")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.INGEST],
        error_messages={"required": _("Choose at least one scope.")},
    )
