"""Forms for the cycle pages and the map editor.

They only parse and check the shape of the input (lengths, choices, members of
the organization); the services in journeys.services / touchpoints.services
are the single place that enforces the rules and writes.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .cycle_templates import TEMPLATES
from .models import AlertRecipients, CommentLanguage, Membership, Moment, Organization, ServiceCycle
from .profiles import language_codes

MOMENT_NAME_MAX = Moment._meta.get_field("name").max_length
CYCLE_NAME_MAX = ServiceCycle._meta.get_field("name").max_length


def add_service_errors(form: forms.BaseForm, error, *, renames: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError beside the form's fields (`renames`: service field →
    form field); messages for fields the form does not have go above the form."""
    for field, field_messages in error.message_dict.items():
        target = (renames or {}).get(field, field)
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)


class MomentForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=MOMENT_NAME_MAX,
        error_messages={"required": _("Give the moment a name.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Moment.Kind.choices, initial=Moment.Kind.SMOT)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    protocol = forms.CharField(
        label=_("Protocol"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the front line must do at this moment."),
    )
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False,
                                                                 empty_label=_("No owner"))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["owner"].queryset = members if members is not None else get_user_model().objects.none()


class MomentAddForm(forms.Form):
    """The quick "add a moment" form at the end of the lane: a name and a kind."""

    name = forms.CharField(
        label=_("Name of the new moment"), max_length=MOMENT_NAME_MAX,
        error_messages={"required": _("Give the moment a name.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Moment.Kind.choices, initial=Moment.Kind.SMOT)


class ReorderForm(forms.Form):
    """The whole new order of a cycle's moments plus the version it was based on."""

    order = forms.JSONField(label=_("Order"))
    expected_version = forms.IntegerField(label=_("Expected version"), min_value=0)

    def clean_order(self):
        order = self.cleaned_data["order"]
        if not isinstance(order, list) or not all(isinstance(item, int) and not isinstance(item, bool)
                                                  for item in order):
            raise forms.ValidationError(_("The order must be a list of moment ids."))
        return order


class CycleCreateForm(forms.Form):
    EMPTY = "empty"
    AIRLINE = "airline"

    name = forms.CharField(
        label=_("Name"), max_length=CYCLE_NAME_MAX,
        error_messages={"required": _("Give the cycle a name.")},
    )
    start = forms.ChoiceField(
        label=_("Start from"),
        choices=[(EMPTY, _("An empty cycle")), *((key, template.title) for key, template in TEMPLATES.items())],
        initial=EMPTY, widget=forms.RadioSelect,
    )
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            organizations = list(organizations)
            self.fields["organization"].queryset = Organization.objects.filter(
                pk__in=[organization.pk for organization in organizations]
            )
            if len(organizations) == 1:
                self.fields["organization"].initial = organizations[0].pk
                self.fields["organization"].widget = forms.HiddenInput()

    def start_options(self) -> list[tuple[Any, str]]:
        """Each radio button of `start` with the line that says what its template covers."""
        return [(radio, str(TEMPLATES[radio.data["value"]].description) if radio.data["value"] in TEMPLATES else
                 str(_("Moments and touchpoints added by hand on the map.")))
                for radio in self["start"]]


@functools.cache
def _timezone_choices() -> list[tuple[str, str]]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    import zoneinfo

    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class CycleSettingsForm(forms.Form):
    """The cycle's name, description, time zone and critical-moment thresholds.

    The critical share is edited as a percentage (25 rather than 0.25); the
    service stores the fraction and enforces the ranges again.
    """

    name = forms.CharField(
        label=_("Name"), max_length=CYCLE_NAME_MAX, error_messages={"required": _("Give the cycle a name.")},
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    timezone = forms.ChoiceField(
        label=_("Time zone"), choices=_timezone_choices,
        help_text=_("Weeks and days of the dashboard and the weekly review are counted in this time zone."),
    )
    min_sample = forms.IntegerField(
        label=_("Minimum sample"), min_value=1, max_value=1_000_000,
        help_text=_("Fewer ratings than this in a period can never make a moment critical."),
    )
    critical_share_percent = forms.FloatField(
        label=_("Critical dissatisfied share (%)"), min_value=1, max_value=100,
        help_text=_("A moment is critical when the Wilson 95% lower bound of its dissatisfied share reaches this."),
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )

    @classmethod
    def for_cycle(cls, cycle: ServiceCycle, **kwargs) -> CycleSettingsForm:
        return cls(initial={
            "name": cycle.name, "description": cycle.description, "timezone": cycle.timezone,
            "min_sample": cycle.min_sample, "critical_share_percent": round(cycle.critical_share * 100, 2),
        }, **kwargs)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["critical_share"] = round(data.pop("critical_share_percent") / 100, 6)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             help_text=_("Momento e-mails a link to this address. Whoever opens it signs in, or "
                                         "creates an account, and joins with the role below."))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.VIEWER)


class InvitationSignupForm(UserCreationForm):
    """A new account for an invitee: a username and a password (its e-mail is the invited address)."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class OrganizationCommentsForm(forms.Form):
    """Whether Momento reads what customers write, and in which language (organization settings)."""

    comment_analysis = forms.BooleanField(
        label=_("Analyse customers' comments"), required=False,
        help_text=_("Show the words dissatisfied customers use at each critical moment, and their comments. "
                    "Switched off, no comment is read for words; the comments themselves are kept (the export "
                    "still holds them)."),
    )
    comment_language = forms.ChoiceField(
        label=_("Language of comments"), choices=CommentLanguage.choices, widget=forms.RadioSelect,
        help_text=_("The language words are stemmed in. Detected per comment by default; fix it when all your "
                    "customers write in one language."),
    )

    @classmethod
    def for_organization(cls, organization: Organization, **kwargs) -> OrganizationCommentsForm:
        return cls(initial={"comment_analysis": organization.comment_analysis,
                            "comment_language": organization.comment_language}, **kwargs)


class OrganizationAlertsForm(forms.Form):
    """Who hears of alerts, and when Momento keeps quiet (organization settings)."""

    alert_recipients = forms.ChoiceField(
        label=_("E-mail alerts to"), choices=AlertRecipients.choices, widget=forms.RadioSelect,
        help_text=_("When a moment or touchpoint turns critical between Mondays, or recovers. Each person gets "
                    "it in the language of their profile; someone who left the organization gets nothing. "
                    "Webhooks are called whatever you choose here."),
    )
    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_hours_end = forms.TimeField(
        label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Nothing is sent in these hours (e-mails and webhooks); what was found goes out when they "
                    "end. 22:00 until 07:00 spans midnight. Leave both empty for none."),
    )
    quiet_hours_timezone = forms.ChoiceField(label=_("Time zone of the quiet hours"), choices=_timezone_choices)

    @classmethod
    def for_organization(cls, organization: Organization, **kwargs) -> OrganizationAlertsForm:
        return cls(initial={"alert_recipients": organization.alert_recipients,
                            "quiet_hours_start": organization.quiet_hours_start,
                            "quiet_hours_end": organization.quiet_hours_end,
                            "quiet_hours_timezone": organization.quiet_hours_timezone}, **kwargs)


def _language_choices() -> list[tuple[str, str]]:
    # Each language in its own words ("español"), as the language switcher shows them.
    return [(code, get_language_info(code)["name_local"]) for code in language_codes()]


class ProfileForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=_language_choices, widget=forms.RadioSelect,
        help_text=_("Momento's pages, and the e-mails it sends you (alerts, the weekly digest), are in this "
                    "language."),
    )
class ShareLinkForm(forms.Form):
    """A read-only link to a cycle (journeys.share_links checks the dates)."""

    name = forms.CharField(label=_("For whom"), max_length=100, required=False,
                           help_text=_("To tell your links apart, e.g. “Board, December”."))
    expires_on = forms.DateField(label=_("Works until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Empty: 30 days from today. At most a year."))
    period_start = forms.DateField(label=_("Fixed period from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Fixed period to"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Empty: the visitor chooses the period, as on the dashboard."))
    include_comments = forms.BooleanField(label=_("Include what customers wrote (their comments)"), required=False)
