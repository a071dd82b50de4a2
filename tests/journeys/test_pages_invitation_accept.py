"""The invitation link's page: sign in or create an account, and join; a dead link is one 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from journeys.invitations import invitation_create, invitation_revoke
from journeys.models import Invitation, Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def link(organization):
    """The path of a fresh invitation of lucia@example.com as team lead, from the e-mail."""
    admin = MembershipFactory(organization=organization, role="admin", user=UserFactory(username="marta")).user
    invitation_create(organization=organization, email="lucia@example.com", role="team_lead", invited_by=admin)
    return re.search(r"https?://[^/\s]+(/invitations/inv_[\w-]+/)", mail.outbox[-1].body).group(1)


def test_a_visitor_sees_who_invites_to_what_and_both_ways_in(client, organization, link):
    html = client.get(link).content.decode()
    assert f"Join {organization.name}" in html and "marta invites you to join as Team lead." in html
    assert f'href="/accounts/login/?next={link.replace("/", "%2F")}"' in html
    assert "Your account's e-mail address will be lucia@example.com." in html
    assert 'name="password1"' in html


def test_a_new_account_is_created_signed_in_and_joins(client, organization, link):
    response = client.post(link, {"username": "lucia", "password1": PASSWORD, "password2": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("journeys:cycle_list")
    assert f"Welcome to {organization.name}: you joined as Team lead." in response.content.decode()
    user = get_user_model().objects.get(username="lucia")
    assert user.email == "lucia@example.com"
    assert Membership.objects.get(user=user, organization=organization).role == "team_lead"
    assert response.context["user"] == user
    # The link is used up.
    client.logout()
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"username": "", "password1": PASSWORD, "password2": PASSWORD}, "This field is required."),
    ({"username": "lucia", "password1": PASSWORD, "password2": "other words entirely"},
     "The two password fields didn’t match."),
    ({"username": "lucia", "password1": "12345678", "password2": "12345678"}, "This password is too common."),
    ({"username": "taken", "password1": PASSWORD, "password2": PASSWORD}, "A user with that username already exists."),
    ({"username": "lucia", "password1": "lucia@example", "password2": "lucia@example"},
     "The password is too similar to the email address."),
])
def test_bad_signups_say_why_and_create_nothing(client, organization, link, data, message):
    UserFactory(username="taken")
    before = get_user_model().objects.count()
    response = client.post(link, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert get_user_model().objects.count() == before
    assert Invitation.objects.get().accepted_at is None


def test_a_signed_in_person_joins_with_their_own_account(client, organization, link):
    someone = UserFactory(username="lucia-home", email="lucia@home.example")
    client.force_login(someone)
    page = client.get(link).content.decode()
    assert "You are signed in as lucia-home: the invitation joins this account." in page
    assert 'name="password1"' not in page
    response = client.post(link, follow=True)
    assert "you joined as Team lead" in response.content.decode()
    assert Membership.objects.get(user=someone, organization=organization).role == "team_lead"
    # A second tab, or a reload, after joining: told so, not an error.
    again = client.post(link, follow=True)
    assert "You already joined" in again.content.decode()
    assert client.get(link, follow=True).redirect_chain[-1][0] == reverse("journeys:cycle_list")


def test_signing_in_from_the_page_comes_back_to_it(client, organization, link):
    user = UserFactory(username="lucia")
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("login"), {"username": "lucia", "password": PASSWORD, "next": link})
    assert response.status_code == 302 and response["Location"] == link
    assert "the invitation joins this account" in client.get(link).content.decode()


def test_a_member_already_keeps_the_role(client, organization, link):
    member = MembershipFactory(organization=organization, role="admin").user
    client.force_login(member)
    response = client.post(link, follow=True)
    assert f"You already belong to {organization.name}; your role stays Admin." in response.content.decode()
    assert Membership.objects.get(user=member, organization=organization).role == "admin"


@pytest.mark.parametrize("kill", ["revoked", "expired", "used", "unknown"])
def test_a_dead_link_gets_one_answer(client, organization, link, kill):
    target = link
    if kill == "revoked":
        invitation_revoke(invitation=Invitation.objects.get())
    elif kill == "expired":
        Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    elif kill == "used":
        Invitation.objects.update(accepted_at=timezone.now(), accepted_by=UserFactory())
    else:
        target = "/invitations/inv_" + "A" * 43 + "/"
    for response in (client.get(target), client.post(target, {"username": "lucia", "password1": PASSWORD,
                                                              "password2": PASSWORD})):
        assert response.status_code == 404
        html = response.content.decode()
        assert "This invitation link does not work" in html and organization.name not in html
    assert not get_user_model().objects.filter(username="lucia").exists()


def test_the_page_is_not_cached_and_works_in_spanish(client, organization, link):
    response = client.get(link, HTTP_ACCEPT_LANGUAGE="es")
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f"Únete a {organization.name}" in html and "Jefe de equipo" in html
