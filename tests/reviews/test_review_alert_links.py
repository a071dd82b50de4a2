"""The week's review item links the alerts of its moment (issue 16, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from analytics.models import Alert
from reviews.services import review_week_open
from tests.analytics.alert_data import make_alert
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


def test_an_item_links_the_alerts_of_its_moment_that_week(client, organization, cycle, moment, carousel, gate,
                                                          week, team_lead):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    during = make_alert(moment)
    Alert.objects.filter(pk=during.pk).update(window_start=week - dt.timedelta(days=2),
                                              window_end=week + dt.timedelta(days=4),
                                              latest_window_end=week + dt.timedelta(days=4))
    long_before = make_alert(moment, closed_reason="quiet")
    Alert.objects.filter(pk=long_before.pk).update(window_start=week - dt.timedelta(days=40),
                                                   window_end=week - dt.timedelta(days=34),
                                                   latest_window_end=week - dt.timedelta(days=30))
    make_alert(gate.moment)  # another moment's alert
    client.force_login(team_lead)
    html = client.get(reverse("reviews:week", args=[cycle.pk]) + f"?week={week.isocalendar()[0]}-W"
                      f"{week.isocalendar()[1]:02d}").content.decode()
    link = f'href="{reverse("analytics:alerts", args=[organization.pk])}?moment={moment.pk}"'
    assert link in html
    assert "1 alert of this moment that week" in html and "⚠ open now" in html
