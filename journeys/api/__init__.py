"""REST API of journeys, by topic: `organizations` (and members), `invitations`,
`tokens` (API tokens), `cycles` (service cycles and their moments), `share_links` (a
cycle's read-only links)."""

from .cycles import CycleViewSet, MomentViewSet
from .invitations import InvitationViewSet
from .organizations import MembershipViewSet, OrganizationViewSet
from .share_links import CycleShareLinkDetailView, CycleShareLinksView
from .tokens import ApiTokenViewSet

__all__ = ["ApiTokenViewSet", "CycleShareLinkDetailView", "CycleShareLinksView", "CycleViewSet", "InvitationViewSet",
           "MembershipViewSet", "MomentViewSet", "OrganizationViewSet"]
