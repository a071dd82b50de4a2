"""Per-organization pages (imports, API tokens, webhooks, members) share one entry point
and one organization switcher: both list only organizations where the user may act."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [("touchpoints:imports_home", "touchpoints:import_upload"), ("touchpoints:tokens_home", "touchpoints:tokens"),
         ("reviews:webhooks_home", "reviews:webhooks"), ("journeys:members_home", "journeys:members")]


@pytest.mark.parametrize("home, page", PAGES)
def test_the_entry_point_and_the_switcher_offer_only_organizations_where_the_user_may_act(client, home, page):
    user = UserFactory()
    first, second, read_only = (OrganizationFactory(name=name) for name in ("Alpha", "Beta", "Gamma"))
    for organization in (first, second):
        MembershipFactory(user=user, organization=organization, role="admin")
    MembershipFactory(user=user, organization=read_only, role="viewer")
    client.force_login(user)
    assert client.get(reverse(home))["Location"] == reverse(page, args=[first.pk]), "the first by name"
    html = client.get(reverse(page, args=[first.pk])).content.decode()
    assert f'href="{reverse(page, args=[second.pk])}"' in html
    assert f'href="{reverse(page, args=[first.pk])}"' not in html, "not the page itself"
    assert f'href="{reverse(page, args=[read_only.pk])}"' not in html


@pytest.mark.parametrize("home, page", PAGES)
def test_a_viewer_is_refused_at_the_entry_point(client, home, page):
    client.force_login(MembershipFactory(role="viewer").user)
    assert client.get(reverse(home)).status_code == 403
