"""The alerts page, the dashboard's badge and the review item's link (issue 16, item 3)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analytics import services
from journeys.models import Membership
from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory, TouchpointFactory

from .alert_data import add_ratings, make_alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization, name="Airline", timezone="Europe/Madrid")


@pytest.fixture
def baggage(cycle):
    return MomentFactory(cycle=cycle, name="Baggage claim")


@pytest.fixture
def viewer_client(client, organization):
    client.force_login(MembershipFactory(organization=organization, role=Membership.Role.VIEWER).user)
    return client


def page(organization, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("analytics:alerts", args=[organization.pk]) + (f"?{query}" if query else "")


def test_the_page_lists_open_and_recently_closed_alerts_with_their_figures(viewer_client, organization, cycle,
                                                                         baggage):
    kiosk = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Check-in"), name="Kiosk")
    make_alert(baggage, n=120, dissatisfied=60)
    make_alert(kiosk.moment, touchpoint=kiosk, closed_reason="recovered", latest_n=400, latest_dissatisfied=20)
    response = viewer_client.get(page(organization))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 open alert" in html and "Baggage claim" in html and "Airline" in html
    # 60 of 120: 50 %, Wilson 95 % 41–59 %.
    assert "<strong>50%</strong> (41–59%)" in html and "60 of 120" in html
    assert "Check-in" in html and "› Kiosk" in html and "recovered: the upper end of its interval" in html
    assert html.index("Baggage claim") < html.index("Closed in the last 30 days") < html.index("› Kiosk")


def test_the_page_speaks_spanish(viewer_client, organization, baggage):
    make_alert(baggage, closed_reason="quiet")
    viewer_client.cookies["django_language"] = "es"
    html = viewer_client.get(page(organization), headers={"accept-language": "es"}).content.decode()
    assert "Alertas" in html and "7 días sin ser crítico" in html and "Cerrada" in html
    assert "Ninguna alerta abierta" in html


def test_filters_narrow_the_list_and_bad_ones_are_named(viewer_client, organization, cycle, baggage):
    other_cycle = ServiceCycleFactory(organization=organization, name="Hotel")
    make_alert(baggage)
    make_alert(MomentFactory(cycle=other_cycle, name="Check-out"))
    assert "Check-out" not in viewer_client.get(page(organization, cycle=cycle.pk)).content.decode()
    by_moment = viewer_client.get(page(organization, moment=baggage.pk)).content.decode()
    assert "Baggage claim" in by_moment and "Check-out" not in by_moment
    bad = viewer_client.get(page(organization, cycle="nope", moment=999999))
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Unknown cycle “nope”" in html and "Unknown moment “999999”" in html and "Check-out" in html


def test_the_words_of_dissatisfied_customers_come_with_an_open_alert(viewer_client, organization, cycle, baggage):
    from touchpoints.models import Rating

    carousel = TouchpointFactory(moment=baggage, name="Carousel")
    elsewhere = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"), name="Gate")
    add_ratings(carousel, n=40, dissatisfied=30)
    add_ratings(elsewhere, n=40, dissatisfied=2)
    Rating.objects.filter(touchpoint=carousel, dissatisfied=True).update(comment="The suitcase never arrived")
    Rating.objects.filter(touchpoint=elsewhere).update(comment="Friendly staff at the gate")
    services.rollups_refresh()
    make_alert(baggage, days_ago=0)
    html = viewer_client.get(page(organization)).content.decode()
    assert 'class="term-chip"' in html and "suitcase" in html


def test_the_page_is_the_organizations_own(client, organization, baggage, outsider):
    make_alert(baggage)
    client.force_login(outsider)
    assert client.get(page(organization)).status_code == 404
    home = client.get(reverse("analytics:alerts_home"))
    assert home.status_code == 302 and str(organization.pk) not in home["Location"].split("/")[2]


def test_the_navigation_leads_to_the_alerts(viewer_client, organization):
    home = viewer_client.get(reverse("journeys:cycle_list")).content.decode()
    assert f'href="{reverse("analytics:alerts_home")}"' in home
    assert viewer_client.get(reverse("analytics:alerts_home"))["Location"] == page(organization)


def test_the_page_costs_the_same_queries_for_many_alerts(viewer_client, organization, cycle,
                                                          django_assert_max_num_queries):
    for index in range(3):
        make_alert(MomentFactory(cycle=cycle, name=f"Moment {index}"), closed_reason="quiet")
    with django_assert_max_num_queries(12) as few:
        viewer_client.get(page(organization))
    for index in range(3, 15):
        make_alert(MomentFactory(cycle=cycle, name=f"Moment {index}"), closed_reason="recovered")
    with django_assert_max_num_queries(len(few.captured_queries)):
        viewer_client.get(page(organization))


def test_the_dashboard_marks_alerting_moments(client, member, organization, cycle, baggage):
    carousel = TouchpointFactory(moment=baggage, name="Carousel")
    quiet = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"), name="Gate")
    add_ratings(carousel, n=60, dissatisfied=40)
    add_ratings(quiet, n=60, dissatisfied=5)
    services.rollups_refresh()
    make_alert(baggage)
    client.force_login(member)
    html = client.get(reverse("analytics:dashboard", args=[cycle.pk])).content.decode()
    assert f'class="badge alerting-badge" href="{reverse("analytics:alerts", args=[organization.pk])}?moment={baggage.pk}"' in html
    assert "⚠ 1. Baggage claim" in html  # the heatmap's row label
    assert "⚠ 2. Boarding" not in html and "2. Boarding" in html
