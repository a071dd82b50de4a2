"""Forms of the import and API token pages and the map editor's touchpoint dialog:
shape checks only; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from journeys.models import ApiToken

from .models import QUOTE_MAX_LENGTH, SURVEY_QUESTION_MAX_LENGTH, Channel, ScaleChoice, Segment, Touchpoint
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


class SurveyLinkForm(forms.Form):
    """A survey link's settings on the Collect page; the service checks the rest."""

    name = forms.CharField(label=_("Name (for your team)"), max_length=120, required=False,
                           help_text=_("E.g. “Poster at baggage claim” or “Check-in e-mail”."))
    question_en = forms.CharField(label=_("Question in English"), max_length=SURVEY_QUESTION_MAX_LENGTH,
                                  required=False)
    question_es = forms.CharField(label=_("Question in Spanish"), max_length=SURVEY_QUESTION_MAX_LENGTH,
                                  required=False)
    comment_enabled = forms.BooleanField(label=_("Ask for an optional comment"), required=False, initial=True)
    comment_prompt_en = forms.CharField(label=_("Comment prompt in English"), max_length=SURVEY_QUESTION_MAX_LENGTH,
                                        required=False)
    comment_prompt_es = forms.CharField(label=_("Comment prompt in Spanish"), max_length=SURVEY_QUESTION_MAX_LENGTH,
                                        required=False)
    kiosk_comment = forms.BooleanField(label=_("Show the comment box on the kiosk too"), required=False)
    segment = forms.ModelChoiceField(label=_("Segment of every rating"), queryset=Segment.objects.none(),
                                     required=False, empty_label=_("None"))
    one_per_device = forms.BooleanField(
        label=_("One rating per device per day"), required=False,
        help_text=_("A cookie, stated on the page, keeps a device from rating twice within 24 hours. "
                    "Kiosks and per-recipient links are not limited by it."))
    ends_at = forms.DateTimeField(
        label=_("Ends at (optional)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the cycle's time zone. After it the link's page says the survey has ended."))

    def __init__(self, *args, organization_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        segment = self.fields["segment"]
        assert isinstance(segment, forms.ModelChoiceField)
        segment.queryset = Segment.objects.filter(organization_id=organization_id).order_by("name")
SEGMENT_NAME_MAX = Segment._meta.get_field("name").max_length


class SegmentForm(forms.Form):
    """A persona: a customer segment with who they are, their goals and a quote."""

    name = forms.CharField(label=_("Name"), max_length=SEGMENT_NAME_MAX,
                           error_messages={"required": _("Give the persona a name.")},
                           help_text=_("e.g. “Business traveller” or “First-time buyer”."))
    key = forms.SlugField(
        label=_("Key"), max_length=TOUCHPOINT_KEY_MAX, required=False,
        help_text=_("Ratings name their segment by this key (API, CSV). Leave it empty for one made from the name."),
    )
    description = forms.CharField(label=_("Who they are"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What they want to achieve with us."))
    quote = forms.CharField(label=_("Quote"), max_length=QUOTE_MAX_LENGTH, required=False,
                            help_text=_("A sentence in their own words."))

    @classmethod
    def for_segment(cls, segment: Segment, **kwargs) -> SegmentForm:
        return cls(initial={name: getattr(segment, name) for name in cls.base_fields}, **kwargs)

    def service_fields(self) -> dict:
        """The cleaned fields for `segment_create` / `segment_update`; an empty key keeps (or derives) it.
        Browsers send a text area's line breaks as CRLF; they are kept as the API's, LF."""
        data = dict(self.cleaned_data)
        for name in ("description", "goals"):
            data[name] = data[name].replace("\r\n", "\n")
        if not data.get("key"):
            data.pop("key", None)
        return data
