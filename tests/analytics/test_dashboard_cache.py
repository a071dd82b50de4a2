"""The dashboard's figures are rendered once per view of a snapshot and kept in the cache
(issue 20): a second reader gets them without their queries, and whatever they show that
changes (new ratings, an open alert, the language, a persona's name) is shown at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import services
from tests.analytics.alert_data import make_alert
from tests.analytics.test_dashboard import _figures, _url, rate_three_moments
from tests.factories import RatingFactory, SegmentFactory, ServiceCycleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def rated_cycle(organization):
    return rate_three_moments(ServiceCycleFactory(organization=organization))


def test_a_second_reader_gets_the_same_figures_without_reading_them_again(client, member, rated_cycle):
    client.force_login(member)
    with CaptureQueriesContext(connection) as first:
        rendered = client.get(_url(rated_cycle))
    with CaptureQueriesContext(connection) as second:
        again = client.get(_url(rated_cycle))
    assert again.status_code == 200 and again.context["figures_html"] == rendered.context["figures_html"]
    assert "critical-list" in again.context["figures_html"] and _figures(again) == _figures(rendered)
    assert len(second.captured_queries) < len(first.captured_queries)
    assert not any("analytics_keydriversnapshot\".\"data" in query["sql"] for query in second.captured_queries)


def test_a_reader_of_drawn_figures_reads_neither_the_snapshot_nor_the_cycles_objects(
        client, member, rated_cycle, django_assert_max_num_queries):
    """Under ingest every read is one of a few: the figures kept for the snapshot on
    screen, found from its identity and the cycle's signature read as plain rows."""
    client.force_login(member)
    first = client.get(_url(rated_cycle))
    with CaptureQueriesContext(connection) as queries:
        again = client.get(_url(rated_cycle))
    assert again.context["data"] == {"n": 90, "thresholds": first.context["data"]["thresholds"]}
    sql = [query["sql"] for query in queries.captured_queries]
    assert not any('"analytics_heatmapsnapshot"."data"' in statement for statement in sql)
    assert not any('"journeys_moment"."description"' in statement for statement in sql), "no Moment objects"
    assert len(sql) <= 10


@pytest.mark.parametrize("worker_asked", [True, False])
def test_while_the_worker_draws_the_default_view_readers_show_its_figures_a_refresh_older(
        client, member, rated_cycle, settings, monkeypatch, worker_asked):
    """After each refresh under ingest the worker computes the default view's snapshot,
    then draws its figures: readers in between showed them by drawing them too, the
    slowest reads of the mixed load. Now they show the view's latest figures (and the
    new snapshot's status line); without a worker asked, a reader draws them."""
    from analytics import views

    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(member)
    before = _figures(client.get(_url(rated_cycle)))
    RatingFactory(touchpoint=rated_cycle.moments.first().touchpoints.first(), score=1,
                  occurred_at=timezone.now() - dt.timedelta(hours=1))
    services.rollups_refresh()
    from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today

    period = last_weeks(weeks=DEFAULT_WEEKS, today=local_today(rated_cycle.timezone))
    snapshot = services.heatmap_snapshot_current(cycle=rated_cycle, dimension="weeks", period=period)[0]
    assert snapshot.data["n"] == 91  # computed, as the worker does
    if worker_asked:
        services.heatmaps_recompute_queued([rated_cycle.pk])
    drawn = []
    monkeypatch.setattr(views, "_figures_part", lambda **kwargs: drawn.append(1) or {
        "html": "", "figures_json": None, "cells": None, "status": None})
    response = client.get(_url(rated_cycle))
    assert response.context["data"]["n"] == 91
    if worker_asked:
        assert drawn == [] and _figures(response) == before
        # Another view (personas, another period) is no worker's: its reader draws it.
        client.get(_url(rated_cycle, weeks=4))
        assert drawn == [1]
    else:
        assert drawn == [1]


