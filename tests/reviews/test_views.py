"""The weekly review page and its forms: scoping, roles, workflow through the browser, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys.models import Membership
from reviews.models import ActionItem, ReviewEvent, ReviewItem, ReviewRun
from reviews.selectors import iso_week_label
from reviews.services import review_week_open
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(cycle, carousel, gate, week):
    add_ratings(carousel, week_start=week - dt.timedelta(weeks=1), n=40, dissatisfied=12)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(gate, week_start=week, n=100, dissatisfied=45)
    review_week_open(cycle=cycle, week_start=week)
    return list(ReviewItem.objects.order_by("-severity"))


def page_url(page_cycle, week=None, **params):
    url = reverse("reviews:week", args=[page_cycle.pk])
    query = {"week": iso_week_label(week)} if week else {}
    query.update(params)
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_the_page_needs_a_login(client, cycle):
    response = client.get(page_url(cycle))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_items_are_listed_by_severity_with_figures_trend_and_protocol(client, team_lead, cycle, week, opened):
    client.force_login(team_lead)

    response = client.get(page_url(cycle, week))

    assert response.status_code == 200
    html = response.content.decode()
    on_page = sorted(opened, key=lambda item: html.index(f'id="item-{item.pk}"'))
    severities = [item.severity for item in on_page]
    assert severities == sorted(severities, reverse=True)  # most severe first
    assert html.count('<svg class="sparkline"') == len(opened)
    assert "First bag within 20 minutes." in html
    assert "Dissatisfied share, last 8 weeks" in html
    # "Open in the heatmap" shows that very week, scrolled to the moment's row.
    import html as html_module
    import re

    item = on_page[0]
    link = re.search(rf'href="(/cycles/{cycle.pk}/dashboard/\?[^"#]+)#moment-{item.moment_id}"', html)
    assert link, "a link to the dashboard at the item's moment"
    dashboard_url = html_module.unescape(link.group(1))
    assert f"start={item.week_start.isoformat()}" in dashboard_url and f"end={item.week_end.isoformat()}" in dashboard_url
    assert f'id="moment-{item.moment_id}"' in client.get(dashboard_url).content.decode()
    assert iso_week_label(week) in html


def test_the_sparkline_shows_the_weeks_before(client, team_lead, cycle, carousel, week, opened):
    client.force_login(team_lead)
    item = ReviewItem.objects.get(moment=carousel.moment)

    html = client.get(page_url(cycle, week)).content.decode()

    article = html[html.index(f'id="item-{item.pk}"'):]
    label = article[article.index('aria-label="Dissatisfied share'):].split('"')[1]
    # 6 weeks without ratings, then 12/40 = 30 %, then 20/40 = 50 %.
    assert label.endswith("no ratings, 30%, 50%")


def test_another_organizations_cycle_is_404(client, outsider, cycle, week, opened):
    client.force_login(outsider)
    assert client.get(page_url(cycle, week)).status_code == 404


def test_another_organizations_item_cannot_be_changed(client, outsider, cycle, opened):
    client.force_login(outsider)
    item = opened[0]
    response = client.post(reverse("reviews:item_status", args=[cycle.pk, item.pk]), {"status": "acknowledged"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == "open"


def test_an_item_addressed_through_another_cycle_is_404(client, team_lead, organization, cycle, opened):
    other_cycle = ServiceCycleFactory(organization=organization)
    client.force_login(team_lead)
    response = client.post(reverse("reviews:item_status", args=[other_cycle.pk, opened[0].pk]),
                           {"status": "acknowledged"})
    assert response.status_code == 404


def test_viewers_read_without_forms_and_cannot_post(client, viewer, cycle, week, opened):
    client.force_login(viewer)
    html = client.get(page_url(cycle, week)).content.decode()
    assert "You can read this review" in html
    assert "item_status" not in html and "/status/" not in html

    item = opened[0]
    for name, data in (("item_status", {"status": "acknowledged"}), ("item_notes", {"notes": "x"}),
                       ("item_owner", {"owner": ""}), ("item_action_add", {"text": "x"})):
        response = client.post(reverse(f"reviews:{name}", args=[cycle.pk, item.pk]), data)
        assert response.status_code == 403, name
    item.refresh_from_db()
    assert item.status == "open" and item.notes == "" and not item.actions.exists()


def test_a_team_lead_moves_an_item_through_the_workflow(client, team_lead, cycle, week, opened):
    client.force_login(team_lead)
    item = opened[0]
    back = page_url(cycle, week)
    url = reverse("reviews:item_status", args=[cycle.pk, item.pk])

    for status in ("acknowledged", "action_planned", "resolved"):
        response = client.post(url, {"status": status, "next": back})
        assert response.status_code == 302
        assert response["Location"] == f"{back}#item-{item.pk}"

    item.refresh_from_db()
    assert item.status == "resolved"
    assert item.events.filter(kind="status", actor=team_lead).count() == 3
    html = client.get(back).content.decode()
    assert "Status changed to “Resolved”." in html


def test_an_out_of_order_change_shows_a_message_and_writes_nothing(client, team_lead, cycle, week, opened):
    client.force_login(team_lead)
    item = opened[0]

    response = client.post(reverse("reviews:item_status", args=[cycle.pk, item.pk]), {"status": "resolved"},
                           follow=True)

    assert "can only become acknowledged / dismissed" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
    assert not ReviewEvent.objects.filter(kind="status").exists()


def test_dismissing_needs_a_reason(client, team_lead, cycle, opened):
    client.force_login(team_lead)
    item = opened[0]
    url = reverse("reviews:item_status", args=[cycle.pk, item.pk])

    response = client.post(url, {"status": "dismissed", "reason": ""}, follow=True)
    assert "Say why the item is dismissed." in response.content.decode()
    client.post(url, {"status": "dismissed", "reason": "Planned works at the airport"})

    item.refresh_from_db()
    assert item.status == "dismissed" and item.dismiss_reason == "Planned works at the airport"


def test_owner_notes_and_actions_are_changed_from_the_page(client, team_lead, organization, cycle, opened):
    other_lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    client.force_login(team_lead)
    item = opened[0]

    client.post(reverse("reviews:item_owner", args=[cycle.pk, item.pk]), {"owner": other_lead.pk})
    client.post(reverse("reviews:item_notes", args=[cycle.pk, item.pk]), {"notes": "Belt 3 broken"})
    client.post(reverse("reviews:item_action_add", args=[cycle.pk, item.pk]),
                {"text": "Second belt at peak", "due_date": "2030-01-31"})
    action = ActionItem.objects.get()
    client.post(reverse("reviews:item_action_done", args=[cycle.pk, item.pk, action.pk]), {"done": "on"})

    item.refresh_from_db()
    action.refresh_from_db()
    assert item.owner == other_lead and item.notes == "Belt 3 broken"
    assert action.done and action.due_date == dt.date(2030, 1, 31)
    assert list(item.events.exclude(kind="opened").values_list("kind", flat=True)) == [
        "owner", "notes", "action_added", "action_done"]


def test_an_owner_from_another_organization_is_refused(client, team_lead, outsider, cycle, carousel, opened):
    client.force_login(team_lead)
    item = ReviewItem.objects.get(moment=carousel.moment)

    response = client.post(reverse("reviews:item_owner", args=[cycle.pk, item.pk]), {"owner": outsider.pk},
                           follow=True)

    assert "Select a valid choice" in response.content.decode()
    item.refresh_from_db()
    assert item.owner == team_lead


def test_a_bad_due_date_is_reported_and_nothing_is_added(client, team_lead, cycle, opened):
    client.force_login(team_lead)
    response = client.post(reverse("reviews:item_action_add", args=[cycle.pk, opened[0].pk]),
                           {"text": "x", "due_date": "31/01/2030"}, follow=True)
    assert "Due date: Enter a valid date." in response.content.decode()
    assert not ActionItem.objects.exists()


def test_a_bad_week_is_a_400_with_a_message(client, team_lead, cycle, opened):
    client.force_login(team_lead)
    response = client.get(reverse("reviews:week", args=[cycle.pk]) + "?week=2026-47")
    assert response.status_code == 400
    assert "Give the week as YYYY-Www" in response.content.decode()


def test_filters_by_status_and_owner(client, team_lead, cycle, week, opened):
    client.force_login(team_lead)
    first, *others = opened
    ReviewItem.objects.filter(pk=first.pk).update(status="acknowledged", owner=None)

    acknowledged = client.get(page_url(cycle, week, status="acknowledged")).content.decode()
    unassigned = client.get(page_url(cycle, week, owner="none")).content.decode()
    mine = client.get(page_url(cycle, week, owner="me")).content.decode()

    assert f'id="item-{first.pk}"' in acknowledged
    assert all(f'id="item-{item.pk}"' not in acknowledged for item in others)
    assert f'id="item-{first.pk}"' in unassigned and f'id="item-{first.pk}"' not in mine
    owned = ReviewItem.objects.filter(owner=team_lead)
    assert owned.exists()
    assert all(f'id="item-{item.pk}"' in mine for item in owned)
    assert all(f'id="item-{item.pk}"' not in mine for item in ReviewItem.objects.exclude(owner=team_lead))


def test_open_items_of_earlier_weeks_stay_on_the_page(client, team_lead, cycle, carousel, week, opened):
    client.force_login(team_lead)
    next_week = week + dt.timedelta(weeks=1)

    html = client.get(page_url(cycle, next_week)).content.decode()

    assert "Still open from earlier weeks: 2 items" in html
    assert f"since {iso_week_label(week)}" in html


def test_the_cycle_filter_switches_cycle_within_the_organization(client, team_lead, organization, cycle, week,
                                                                  other_organization):
    mine = ServiceCycleFactory(organization=organization)
    foreign = ServiceCycleFactory(organization=other_organization)
    client.force_login(team_lead)

    response = client.get(page_url(cycle, week, cycle=mine.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reviews:week", args=[mine.pk]))
    assert client.get(page_url(cycle, week, cycle=foreign.pk)).status_code == 404


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _add_critical_moments(cycle, week, count):
    for index in range(count):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, protocol=f"Protocol {index}"))
        add_ratings(touchpoint, week_start=week - dt.timedelta(weeks=1), n=30, dissatisfied=15)
        add_ratings(touchpoint, week_start=week, n=40, dissatisfied=20 + index)


def test_the_page_costs_the_same_queries_for_many_items(client, team_lead, cycle, week,
                                                        django_assert_max_num_queries):
    """No N+1: items, actions, history, owners and all sparklines are a fixed handful of queries."""
    client.force_login(team_lead)
    url = page_url(cycle, week)
    _add_critical_moments(cycle, week, 1)
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))
    review_week_open(cycle=cycle, week_start=week)
    client.get(url)  # warms what every page caches (the navigation's roles, the schedule's status)
    few = _page_queries(client, url)

    ReviewItem.objects.all().delete()
    ReviewRun.objects.all().delete()
    _add_critical_moments(cycle, week, 11)
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))
    review_week_open(cycle=cycle, week_start=week)
    for item in ReviewItem.objects.all():
        ActionItem.objects.create(review_item=item, text="Check")

    # 12, plus what customers said: the cycle's touchpoints and a term table per week shown (this
    # week, the earlier items' week and the week before each). No comments here, so nothing per item.
    # Plus the items fixed lately ("Did the fixes work?"; none here, so no effects to sum) and the
    # alerts of the items' moments.
    with django_assert_max_num_queries(18):
        response = client.get(url)
    many = _page_queries(client, url)

    assert many == few
    assert response.content.decode().count('<svg class="sparkline"') == ReviewItem.objects.count() == 24
