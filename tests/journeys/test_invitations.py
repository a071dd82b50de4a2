"""Invitations (journeys.invitations): an e-mailed, hashed, expiring, single-use link joins
an organization with a role, by an existing account or a new one."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from journeys import invitations
from journeys.invitations import (
    InvitationInvalid,
    invitation_accept,
    invitation_accept_new_account,
    invitation_create,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
)
from journeys.models import Invitation, Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/invitations/(inv_[A-Za-z0-9_-]+)/")


def link_token(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def admin(organization):
    return MembershipFactory(organization=organization, role=Membership.Role.ADMIN,
                             user=UserFactory(username="marta")).user


def invite(organization, admin, email="lucia@example.com", role="team_lead", language="en"):
    result = invitation_create(organization=organization, email=email, role=role, invited_by=admin,
                               language=language)
    return result, link_token(mail.outbox[-1])


def test_an_invitation_emails_a_link_and_stores_only_its_hash(organization, admin):
    result, token = invite(organization, admin, email="  Lucia@Example.COM ")
    assert result.emailed
    [message] = mail.outbox
    assert message.to == ["lucia@example.com"]
    assert organization.name in message.subject and "Team lead" in message.body and "marta" in message.body
    invitation = Invitation.objects.get()
    assert invitation.email == "lucia@example.com"
    assert len(token) > 40 and invitation.token_hash != token and token not in invitation.token_hash
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Invitation._meta.db_table}")
        assert token not in repr(cursor.fetchall())
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=7)


def test_the_email_is_in_the_language_of_the_page_that_sent_it(organization, admin):
    invite(organization, admin, language="es")
    [message] = mail.outbox
    assert "Te invitan a unirte a" in message.subject
    assert "Jefe de equipo" in message.body and "Team lead" not in message.body
    assert "Aceptar la invitación" in message.alternatives[0][0]


def test_accepting_joins_with_the_role_whatever_the_accounts_email(organization, admin):
    _result, token = invite(organization, admin)
    someone = UserFactory(username="lucia-at-home", email="lucia@home.example")
    accepted = invitation_accept(token=token, user=someone)
    assert accepted.joined and accepted.organization == organization
    assert Membership.objects.get(organization=organization, user=someone).role == "team_lead"
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == someone and invitation.accepted_at is not None


def test_a_link_serves_once(organization, admin):
    _result, token = invite(organization, admin)
    invitation_accept(token=token, user=UserFactory())
    with pytest.raises(InvitationInvalid):
        invitation_accept(token=token, user=UserFactory())
    assert Membership.objects.filter(organization=organization).count() == 2


def test_an_expired_link_does_not_work(organization, admin):
    _result, token = invite(organization, admin)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert invitation_for_token(token=token) is None
    with pytest.raises(InvitationInvalid):
        invitation_accept(token=token, user=UserFactory())


def test_resending_makes_a_new_link_and_kills_the_old_one(organization, admin):
    _result, old = invite(organization, admin)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    result = invitation_resend(invitation=Invitation.objects.get(), invited_by=admin)
    new = link_token(mail.outbox[-1])
    assert result.emailed and new != old and len(mail.outbox) == 2
    assert result.invitation.expires_at > timezone.now() + dt.timedelta(days=6)
    assert invitation_for_token(token=old) is None
    assert invitation_accept(token=new, user=UserFactory()).joined


def test_a_revoked_link_does_not_work_and_cannot_be_resent(organization, admin):
    _result, token = invite(organization, admin)
    invitation = Invitation.objects.get()
    invitation_revoke(invitation=invitation)
    with pytest.raises(InvitationInvalid):
        invitation_accept(token=token, user=UserFactory())
    with pytest.raises(ValidationError):
        invitation_resend(invitation=invitation, invited_by=admin)
    assert len(mail.outbox) == 1


def test_inviting_the_same_address_again_replaces_the_pending_link_and_role(organization, admin):
    _result, first = invite(organization, admin, role="viewer")
    _result, second = invite(organization, admin, email="LUCIA@example.com", role="cx_manager")
    assert Invitation.objects.count() == 1 and Invitation.objects.get().role == "cx_manager"
    assert invitation_for_token(token=first) is None and invitation_for_token(token=second) is not None


def test_an_address_a_member_already_uses_is_refused(organization, admin):
    MembershipFactory(organization=organization, user=UserFactory(email="Luis@Example.com"))
    with pytest.raises(ValidationError) as error:
        invitation_create(organization=organization, email="luis@example.com", role="viewer", invited_by=admin)
    assert "email" in error.value.message_dict
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_an_address_with_an_account_elsewhere_is_like_any_other(organization, admin):
    """Nothing in the outcome depends on whether an account uses the address."""
    MembershipFactory(organization=OrganizationFactory(), user=UserFactory(username="kept", email="kept@example.com"))
    known, _token = invite(organization, admin, email="kept@example.com")
    unknown, _token = invite(organization, admin, email="nobody@example.com")
    assert known.emailed == unknown.emailed is True
    rows = Invitation.objects.order_by("email").values("role", "invited_by", "accepted_by", "accepted_at")
    assert rows[0] == rows[1]
    assert mail.outbox[0].body.replace("kept@example.com", "X") .split("/invitations/")[0] == \
        mail.outbox[1].body.replace("nobody@example.com", "X").split("/invitations/")[0]


@pytest.mark.parametrize("email, role, field", [
    ("", "viewer", "email"), ("not-an-address", "viewer", "email"), ("a@example.com", "owner", "role"),
])
def test_bad_input_is_a_field_error_and_writes_nothing(organization, admin, email, role, field):
    with pytest.raises(ValidationError) as error:
        invitation_create(organization=organization, email=email, role=role, invited_by=admin)
    assert field in error.value.message_dict
    assert not Invitation.objects.exists() and not mail.outbox


def test_an_existing_member_keeps_the_role_and_uses_up_the_link(organization, admin):
    _result, token = invite(organization, admin, role="viewer")
    accepted = invitation_accept(token=token, user=admin)
    assert not accepted.joined and accepted.membership.role == "admin"
    assert invitation_for_token(token=token) is None


def test_a_new_account_gets_the_invited_address_and_joins(organization, admin):
    _result, token = invite(organization, admin)
    user, accepted = invitation_accept_new_account(token=token, username="lucia", password="a-long-passphrase-9")
    assert user.email == "lucia@example.com" and user.check_password("a-long-passphrase-9")
    assert accepted.joined and accepted.membership.role == "team_lead"


def test_no_account_is_created_for_a_dead_link(organization, admin):
    _result, token = invite(organization, admin)
    invitation_revoke(invitation=Invitation.objects.get())
    with pytest.raises(InvitationInvalid):
        invitation_accept_new_account(token=token, username="lucia", password="a-long-passphrase-9")
    assert not get_user_model().objects.filter(username="lucia").exists()


def test_a_failing_mail_server_keeps_the_invitation_and_says_so(organization, admin, monkeypatch, caplog):
    import smtplib

    def broken(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    result = invitation_create(organization=organization, email="lucia@example.com", role="viewer",
                               invited_by=admin)
    assert result.emailed is False and Invitation.objects.count() == 1
    assert "could not be sent" in caplog.text


@pytest.mark.parametrize("token", ["", "inv_", "inv_" + "x" * 43, "mom_abc", "inv_" + "y" * 500])
def test_unknown_tokens_find_nothing(organization, admin, token):
    invite(organization, admin)
    assert invitation_for_token(token=token) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accepting_in_two_tabs_at_once_joins_once(require_postgres):
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role="admin").user
    invitation_create(organization=organization, email="lucia@example.com", role="viewer", invited_by=admin)
    token = link_token(mail.outbox[-1])
    users = [UserFactory(), UserFactory()]
    barrier, outcomes = threading.Barrier(2), []

    def accept(user):
        try:
            barrier.wait()
            invitation_accept(token=token, user=user)
            outcomes.append("joined")
        except InvitationInvalid:
            outcomes.append("refused")
        finally:
            connections.close_all()

    # Both tabs are between the lookup and the claim when the first claims.
    original = invitations.invitation_for_token
    pause = threading.Barrier(2)

    def slow_lookup(*, token):
        found = original(token=token)
        pause.wait(timeout=10)
        return found

    invitations.invitation_for_token = slow_lookup
    try:
        threads = [threading.Thread(target=accept, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        invitations.invitation_for_token = original
    assert sorted(outcomes) == ["joined", "refused"]
    assert Membership.objects.filter(organization=organization).count() == 2  # the admin and one of the two
