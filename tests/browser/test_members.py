"""An admin manages the organization's members in Chromium: roles, removal, the last admin.
(People join by invitation: tests/browser/test_invitations.py.)"""

import pytest
from playwright.sync_api import expect

from journeys.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser


def test_an_admin_changes_a_role_and_removes_a_member(page, shoot, log_in, transactional_db):
    admin = UserFactory(username="marta")
    organization = MembershipFactory(user=admin, role=Membership.Role.ADMIN).organization
    lucia = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD,
                              user=UserFactory(username="lucia", email="lucia@example.com"))
    log_in(admin)
    page.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()

    page.get_by_label("Role of lucia").select_option("cx_manager")
    page.locator(f'tr[data-member-id="{lucia.pk}"]').get_by_role("button", name="Change role").click()
    expect(page.locator(".messages")).to_contain_text("lucia is now CX manager.")
    page.get_by_label("Role of marta").select_option("viewer")
    page.locator('tr', has_text="marta").get_by_role("button", name="Change role").click()
    expect(page.locator(".messages")).to_contain_text("at least one admin")
    shoot("members")

    page.get_by_role("link", name="Remove lucia").click()
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".messages")).to_contain_text("lucia no longer belongs to")
    assert list(Membership.objects.filter(organization=organization).values_list("user__username", "role")) == [
        ("marta", "admin")]
