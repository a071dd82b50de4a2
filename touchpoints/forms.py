"""Forms of the import and API token pages and the map editor's touchpoint dialog:
shape checks only; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from journeys.models import ApiToken

from .models import Channel, ScaleChoice, Touchpoint
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


TOUCHPOINT_NAME_MAX = Touchpoint._meta.get_field("name").max_length
TOUCHPOINT_KEY_MAX = Touchpoint._meta.get_field("key").max_length


class TouchpointForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=TOUCHPOINT_NAME_MAX,
        error_messages={"required": _("Give the touchpoint a name.")},
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.WEB)
    scale = forms.ChoiceField(label=_("Rating scale"), choices=ScaleChoice.choices, initial=ScaleChoice.CSAT5)
    interaction = forms.ChoiceField(
        label=_("Human or digital"), choices=Touchpoint.Interaction.choices, initial=Touchpoint.Interaction.DIGITAL,
    )
    key = forms.SlugField(
        label=_("Key"), max_length=TOUCHPOINT_KEY_MAX, required=False,
        help_text=_("REST clients and CSV files send ratings with this key. Leave it empty for one made from the "
                    "names. It can change only while no ratings use it."),
    )
    loyalty_question = forms.BooleanField(
        label=_("This is the cycle's loyalty question"), required=False,
        help_text=_("The overall question, e.g. “would you recommend us?”: key drivers explain its answers. "
                    "One per cycle."),
    )

    def service_fields(self) -> dict:
        """The cleaned fields for the touchpoint services; an empty key means "keep it"
        (or, for a new touchpoint, "derive one")."""
        data = dict(self.cleaned_data)
        if not data.get("key"):
            data.pop("key", None)
        return data
