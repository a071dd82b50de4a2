"""Read-only share links: a cycle's map and dashboard for people without an account.

A CX manager (the `edit` capability) makes a link, optionally for a fixed period
and with customers' comments; Momento answers its URL once. The token is
`shr_` + 256 random bits and only its SHA-256 is stored (as for API tokens and
invitations), so the list of links can show names and dates but never a URL
again: a lost link is revoked and made anew. A link dies at its expiry or when
revoked, at once: every visit looks it up (`share_link_for_token`).

The link is no login: the public pages (analytics.share_views) read the cycle it
names and nothing else, and no view anywhere takes the token as a credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ServiceCycle, ShareLink

TOKEN_PREFIX = "shr_"
MAX_DAYS = 365
# 53 ISO weeks, as the dashboard's longest period (analytics.periods.MAX_PERIOD_DAYS).
MAX_PERIOD_DAYS = 371
NAME_MAX = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_link_default_expiry(*, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(days=settings.MOMENTO_SHARE_LINK_DAYS)


def _validated(*, name: str, expires_at: dt.datetime | None, period_start: dt.date | None,
               period_end: dt.date | None, now: dt.datetime) -> tuple[str, dt.datetime]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        errors["name"] = _("The name is at most %(max)s characters.") % {"max": NAME_MAX}
    if expires_at is None:
        expires_at = share_link_default_expiry(now=now)
    elif expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    elif expires_at > now + dt.timedelta(days=MAX_DAYS):
        errors["expires_at"] = _("A link lives at most %(days)s days.") % {"days": MAX_DAYS}
    if (period_start is None) != (period_end is None):
        errors["period"] = _("Give both dates of the fixed period, or neither.")
    elif period_start is not None and period_end is not None:
        if period_end < period_start:
            errors["period"] = _("The period ends before it starts.")
        elif (period_end - period_start).days + 1 > MAX_PERIOD_DAYS:
            errors["period"] = _("The period is too long: at most %(days)s days (53 weeks).") % {
                "days": MAX_PERIOD_DAYS}
    if errors:
        raise ValidationError(errors)
    return name, expires_at


@transaction.atomic
def share_link_create(
    *,
    cycle: ServiceCycle,
    created_by: User | None,
    name: str = "",
    expires_at: dt.datetime | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    include_comments: bool = False,
) -> tuple[ShareLink, str]:
    """Make a link and return it with its token, which is never stored.

    The caller shows the URL built from the token now; afterwards only its hash
    is known. No expiry given: `MOMENTO_SHARE_LINK_DAYS` from now. Raises
    ValidationError by field (name, expires_at, period) and writes nothing then.
    """
    now = timezone.now()
    name, expires_at = _validated(name=name, expires_at=expires_at, period_start=period_start,
                                  period_end=period_end, now=now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        cycle=cycle, name=name, token_hash=_hash(token), period_start=period_start, period_end=period_end,
        include_comments=include_comments, expires_at=expires_at, created_by=created_by,
    )
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink) -> ShareLink:
    """Revoke at once (the next visit gets the 404); revoking twice keeps the first time."""
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db(fields=["revoked_at"])
    return link


def share_link_for_token(*, token: str, now: dt.datetime | None = None) -> ShareLink | None:
    """The live link this token opens (with its cycle and organization), or None when
    it is unknown, revoked or expired: one answer for all, as for invitations."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return (ShareLink.objects.select_related("cycle__organization")
            .filter(token_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=now or timezone.now())
            .first())


def share_link_is_live(link: ShareLink, *, now: dt.datetime | None = None) -> bool:
    return link.revoked_at is None and link.expires_at > (now or timezone.now())


def share_links_for_cycle(*, cycle: ServiceCycle) -> QuerySet[ShareLink]:
    """Newest first, revoked and expired ones too (for the record)."""
    return ShareLink.objects.filter(cycle=cycle).select_related("created_by").order_by("-created_at", "-id")
