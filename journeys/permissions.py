"""Who may do what, in which organizations: the one place that answers it for the API.

A request acts either as a signed-in user (session), who may belong to several
organizations with a role in each, or as an API token, bound to one
organization with scopes. Both are reduced to a map organization id →
capabilities:

* `read`   list and retrieve (viewer, team lead, cx manager, admin; tokens with scope `read`)
* `edit`   change cycles, moments, touchpoints, segments (cx manager, admin)
* `ingest` record ratings, upload CSV (cx manager, admin; tokens with scope `ingest`)
* `manage` API tokens and members (admin)

Views filter their querysets by `request_organization_ids(request, READ)`, so
another organization's object is simply absent (404 for every method); an
object that is visible but not writable for the caller is 403.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import Membership

READ = "read"
EDIT = "edit"
INGEST = "ingest"
MANAGE = "manage"

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Membership.Role.VIEWER: frozenset({READ}),
    Membership.Role.TEAM_LEAD: frozenset({READ}),
    Membership.Role.CX_MANAGER: frozenset({READ, EDIT, INGEST}),
    Membership.Role.ADMIN: frozenset({READ, EDIT, INGEST, MANAGE}),
}
TOKEN_SCOPE_CAPABILITIES: dict[str, frozenset[str]] = {
    "read": frozenset({READ}),
    "ingest": frozenset({INGEST}),
}

_CACHE_ATTRIBUTE = "_momento_access"


def request_token(request: HttpRequest | Request):
    """The ApiToken the request authenticated with, or None for a session user."""
    from touchpoints.models import ApiToken

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
        if user is None or not user.is_authenticated:
            access = {}
        else:
            access = {
                organization_id: ROLE_CAPABILITIES.get(role, frozenset())
                for organization_id, role in Membership.objects.filter(user=user).values_list(
                    "organization_id", "role"
                )
            }
    setattr(django_request, _CACHE_ATTRIBUTE, access)
    return access


def request_organization_ids(request: HttpRequest | Request, capability: str = READ) -> list[int]:
    """Ids of the organizations where this request has `capability`."""
    return sorted(pk for pk, capabilities in request_access(request).items() if capability in capabilities)


def request_organizations(request: HttpRequest | Request, capability: str = READ):
    """The Organization queryset this request may see (or act on with `capability`)."""
    from .models import Organization

    return Organization.objects.filter(pk__in=request_organization_ids(request, capability))


def request_role(request: HttpRequest | Request, organization_id: int) -> str | None:
    """The member's role in that organization (None for tokens and non-members)."""
    if request_token(request) is not None:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organization_id=organization_id).values_list("role", flat=True).first()
    )


def request_can(request: HttpRequest | Request, organization_id: int | None, capability: str) -> bool:
    return capability in request_access(request).get(organization_id, frozenset())


def object_organization_id(obj) -> int | None:
    """The organization an API object belongs to, however it is reached."""
    from .models import Organization

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

    message = "You do not have permission to perform this action in this organization."

    def has_permission(self, request: Request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        capability = view.capability_for(request)
        if capability == READ and request_token(request) is None:
            return True
        return bool(request_organization_ids(request, capability))

    def has_object_permission(self, request: Request, view, obj) -> bool:
        return request_can(request, object_organization_id(obj), view.capability_for(request))


def capability_for_method(method: str, *, write: str = EDIT) -> str:
    """Reads need `read`; any other method needs `write` (by default `edit`)."""
    return READ if method in ("GET", "HEAD", "OPTIONS") else write
