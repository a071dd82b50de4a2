"""REST API of journeys, by topic: `organizations` (and members), `invitations`,
`tokens` (API tokens), `cycles` (service cycles and their moments)."""

from .cycles import CycleViewSet, MomentViewSet
from .invitations import InvitationViewSet
from .organizations import MembershipViewSet, OrganizationViewSet
from .tokens import ApiTokenViewSet

__all__ = ["ApiTokenViewSet", "CycleViewSet", "InvitationViewSet", "MembershipViewSet", "MomentViewSet",
           "OrganizationViewSet"]
