"""API tokens: creation, revocation and the lookup behind `Authorization: Bearer`.

A token reads `mom_<prefix>_<secret>`. The prefix is public (it finds the row
and tells tokens apart in lists); the database keeps only the SHA-256 of the
whole token, compared in constant time. The secret carries 256 bits of
randomness, so a plain hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, Organization

TOKEN_PREFIX = "mom_"
# Writing last_used_at on every request would turn each read into a write;
# once a minute is precise enough for "last used" in a list.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(
    *, organization: Organization, name: str, scopes: Iterable[str], created_by: User | None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext, which is never stored.

    The caller must show the plaintext to the user now: afterwards only its
    prefix is known.
    """
    name = (name or "").strip()
    scopes = sorted(set(scopes or []))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. the client that will use it.")
    elif len(name) > 100:
        errors["name"] = _("The name is at most 100 characters.")
    if not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    elif not set(scopes) <= set(ApiToken.Scope.values):
        errors["scopes"] = _("Unknown scope; use %(scopes)s.") % {"scopes": ", ".join(ApiToken.Scope.values)}
    if errors:
        raise ValidationError(errors)
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    plaintext = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organization=organization, name=name, prefix=prefix, secret_hash=_hash(plaintext),
        scopes=scopes, created_by=created_by,
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first revocation time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(*, plaintext: str) -> ApiToken | None:
    """The active token matching `plaintext`, or None.

    Records the last use at most once per `LAST_USED_PRECISION`, with a
    conditional UPDATE so concurrent requests do not pile up writes.
    """
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    prefix, _sep, secret = plaintext[len(TOKEN_PREFIX):].partition("_")
    if not prefix or not secret:
        return None
    token = (
        ApiToken.objects.select_related("organization")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(plaintext)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        stale_before = now - LAST_USED_PRECISION
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before), pk=token.pk
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
