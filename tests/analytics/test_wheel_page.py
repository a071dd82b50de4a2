"""The wheel page and the dashboard's personas side by side (issue 19, items 1 and 3).

/cycles/<id>/wheel/ shows the wheel for all customers and up to five personas, with a
table that says the same in words; the dashboard's emotion curve draws one line per
chosen persona and its wheel section one wheel each. Bad choices are named in a
message, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from analytics.models import DailyRollup
from analytics.periods import local_today
from tests.factories import MembershipFactory, MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    """Two moments, ratings from two personas and from customers without one."""
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", name="Online shop")
    business = SegmentFactory(organization=organization, name="Business", key="business")
    family = SegmentFactory(organization=organization, name="Family", key="family")
    delivery = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Delivery", kind="SMOT"))
    returns = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Returns", kind="SMOT"))
    today = local_today("UTC")
    for days_ago in range(3):
        day = today - dt.timedelta(days=days_ago)
        for touchpoint, segment, n, d, mean in ((delivery, business, 30, 3, 80.0), (delivery, family, 30, 24, 30.0),
                                                (returns, business, 10, 1, 75.0), (returns, None, 20, 2, 70.0)):
            DailyRollup.objects.create(touchpoint=touchpoint, day=day, segment_key=segment.pk if segment else 0,
                                       n=n, dissatisfied=d, sum_normalized=n * mean)
    return cycle


def _wheel(client, cycle, query: str = ""):
    return client.get(reverse("analytics:wheel", args=[cycle.pk]) + (f"?{query}" if query else ""))


def test_the_wheel_page_shows_the_wheel_and_its_table(client, member, cycle):
    client.force_login(member)
    response = _wheel(client, cycle)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1
    assert 'class="wheel-moment"' in html and 'aria-label="1. Delivery · SMOT · 45% dissatisfied (81 of 180 ratings)' in html
    rows = response.context["rows"]
    assert [row["moment"].name for row in rows] == ["Delivery", "Returns"]
    assert [cell["share"] for cell in rows[0]["cells"]] == ["45%"]
    assert rows[0]["cells"][0]["critical"] is True
    assert f'href="/api/v1/cycles/{cycle.pk}/wheel.svg?weeks=8"' in html


def test_personas_side_by_side_get_a_wheel_and_a_column_each(client, member, cycle):
    client.force_login(member)
    business, family = cycle.organization.segments.order_by("name")
    response = _wheel(client, cycle, f"segment={family.pk}&segment={business.pk}")
    html = response.content.decode()
    assert [item.label for item in response.context["series"]] == ["All customers", "Family", "Business"]
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    # The legend is drawn once for the three wheels, in the page.
    assert html.count("Outer ring: kind of moment") == 1
    assert [cell["share"] for cell in response.context["rows"][0]["cells"]] == ["45%", "80%", "10%"]
    assert f"segment={family.pk}" in response.context["dashboard_url"]


def test_more_than_five_personas_are_capped_with_a_message(client, member, cycle, organization):
    client.force_login(member)
    extra = [SegmentFactory(organization=organization) for _ in range(5)]
    chosen = list(cycle.organization.segments.order_by("pk"))[:2] + extra
    response = _wheel(client, cycle, "&".join(f"segment={segment.pk}" for segment in chosen))
    assert response.status_code == 200
    assert len(response.context["series"]) == 1 + 5
    assert "Up to 5 segments can be shown side by side; showing the first 5." in response.content.decode()


def test_bad_choices_are_named_and_the_rest_is_shown(client, member, cycle, other_organization):
    client.force_login(member)
    foreign = SegmentFactory(organization=other_organization)
    response = _wheel(client, cycle, f"segment={foreign.pk}&segment=no-such-persona&weeks=-3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not a segment of this organization" in html and "The period needs at least one week." in html
    assert len(response.context["series"]) == 1


def test_another_organizations_cycle_is_404_and_a_bare_cycle_says_what_to_do(client, member, outsider, cycle):
    client.force_login(outsider)
    assert _wheel(client, cycle).status_code == 404
    client.force_login(member)
    bare = ServiceCycleFactory(organization=cycle.organization)
    assert "add moments on its map to see it as a wheel" in _wheel(client, bare).content.decode()


def test_a_period_without_ratings_is_a_grey_wheel_that_says_so(client, member, cycle):
    client.force_login(member)
    response = _wheel(client, cycle, "start=2021-03-01&end=2021-03-31")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("no ratings in this period") >= 2  # each moment's title
    assert [cell["share"] for row in response.context["rows"] for cell in row["cells"]] == ["", ""]


def test_viewers_read_the_wheel(client, cycle):
    viewer = MembershipFactory(organization=cycle.organization, role="viewer").user
    client.force_login(viewer)
    assert _wheel(client, cycle).status_code == 200


def test_the_wheel_page_keeps_a_query_budget(client, member, cycle, django_assert_max_num_queries):
    client.force_login(member)
    business, family = cycle.organization.segments.order_by("name")
    query = f"segment={business.pk}&segment={family.pk}"
    _wheel(client, cycle, query)  # computes the snapshots
    with django_assert_max_num_queries(12):
        assert _wheel(client, cycle, query).status_code == 200


# --- The dashboard -------------------------------------------------------------------------


def _dashboard(client, cycle, query: str = ""):
    return client.get(reverse("analytics:dashboard", args=[cycle.pk]) + (f"?{query}" if query else ""))


def _emotion(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-figures" type="application/json">') + len(
        '<script id="dashboard-figures" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])["emotion"]


def test_the_dashboard_draws_one_curve_and_one_wheel_per_chosen_persona(client, member, cycle):
    client.force_login(member)
    business, family = cycle.organization.segments.order_by("name")
    alone = _dashboard(client, cycle)
    assert len(_emotion(alone)["data"]) == 1 and len(alone.context["wheels"]) == 1
    response = _dashboard(client, cycle, f"segment={business.pk}&segment={family.pk}")
    traces = _emotion(response)["data"]
    assert [trace["name"] for trace in traces] == ["All customers", "Business", "Family"]
    assert traces[1]["y"] == [80.0, 75.0] and traces[2]["y"] == [30.0, None]
    # Family's delivery is critical there (80% dissatisfied): its marker gets the red ring.
    assert traces[2]["marker"]["line"]["width"] == [3, 0]
    assert _emotion(response)["layout"]["showlegend"] is True
    assert [wheel["series"].label for wheel in response.context["wheels"]] == ["All customers", "Business", "Family"]
    assert response.context["chosen_segments"] == [business, family]


def test_the_dashboard_with_personas_keeps_a_query_budget(client, member, cycle, django_assert_max_num_queries):
    client.force_login(member)
    business, family = cycle.organization.segments.order_by("name")
    query = f"segment={business.pk}&segment={family.pk}"
    _dashboard(client, cycle, query)
    # 12 for the page with two personas, plus one for the moments with an open alert (issue 16)
    # and one for whether this member may share the cycle (the Share button, issue 19).
    with django_assert_max_num_queries(14):
        assert _dashboard(client, cycle, query).status_code == 200
