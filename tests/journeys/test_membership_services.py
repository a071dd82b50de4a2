"""Members join once: adding an existing member is refused; roles change through their own service."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from journeys import services
from journeys.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_adding_someone_who_is_a_member_already_is_refused_and_keeps_their_role():
    membership = MembershipFactory(role="admin")
    with pytest.raises(ValidationError) as refused:
        services.membership_add(organization=membership.organization, user=membership.user, role="viewer")
    assert "user" in refused.value.message_dict
    membership.refresh_from_db()
    assert membership.role == "admin" and Membership.objects.count() == 1


def test_a_new_member_joins_with_the_role():
    organization, user = OrganizationFactory(), UserFactory()
    membership = services.membership_add(organization=organization, user=user, role="team_lead")
    assert (membership.organization, membership.user, membership.role) == (organization, user, "team_lead")


def test_an_unknown_role_is_refused_before_anything_is_written():
    with pytest.raises(ValidationError):
        services.membership_add(organization=OrganizationFactory(), user=UserFactory(), role="owner")
    assert not Membership.objects.exists()


def test_the_last_admin_keeps_the_admin_role():
    membership = MembershipFactory(role="admin")
    with pytest.raises(ValidationError):
        services.membership_role_set(membership=membership, role="viewer")
    membership.refresh_from_db()
    assert membership.role == "admin"
