"""Querysets limited to the organizations a request may act on.

What a request may do where belongs to the access system (`journeys.permissions`:
one table of roles and token scopes → capabilities). This plumbing lies below
every app, so it does not import it: settings name it once
(`MOMENTO_ACCESS_POLICY`), as DRF names its permission classes there. The
policy module provides `request_organization_ids(request, capability)` and the
DRF permission `HasCapability`.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings

# The capabilities this plumbing itself needs by name; the whole list is the policy's.
READ = "read"
EDIT = "edit"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@cache
def access_policy() -> ModuleType:
    return import_module(settings.MOMENTO_ACCESS_POLICY)


def capability_for_method(method: str, *, write: str = EDIT) -> str:
    """Reads need `read`; any other method needs `write` (by default `edit`).

    >>> capability_for_method("GET"), capability_for_method("POST", write="ingest")
    ('read', 'ingest')
    """
    return READ if method in SAFE_METHODS else write


def organization_ids(request, capability: str = READ) -> list[int]:
    """Ids of the organizations where this request has `capability`."""
    return access_policy().request_organization_ids(request, capability)


class CapabilityMixin:
    """Views say which capability each method needs; the policy's `HasCapability` checks it
    for the request (any of its organizations) and for each object (the object's)."""

    write_capability = EDIT

    def capability_for(self, request) -> str:
        return capability_for_method(request.method, write=self.write_capability)

    def get_permissions(self):
        return [access_policy().HasCapability()]


class ScopedQuerysetMixin(CapabilityMixin):
    """Every queryset is limited to the organizations the request may read, so another
    organization's object is absent: 404 for every method."""

    organization_lookup = "organization_id__in"

    def scoped(self, queryset):
        return queryset.filter(**{self.organization_lookup: organization_ids(self.request, READ)})
