"""The organization's settings page (issue 15, item 6): admins switch comment
analysis on or off and fix the language of comments; everyone else is refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from journeys.models import Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, organization):
    membership = MembershipFactory(organization=organization, role="admin", user=UserFactory(username="ana"))
    client.force_login(membership.user)
    return membership


def _input(html: str, name: str, value: str | None = None) -> str:
    """The <input> tag of that name (and value)."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag):
            return tag
    raise AssertionError(f"no input {name}={value}")


def settings_url(organization):
    return reverse("journeys:organization_settings", args=[organization.pk])


def test_an_admin_sees_the_current_settings_and_the_navigation_leads_there(client, organization, admin):
    html = client.get(settings_url(organization)).content.decode()
    assert "Analyse customers&#x27; comments" in html and "Language of comments" in html
    assert "checked" in _input(html, "comment_analysis")
    assert "checked" in _input(html, "comment_language", "auto") and "checked" not in _input(
        html, "comment_language", "es")
    assert "Detect per comment" in html and "Spanish" in html and "English" in html
    # The help texts the inputs point to exist.
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        assert f'id="{described}"' in html, described
    home = reverse("journeys:organization_settings_home")
    assert home in client.get(reverse("journeys:cycle_list")).content.decode()
    assert client.get(home)["Location"] == settings_url(organization)


def test_saving_switches_analysis_off_and_says_so(client, organization, admin):
    response = client.post(settings_url(organization), {"comment_language": "es"}, follow=True)
    assert response.redirect_chain == [(settings_url(organization), 302)]
    assert "Settings saved: comment analysis is off." in response.content.decode()
    organization.refresh_from_db()
    assert organization.comment_analysis is False and organization.comment_language == "es"
    assert "checked" not in _input(response.content.decode(), "comment_analysis")
    assert "checked" in _input(response.content.decode(), "comment_language", "es")


def test_saving_switches_analysis_on_with_a_language(client, organization, admin):
    Organization.objects.filter(pk=organization.pk).update(comment_analysis=False)
    response = client.post(settings_url(organization), {"comment_analysis": "on", "comment_language": "en"},
                           follow=True)
    assert "Settings saved: customers&#x27; comments are analysed (language: English)." in response.content.decode()
    organization.refresh_from_db()
    assert organization.comment_analysis is True and organization.comment_language == "en"


def test_switching_analysis_off_forgets_the_counted_words(client, organization, admin,
                                                           django_capture_on_commit_callbacks):
    from analytics.models import TermCount
    from tests.analytics.comment_data import airline_with_comments

    airline_with_comments(organization=organization)
    assert TermCount.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(settings_url(organization), {"comment_language": "auto"})
    assert not TermCount.objects.exists()


def test_an_unknown_language_is_refused_beside_the_field(client, organization, admin):
    response = client.post(settings_url(organization), {"comment_analysis": "on", "comment_language": "fr"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    organization.refresh_from_db()
    assert organization.comment_language == "auto"


@pytest.mark.parametrize("role", ["viewer", "team_lead", "cx_manager"])
def test_members_who_are_not_admins_are_refused(client, organization, role):
    membership = MembershipFactory(organization=organization, role=role)
    client.force_login(membership.user)
    response = client.get(settings_url(organization))
    assert response.status_code == 403 and "Only admins of the organization" in response.content.decode()
    assert client.post(settings_url(organization), {"comment_language": "es"}).status_code == 403
    assert client.get(reverse("journeys:organization_settings_home")).status_code == 403
    organization.refresh_from_db()
    assert organization.comment_analysis is True and organization.comment_language == "auto"
    assert reverse("journeys:organization_settings_home") not in client.get(
        reverse("journeys:cycle_list")).content.decode()


def test_another_organizations_settings_are_404(client, organization, admin):
    other = OrganizationFactory()
    assert client.get(settings_url(other)).status_code == 404
    assert client.post(settings_url(other), {"comment_language": "es"}).status_code == 404
    other.refresh_from_db()
    assert other.comment_analysis is True


def test_the_page_needs_a_login(client, organization):
    assert client.get(settings_url(organization)).status_code == 302


def test_the_page_reads_in_spanish(client, organization, admin):
    html = client.get(settings_url(organization), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Configuración de la organización" in html and "Analizar los comentarios de los clientes" in html
    assert "Idioma de los comentarios" in html and "Detectar en cada comentario" in html