def test_new_ratings_are_shown_once_their_snapshot_is_computed(client, member, rated_cycle):
    client.force_login(member)
    before = _figures(client.get(_url(rated_cycle)))
    touchpoint = rated_cycle.moments.first().touchpoints.first()
    RatingFactory(touchpoint=touchpoint, score=1, occurred_at=timezone.now() - dt.timedelta(hours=1))
    services.rollups_refresh()
    response = client.get(_url(rated_cycle))
    assert response.context["data"]["n"] == 91
    assert _figures(response) != before


def test_an_alert_that_opens_is_shown_at_once(client, member, rated_cycle):
    client.force_login(member)
    assert "alerting-now" not in client.get(_url(rated_cycle)).content.decode()
    make_alert(rated_cycle.moments.order_by("position").last())
    assert "alerting-now" in client.get(_url(rated_cycle)).content.decode()


def test_each_language_and_each_personas_name_has_its_own_figures(client, member, rated_cycle):
    client.force_login(member)
    english = client.get(_url(rated_cycle), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = client.get(_url(rated_cycle), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Critical moments" in english and "Momentos críticos" in spanish
    segment = SegmentFactory(organization=rated_cycle.organization, name="Business")
    assert "Business" in client.get(_url(rated_cycle, segment=segment.pk)).content.decode()
    segment.name = "Corporate"
    segment.save()
    assert "Corporate" in client.get(_url(rated_cycle, segment=segment.pk)).content.decode()


def test_a_worker_renders_the_default_view_in_each_language_before_anyone_reads_it(client, member, rated_cycle,
                                                                                  settings):
    """After a refresh the worker renders the figures (analytics.heatmaps_refresh and
    key_drivers_refresh), exactly as the first reader would have, so no reader waits."""
    from analytics.tasks import heatmaps_refresh, key_drivers_refresh

    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a worker
    client.force_login(member)
    cold = {language: client.get(_url(rated_cycle), HTTP_ACCEPT_LANGUAGE=language).context["figures_html"]
            for language in ("en", "es")}
    cache.clear()
    assert heatmaps_refresh.apply(args=[rated_cycle.pk]).get()["dashboard"] == ["en", "es"]
    assert key_drivers_refresh.apply(args=[rated_cycle.pk]).get()["dashboard"] == [], "nothing it shows changed"
    for language in ("en", "es"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(rated_cycle), HTTP_ACCEPT_LANGUAGE=language)
        assert response.context["figures_html"] == cold[language]
        assert not any("analytics_keydriversnapshot\".\"data" in query["sql"] for query in queries.captured_queries)


def test_without_a_worker_the_refresh_renders_nothing(rated_cycle, settings):
    """Eager tasks run inside a request (the laptop): the first reader renders instead."""
    from analytics.tasks import heatmaps_refresh

    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert heatmaps_refresh.apply(args=[rated_cycle.pk]).get()["dashboard"] == []


def test_while_one_reader_renders_new_figures_the_others_see_the_previous_ones(client, member, rated_cycle,
                                                                               monkeypatch):
    """After a refresh, one process renders the view's new figures; readers arriving
    meanwhile are shown the figures of a refresh ago instead of all rendering at once."""
    from analytics import views

    client.force_login(member)
    before = client.get(_url(rated_cycle))
    touchpoint = rated_cycle.moments.first().touchpoints.first()
    RatingFactory(touchpoint=touchpoint, score=1, occurred_at=timezone.now() - dt.timedelta(hours=1))
    services.rollups_refresh()
    real_add = views.cache.add
    monkeypatch.setattr(views.cache, "add", lambda key, *args, **kwargs: False if key.endswith(":rendering")
                        else real_add(key, *args, **kwargs))  # another process is rendering
    meanwhile = client.get(_url(rated_cycle))
    assert meanwhile.context["data"]["n"] == 91, "the page's own snapshot is the new one"
    assert meanwhile.context["figures_html"] == before.context["figures_html"]
    assert _figures(meanwhile) == _figures(before)
    # With no earlier figures of the view to show, a reader renders them itself.
    cache.clear()
    alone = client.get(_url(rated_cycle))
    assert alone.status_code == 200 and _figures(alone) != _figures(before)
    monkeypatch.undo()
    after = client.get(_url(rated_cycle))
    assert _figures(after) == _figures(alone)
