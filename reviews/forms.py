"""Input forms of the review page. They only parse; the rules live in reviews.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .models import ReviewStatus, WebhookEvent, WebhookKind


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ReviewStatus.choices)
    reason = forms.CharField(label=_("Reason for dismissing"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class OwnerForm(forms.Form):
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False,
                                                                 empty_label=_("Nobody"))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = candidates


class NotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, max_length=10_000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    text = forms.CharField(label=_("Action"), max_length=500)
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))


class ActionDoneForm(forms.Form):
    done = forms.BooleanField(label=_("Done"), required=False)


class WebhookForm(forms.Form):
    """Parses the webhook page's form; reviews.webhooks checks the URL and events."""

    url = forms.CharField(label=_("Endpoint URL"), max_length=500,
                          help_text=_("A public http:// or https:// address that accepts POST requests; redirects "
                                      "are not followed."),
                          widget=forms.URLInput(attrs={"placeholder": "https://example.com/momento-events"}))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("Events"), choices=WebhookEvent.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": _("Choose at least one event.")})
    kind = forms.ChoiceField(
        label=_("Format"), choices=WebhookKind.choices, initial=WebhookKind.MOMENTO, widget=forms.RadioSelect,
        required=False,
        help_text=_("Momento JSON events carry every figure, for your systems. A Slack incoming webhook gets a "
                    "short message (Slack's text and blocks) in the language below."))
    language = forms.ChoiceField(label=_("Language of Slack messages"), choices=settings.LANGUAGES,
                                 initial=settings.LANGUAGE_CODE, required=False)
    active = forms.BooleanField(label=_("Active: send events to this endpoint"), required=False, initial=True)

    # Left out (an older form, a script), the format is Momento's JSON and the language the site's.
    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or WebhookKind.MOMENTO

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or settings.LANGUAGE_CODE
