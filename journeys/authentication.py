"""`Authorization: Bearer <token>` for REST clients, and throttling per token or user."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken
from .tokens import api_token_authenticate

logger = logging.getLogger(__name__)


class TokenUser:
    """Stands in for `request.user` when a client authenticates with a token.

    A token acts for its organization, not for a person: it has no
    memberships and no roles, only the token's scopes (journeys.permissions).
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token: ApiToken):
        self.token = token
        self.username = f"token:{token.prefix}"

    def __str__(self) -> str:
        return self.username

    def get_username(self) -> str:
        return self.username


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Bearer <token>”."))
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        token = api_token_authenticate(plaintext=plaintext)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return TokenUser(token), token

    def authenticate_header(self, request: Request) -> str:
        # Makes unauthenticated requests answer 401 (not 403) with a hint.
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "journeys.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created by an organization admin (scopes: ingest, read, erase).",
        }


class MomentoRateThrottle(SimpleRateThrottle):
    """Limits each API token, and each signed-in user, separately; anonymous
    requests by client address. Rates come from settings at request time
    (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], set from the environment), so
    they can be changed without touching code."""

    scope = "api"

    def get_rate(self) -> str | None:
        from rest_framework.settings import api_settings

        # djangorestframework-stubs type these rates as numbers; they are "N/period" strings (as the
        # stubs' own SimpleRateThrottle.THROTTLE_RATES says).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value]

    def get_cache_key(self, request: Request, view) -> str:
        if isinstance(request.auth, ApiToken):
            identity = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            identity = f"user:{request.user.pk}"
        else:
            identity = f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{identity}"

    def allow_request(self, request: Request, view) -> bool:
        # The history lives in the cache (Redis in production). When Redis is
        # down, let the request through rather than fail it: refusing every
        # ingest during a cache outage would lose ratings the database can
        # still take. The outage is logged on every request it affects.
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            logger.warning("rate limit not applied: the cache is unreachable: %r", error)
            return True

    def wait(self) -> float | None:
        wait = super().wait()
        # Retry-After is whole seconds; never tell a client to retry "now".
        return max(1.0, wait) if wait is not None else None


class IngestRateThrottle(MomentoRateThrottle):
    """Rating ingestion has its own, higher limit than the rest of the API."""

    scope = "ingest"

