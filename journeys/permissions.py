"""Who may do what, in which organizations: the one access system.

One table maps roles (people) and scopes (API tokens) to capabilities:

* `read`    list and retrieve (every member; tokens with scope `read`)
* `review`  change weekly review items: status, owner, notes, actions (team lead, cx manager, admin)
* `edit`    change cycles, moments, touchpoints, segments (cx manager, admin)
* `ingest`  record ratings, import CSV (cx manager, admin; tokens with scope `ingest`)
* `manage`  the organization itself: members, invitations, API tokens, webhooks (admin)
* `erase`   erase a customer's ratings on request (GDPR / LOPDGDD): cx manager, admin; tokens
            with scope `erase`

Everything asks it through the functions below: pages with `user_can` and
`organizations_where`, the API with `request_organization_ids` and
`HasCapability` (which the shared plumbing in momento/api/scoping.py finds
through settings.MOMENTO_ACCESS_POLICY), services with `user_can` and
`roles_with`, the navigation with `user_capability_set`. Querysets hold only
the organizations the request may read, so another organization's object is
absent (404); an object that is visible but not writable for the caller is 403.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from momento.api.scoping import EDIT, READ, capability_for_method

from .models import ApiToken, Membership, Organization

REVIEW = "review"
INGEST = "ingest"
MANAGE = "manage"
ERASE = "erase"

Role = Membership.Role
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({READ}),
    Role.TEAM_LEAD: frozenset({READ, REVIEW}),
    Role.CX_MANAGER: frozenset({READ, REVIEW, EDIT, INGEST, ERASE}),
    Role.ADMIN: frozenset({READ, REVIEW, EDIT, INGEST, MANAGE, ERASE}),
}
TOKEN_SCOPE_CAPABILITIES: dict[str, frozenset[str]] = {
    ApiToken.Scope.READ: frozenset({READ}),
    ApiToken.Scope.INGEST: frozenset({INGEST}),
    ApiToken.Scope.ERASE: frozenset({ERASE}),
}

__all__ = [
    "EDIT", "ERASE", "INGEST", "MANAGE", "READ", "REVIEW", "HasCapability", "capability_for_method", "organizations_where",
    "request_can", "request_organization_ids", "request_organizations", "request_person", "roles_with", "user_can",
    "user_capability_set",
]


def roles_with(capability: str) -> list[str]:
    """The roles that have `capability`, for queries over memberships.

    >>> roles_with("review")
    ['team_lead', 'cx_manager', 'admin']
    """
    return [str(role) for role, capabilities in ROLE_CAPABILITIES.items() if capability in capabilities]


# --- People (pages, services) -------------------------------------------------------


def user_capabilities(*, user: User | AnonymousUser) -> dict[int, frozenset[str]]:
    """Organization id → what this person may do there."""
    if not user.is_authenticated:
        return {}
    return {organization_id: ROLE_CAPABILITIES.get(role, frozenset())
            for organization_id, role in Membership.objects.filter(user=user).values_list("organization_id", "role")}


def user_can(*, user: User | AnonymousUser, organization: Organization | int, capability: str) -> bool:
    """Whether this person has `capability` in this organization (one query)."""
    if not user.is_authenticated:
        return False
    organization_id = organization if isinstance(organization, int) else organization.pk
    return Membership.objects.filter(user=user, organization_id=organization_id,
                                     role__in=roles_with(capability)).exists()


def organizations_where(*, user: User | AnonymousUser, capability: str = READ) -> QuerySet[Organization]:
    """The organizations where this person has `capability`."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user,
                                       memberships__role__in=roles_with(capability)).distinct()


def user_capability_set(*, user: User) -> frozenset[str]:
    """What this person may do in at least one organization (for the navigation)."""
    roles = Membership.objects.filter(user=user).values_list("role", flat=True).distinct()
    return frozenset().union(*(ROLE_CAPABILITIES.get(role, frozenset()) for role in roles))


# --- Requests (the API) ---------------------------------------------------------------

_CACHE_ATTRIBUTE = "_momento_access"


def request_token(request: HttpRequest | Request) -> ApiToken | None:
    """The ApiToken the request authenticated with, or None for a session user."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def request_access(request: HttpRequest | Request) -> dict[int, frozenset[str]]:
    """Organization id → what this request may do there (computed once per request)."""
    django_request = getattr(request, "_request", request)
    cached = getattr(django_request, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    token = request_token(request)
    if token is not None:
        capabilities: frozenset[str] = frozenset()
        for scope in token.scopes or []:
            capabilities |= TOKEN_SCOPE_CAPABILITIES.get(scope, frozenset())
        access = {token.organization_id: capabilities}
    else:
        user = getattr(request, "user", None)
        access = user_capabilities(user=user) if user is not None else {}
    setattr(django_request, _CACHE_ATTRIBUTE, access)
    return access


def request_person(request: Request) -> User:
    """The signed-in person behind an API request only people may make (review, manage).

    HasCapability lets no token through to those (no scope grants them), so the
    user is a person; anything else is refused rather than signed as the actor
    of a change.
    """
    user = request.user
    if not isinstance(user, User):
        raise exceptions.PermissionDenied(HasCapability.message)
    return user


def request_organization_ids(request: HttpRequest | Request, capability: str = READ) -> list[int]:
    """Ids of the organizations where this request has `capability`."""
    return sorted(pk for pk, capabilities in request_access(request).items() if capability in capabilities)


def request_organizations(request: HttpRequest | Request, capability: str = READ) -> QuerySet[Organization]:
    """The Organization queryset this request may see (or act on with `capability`)."""
    return Organization.objects.filter(pk__in=request_organization_ids(request, capability))


def request_can(request: HttpRequest | Request, organization_id: int | None, capability: str) -> bool:
    if organization_id is None:
        return False  # an object of no organization is nobody's to act on
    return capability in request_access(request).get(organization_id, frozenset())


def object_organization_id(obj) -> int | None:
    """The organization an API object belongs to, however it is reached."""
    if isinstance(obj, Organization):
        # An organization belongs to itself (it has no organization_id: without
        # this its own members were refused their organization's detail).
        return obj.pk
    for path in ("organization_id", "cycle.organization_id", "moment.cycle.organization_id"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    return None


class HasCapability(BasePermission):
    """DRF permission driven by the view's `capability_for(request)`.

    A token needs the capability (scope) for the request at all; a user needs
    it in at least one organization, except for reads, which simply come back
    empty. An object needs the capability in the object's organization.
    Objects outside the readable organizations never reach that check: the
    queryset has left them out (404).
    """

    message = _("You do not have permission to perform this action in this organization.")

    def has_permission(self, request: Request, view) -> bool:
        # A view may say in its own words who may do this (DRF reads `message` on refusal).
        self.message = getattr(view, "capability_denied_message", HasCapability.message)
        if not (request.user and request.user.is_authenticated):
            return False
        capability = view.capability_for(request)
        if capability == READ and request_token(request) is None:
            return True
        return bool(request_organization_ids(request, capability))

    def has_object_permission(self, request: Request, view, obj) -> bool:
        return request_can(request, object_organization_id(obj), view.capability_for(request))
