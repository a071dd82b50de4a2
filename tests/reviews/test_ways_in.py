"""The ways to the weekly review: the navigation, the cycle list, the map, the dashboard,
and a team lead's home with the open items of their cycles (theirs first)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from journeys.models import Membership
from reviews.models import ReviewItem
from reviews.services import review_item_transition, review_week_open
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db

ROLES = [Membership.Role.VIEWER, Membership.Role.TEAM_LEAD, Membership.Role.CX_MANAGER, Membership.Role.ADMIN]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_that_reads_the_cycle_finds_its_review(client, organization, cycle, role):
    user = MembershipFactory(organization=organization, role=role).user
    client.force_login(user)
    review = reverse("reviews:week", args=[cycle.pk])

    pages = {
        "cycle list": client.get(reverse("journeys:cycle_list")).content.decode(),
        "map": client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode(),
        "dashboard": client.get(reverse("analytics:dashboard", args=[cycle.pk])).content.decode(),
    }

    for name, html in pages.items():
        assert f'href="{review}"' in html, name
        assert f'href="{reverse("reviews:home")}"' in html, f"navigation on the {name}"
    assert client.get(review).status_code == 200


def test_the_navigations_review_goes_straight_to_the_only_cycle(client, team_lead, cycle):
    client.force_login(team_lead)
    response = client.get(reverse("reviews:home"))
    assert response.status_code == 302 and response["Location"] == reverse("reviews:week", args=[cycle.pk])


def test_with_several_cycles_the_navigations_review_lets_one_choose(client, team_lead, organization, cycle,
                                                                    other_organization):
    second = ServiceCycleFactory(organization=organization, name="Lounges")
    theirs = ServiceCycleFactory(organization=other_organization, name="Not yours")
    client.force_login(team_lead)

    html = client.get(reverse("reviews:home")).content.decode()

    assert reverse("reviews:week", args=[cycle.pk]) in html and reverse("reviews:week", args=[second.pk]) in html
    assert reverse("reviews:week", args=[theirs.pk]) not in html and "Not yours" not in html


def test_someone_in_no_organization_sees_no_review_link(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    html = client.get(reverse("journeys:cycle_list")).content.decode()
    assert reverse("reviews:home") not in html


@pytest.fixture
def two_problems(organization, cycle, carousel, gate, team_lead, week):
    other_lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(gate, week_start=week, n=100, dissatisfied=60)
    review_week_open(cycle=cycle, week_start=week)
    baggage = ReviewItem.objects.get(moment=carousel.moment)
    boarding = ReviewItem.objects.get(moment=gate.moment)
    ReviewItem.objects.filter(pk=boarding.pk).update(owner=other_lead)
    ReviewItem.objects.filter(pk=baggage.pk).update(owner=team_lead)
    return baggage, boarding


def test_a_team_leads_home_lists_the_open_items_theirs_first(client, team_lead, cycle, two_problems):
    baggage, boarding = two_problems
    assert boarding.severity > baggage.severity  # the other lead's item is the more severe one
    client.force_login(team_lead)

    html = client.get(reverse("journeys:cycle_list")).content.decode()

    panel = html[html.index("data-review-open-items"):]
    mine = f'{reverse("reviews:week", args=[cycle.pk])}?week={baggage.iso_week}#item-{baggage.pk}'
    theirs = f'{reverse("reviews:week", args=[cycle.pk])}?week={boarding.iso_week}#item-{boarding.pk}'
    assert mine in panel and theirs in panel
    assert panel.index(mine) < panel.index(theirs)


def test_closed_items_and_other_organizations_stay_off_the_home(client, team_lead, cycle, two_problems,
                                                                other_organization, week):
    baggage, boarding = two_problems
    review_item_transition(item=boarding, status="dismissed", actor=team_lead, reason="Works at gate 4")
    foreign_cycle = ServiceCycleFactory(organization=other_organization)
    foreign = TouchpointFactory(moment=MomentFactory(cycle=foreign_cycle, name="Their check-in"))
    add_ratings(foreign, week_start=week, n=40, dissatisfied=30)
    review_week_open(cycle=foreign_cycle, week_start=week)
    client.force_login(team_lead)

    html = client.get(reverse("journeys:cycle_list")).content.decode()

    assert f"#item-{baggage.pk}" in html
    assert f"#item-{boarding.pk}" not in html and "Their check-in" not in html


def test_viewers_get_no_open_items_panel(client, viewer, cycle, two_problems):
    client.force_login(viewer)
    html = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "data-review-open-items" not in html


def test_a_team_lead_with_nothing_open_is_told_so(client, team_lead, cycle):
    client.force_login(team_lead)
    html = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "Nothing in progress in your weekly reviews." in html


def test_the_home_costs_the_same_queries_with_many_open_items(client, team_lead, cycle, week,
                                                              django_assert_max_num_queries):
    client.force_login(team_lead)
    for index in range(12):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name=f"Moment {index}"))
        add_ratings(touchpoint, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))

    with django_assert_max_num_queries(10):
        html = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "And 4 more on the review pages." in html
