"""Navigation links that depend on what the signed-in user may do."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .permissions import ERASE, INGEST, MANAGE, READ, user_capability_set

# The links only show or hide an entry point (every page checks the role
# itself), so a role change may take this long to reach the navigation.
NAV_CACHE_SECONDS = 300


def _key(user: User) -> str:
    # date_joined in the key: a reused user id (a test database, an account
    # deleted and created again) never inherits another account's entry.
    joined = getattr(user, "date_joined", None)
    return f"nav:capabilities:{user.pk}:{joined.timestamp() if joined else ''}"


def user_capabilities_warm(*, user: User) -> list[str]:
    """Compute and cache what the user may do in at least one organization.

    Called at login (journeys.apps) so the navigation costs pages no
    database query; several pages have query-count budgets.
    """
    capabilities = sorted(user_capability_set(user=user))
    cache.set(_key(user), capabilities, NAV_CACHE_SECONDS)
    return capabilities


def _capabilities(user: User) -> frozenset[str]:
    cached = cache.get(_key(user))
    return frozenset(cached if cached is not None else user_capabilities_warm(user=user))


def navigation(request: HttpRequest) -> dict:
    """`nav_can_read`, `nav_can_import`, `nav_can_manage_organization` and `nav_can_erase` for base.html (lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    capabilities = SimpleLazyObject(lambda: _capabilities(user))
    return {
        # Any member reads the weekly review of their organization's cycles.
        "nav_can_read": SimpleLazyObject(lambda: READ in capabilities),
        "nav_can_import": SimpleLazyObject(lambda: INGEST in capabilities),
        # Admins manage the organization itself: its API tokens, webhooks and members.
        "nav_can_manage_organization": SimpleLazyObject(lambda: MANAGE in capabilities),
        # CX managers and admins erase a customer's data on request (GDPR / LOPDGDD).
        "nav_can_erase": SimpleLazyObject(lambda: ERASE in capabilities),
    }
