"""Who hears of alerts and when (organization settings), and each person's language (their profile)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journeys.models import Membership, Organization, Profile
from journeys.profiles import organization_alert_settings_update, user_language, user_languages
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def settings_url(organization):
    return reverse("journeys:organization_settings", args=[organization.pk])


@pytest.fixture
def admin_client(client, organization):
    client.force_login(MembershipFactory(organization=organization, role="admin").user)
    return client


def alerts_form(**fields) -> dict:
    data = {"section": "alerts", "alerts-alert_recipients": "both", "alerts-quiet_hours_start": "",
            "alerts-quiet_hours_end": "", "alerts-quiet_hours_timezone": "UTC"}
    data.update({f"alerts-{key}": value for key, value in fields.items()})
    return data


def test_an_admin_chooses_who_is_told_and_quiet_hours_spanning_midnight(admin_client, organization):
    page = admin_client.get(settings_url(organization)).content.decode()
    assert "E-mail alerts to" in page and "Quiet hours" in page and 'name="alerts-quiet_hours_start"' in page
    response = admin_client.post(settings_url(organization), alerts_form(
        alert_recipients="owner", quiet_hours_start="22:00", quiet_hours_end="07:00",
        quiet_hours_timezone="America/Mexico_City"), follow=True)
    assert "Settings saved: alerts are e-mailed to: The moment&#x27;s owner." in response.content.decode()
    organization.refresh_from_db()
    assert organization.alert_recipients == "owner"
    assert organization.quiet_hours == (dt.time(22), dt.time(7), "America/Mexico_City")
    assert organization.comment_analysis  # the other section is untouched


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"quiet_hours_start": "22:00"}, "quiet_hours_end", "Give both ends of the quiet hours, or neither."),
    ({"quiet_hours_end": "07:00"}, "quiet_hours_start", "Give both ends of the quiet hours, or neither."),
    ({"quiet_hours_start": "07:00", "quiet_hours_end": "07:00"}, "quiet_hours_end",
     "Quiet hours must end at another time than they start."),
    ({"quiet_hours_start": "25:00", "quiet_hours_end": "07:00"}, "quiet_hours_start", "Enter a valid time."),
    ({"quiet_hours_timezone": "Mars/Olympus"}, "quiet_hours_timezone", "Select a valid choice."),
    ({"alert_recipients": "everyone"}, "alert_recipients", "Select a valid choice."),
])
def test_bad_alert_settings_are_refused_and_nothing_is_saved(admin_client, organization, fields, field, message):
    before = Organization.objects.filter(pk=organization.pk).values().get()
    response = admin_client.post(settings_url(organization), alerts_form(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organization.objects.filter(pk=organization.pk).values().get() == before


def test_the_service_refuses_half_quiet_hours_too(organization):
    with pytest.raises(ValidationError):
        organization_alert_settings_update(organization=organization, quiet_hours_start=dt.time(22))
    organization.refresh_from_db()
    assert organization.quiet_hours is None


def test_only_admins_change_alert_settings(client, organization):
    lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    client.force_login(lead)
    assert client.post(settings_url(organization), alerts_form(alert_recipients="none")).status_code == 403
    organization.refresh_from_db()
    assert organization.alert_recipients == "both"


def test_a_person_chooses_their_language_on_their_profile(client, organization):
    user = MembershipFactory(organization=organization, role=Membership.Role.VIEWER).user
    client.force_login(user)
    home = client.get(reverse("journeys:cycle_list")).content.decode()
    assert f'href="{reverse("journeys:profile")}"' in home  # the name in the top bar leads there
    assert user_language(user=user) == "en" and not Profile.objects.exists()
    response = client.post(reverse("journeys:profile"), {"language": "es"}, follow=True)
    assert "Guardado: Momento te escribe en español." in response.content.decode()
    assert client.cookies["django_language"].value == "es"
    assert user_language(user=user) == "es"
    assert '<html lang="es">' in client.get(reverse("journeys:cycle_list")).content.decode()
    other = UserFactory()
    assert user_languages(user_ids=[user.pk, other.pk]) == {user.pk: "es", other.pk: "en"}


def test_an_unknown_language_is_refused(client, organization):
    user = MembershipFactory(organization=organization).user
    client.force_login(user)
    response = client.post(reverse("journeys:profile"), {"language": "fr"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Profile.objects.exists()


def test_the_profile_page_needs_a_sign_in(client):
    assert client.get(reverse("journeys:profile"))["Location"].startswith("/accounts/login/")
