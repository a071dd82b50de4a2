"""Invitations: how people join an organization (replacing "add by username").

An admin invites an e-mail address with a role; Momento e-mails a link; whoever
opens it signs in (the invitation then joins *that* account, whatever its
e-mail) or creates an account, and joins with the role. Nothing here looks up
an account by e-mail or username on the admin's behalf, so neither the API nor
the pages can tell an admin whether someone outside the organization has an
account, nor show a non-member's e-mail: inviting an address that has an
account answers exactly like one that has none. The only address refused is
one a member of the organization already uses, which the admin sees in the
member list anyway.

The link's token is `inv_` + 256 random bits; only its SHA-256 is stored (as
for API tokens), it expires after MOMENTO_INVITATION_DAYS, and it serves once:
accepting claims the row with `UPDATE … WHERE accepted_at IS NULL` and reads
the row count, so two tabs accepting at once join once. Resending replaces the
token (the old link dies), revoking kills it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Invitation, Membership, Organization
from .services import membership_add

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "inv_"


class InvitationInvalid(Exception):
    """The link is unknown, expired, revoked or already used (one answer for all)."""


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    emailed: bool  # False when the e-mail backend failed: the admin should resend


@dataclass(frozen=True)
class InvitationAccepted:
    organization: Organization
    membership: Membership
    joined: bool  # False: the account was a member already (its role is kept)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, _hash(token)


def _lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.MOMENTO_INVITATION_DAYS)


def invitation_is_expired(invitation: Invitation, *, now: dt.datetime | None = None) -> bool:
    return invitation.expires_at <= (now or timezone.now())


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("Enter the e-mail address of the person to invite.")})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    return email


def _clean_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    return role


def invitation_link(token: str) -> str:
    return f"{settings.MOMENTO_SITE_URL.rstrip('/')}{reverse('journeys:invitation_accept', args=[token])}"


def _email(invitation: Invitation, token: str, language: str) -> bool:
    """Send the link (in `language`, the language of the page that invited). False if sending failed."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation, "organization": invitation.organization, "link": invitation_link(token),
            "role": invitation.get_role_display(),
            "invited_by": invitation.invited_by.get_username() if invitation.invited_by is not None else "",
            "expires_at": invitation.expires_at, "days": settings.MOMENTO_INVITATION_DAYS,
        }
        subject = " ".join(render_to_string("journeys/email/invitation_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("journeys/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.email],
        )
        message.attach_alternative(render_to_string("journeys/email/invitation.html", context), "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("invitation %s: the e-mail could not be sent", invitation.pk)
        return False
    return True


@transaction.atomic
def _invitation_issue(*, organization: Organization, email: str, role: str,
                      invited_by: User | None) -> tuple[Invitation, str]:
    # The organization row is locked so that two admins inviting the same address
    # at once update one pending invitation instead of colliding.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _(
            "A member of this organization already uses this e-mail address: change their role in the list "
            "instead.")})
    token, token_hash = _new_token()
    now = timezone.now()
    invitation = Invitation.objects.filter(organization=organization, email=email, accepted_at__isnull=True,
                                           revoked_at__isnull=True).first()
    if invitation is None:
        invitation = Invitation(organization=organization, email=email)
    # Inviting an address again (with a pending invitation) replaces its link and role.
    invitation.role = role
    invitation.invited_by = invited_by
    invitation.token_hash = token_hash
    invitation.sent_at = now
    invitation.expires_at = now + _lifetime()
    invitation.save()
    return invitation, token


def invitation_create(*, organization: Organization, email: str, role: str, invited_by: User | None,
                      language: str = "") -> InvitationSent:
    """Invite `email` to join with `role` and e-mail the link (after the row is committed).

    Answers the same whether or not anyone has an account with this address.
    """
    email = _clean_email(email)
    role = _clean_role(role)
    invitation, token = _invitation_issue(organization=organization, email=email, role=role, invited_by=invited_by)
    return InvitationSent(invitation=invitation, emailed=_email(invitation, token, language))


def invitation_resend(*, invitation: Invitation, invited_by: User | None,
                      language: str = "") -> InvitationSent:
    """A new link (and expiry) for a pending invitation; the old link stops working."""
    token, token_hash = _new_token()
    now = timezone.now()
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True,
                                            revoked_at__isnull=True).update(
            token_hash=token_hash, sent_at=now, expires_at=now + _lifetime(), invited_by=invited_by)
        if not updated:
            raise ValidationError(_("This invitation was accepted or revoked in the meantime."))
    invitation.refresh_from_db()
    return InvitationSent(invitation=invitation, emailed=_email(invitation, token, language))


def invitation_revoke(*, invitation: Invitation) -> None:
    """Kill the link of a pending invitation; revoking twice, or after acceptance, changes nothing."""
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def invitation_for_token(*, token: str) -> Invitation | None:
    """The pending, unexpired invitation this link names, or None (unknown, used, revoked, expired)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return (Invitation.objects.select_related("organization", "invited_by")
            .filter(token_hash=_hash(token), accepted_at__isnull=True, revoked_at__isnull=True,
                    expires_at__gt=timezone.now()).first())


def invitation_accepted_by(*, token: str, user: User) -> Organization | None:
    """The organization, if this link was already used by `user` (a second tab, a reload)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    invitation = (Invitation.objects.select_related("organization")
                  .filter(token_hash=_hash(token), accepted_by=user).first())
    return invitation.organization if invitation else None


def _claim(token: str, user: User) -> Invitation:
    invitation = invitation_for_token(token=token)
    if invitation is None:
        raise InvitationInvalid
    # The claim: of two concurrent acceptances one updates the row, the other
    # waits for it, finds accepted_at set and updates nothing.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, token_hash=invitation.token_hash, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if claimed != 1:
        raise InvitationInvalid
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> InvitationAccepted:
    """Join the invitation's organization with its role, as `user` (whatever the account's e-mail).

    An account that is a member already keeps its role (an invitation never
    demotes an admin nor silently promotes anyone); the link is used up all the same.
    """
    invitation = _claim(token, user)
    membership = Membership.objects.filter(organization=invitation.organization, user=user).first()
    if membership is not None:
        return InvitationAccepted(organization=invitation.organization, membership=membership, joined=False)
    membership = membership_add(organization=invitation.organization, user=user, role=invitation.role)
    return InvitationAccepted(organization=invitation.organization, membership=membership, joined=True)


@transaction.atomic
def invitation_accept_new_account(*, token: str, username: str, password: str) -> tuple[User,
                                                                                        InvitationAccepted]:
    """Create an account (e-mail: the invited address) and join with it, all or nothing.

    The caller has validated username and password (Django's UserCreationForm);
    if the link is no longer valid, the account is not created either.
    """
    invitation = invitation_for_token(token=token)
    if invitation is None:
        raise InvitationInvalid
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=username, email=invitation.email,
                                                        password=password)
    except IntegrityError:
        # The form checked the name; someone took it in the meantime.
        raise ValidationError({"username": _("A user with that username already exists.")}) from None
    return user, invitation_accept(token=token, user=user)
