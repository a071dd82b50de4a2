"""The whole cycle at a glance (issue 19, item 2): the map's compact view with the
emotion curve above the moments, per persona when chosen.

The view is chosen in the address (?view=compact) and remembered by map_view.js; the
curve comes from the analytics' snapshots through the lane's template tag, so the
editor's redrawn lane (its JSON endpoints) carries the same curve.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from analytics.models import DailyRollup
from analytics.periods import local_today
from analytics.services import heatmaps_refresh_cycle
from journeys.editor_state import compact_name
from tests.factories import MomentFactory, SegmentFactory, ServiceCycleFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

LONG_NAME = ("Identificación y verificación del cliente en la oficina con documentos originales y fotocopias "
             "compulsadas por")


@pytest.fixture
def cycle(organization):
    cycle = ServiceCycleFactory(organization=organization, timezone="UTC", name="Bank account")
    business = SegmentFactory(organization=organization, name="Business", key="business")
    today = local_today("UTC")
    for index, (name, mean) in enumerate((("Research", 80.0), ("Application", 55.0), (LONG_NAME, 30.0))):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name=name),
                                       name="Video identification through the mobile application", channel="app")
        DailyRollup.objects.create(touchpoint=touchpoint, day=today, segment_key=business.pk, n=30,
                                   dissatisfied=3 * index, sum_normalized=30 * (mean - 10))
        DailyRollup.objects.create(touchpoint=touchpoint, day=today, segment_key=0, n=30, dissatisfied=3 * index,
                                   sum_normalized=30 * (mean + 10))
    heatmaps_refresh_cycle(cycle_id=cycle.pk)  # the default snapshot the lane reads
    return cycle


def _map(client, cycle, query: str = ""):
    return client.get(reverse("journeys:cycle_detail", args=[cycle.pk]) + (f"?{query}" if query else ""))


def test_cards_by_default_and_the_whole_cycle_when_asked(client, member, cycle):
    client.force_login(member)
    cards = _map(client, cycle).content.decode()
    assert 'class="lane-region" data-view="cards" data-view-chosen=""' in cards
    assert 'href="?view=cards" data-view="cards" aria-current="true"' in cards
    compact = _map(client, cycle, "view=compact").content.decode()
    assert 'class="lane-region lane-compact" data-view="compact" data-view-chosen="1"' in compact
    assert 'href="?view=compact" data-view="compact" aria-current="true"' in compact
    assert 'data-view="cards" data-view-chosen="1"' in _map(client, cycle, "view=cards").content.decode()
    assert 'data-view="cards" data-view-chosen=""' in _map(client, cycle, "view=sideways").content.decode()


def test_the_curve_has_a_slice_per_moment_and_says_the_means_in_words(client, member, cycle):
    client.force_login(member)
    html = _map(client, cycle, "view=compact").content.decode()
    row = html[html.index('<div class="lane-curve-row"'):html.index('<ol class="lane"')]
    assert row.count('class="lane-curve-column"') == 3
    assert "All customers · 1. Research: mean 80.0/100, n = 60" in row
    assert "3. Identificación y verificación" in row
    # The scale's labels: the means run from 30 to 80.
    assert '<span class="lane-curve-tick tick-high" aria-hidden="true">90</span>' in row
    assert '<span class="lane-curve-tick tick-low" aria-hidden="true">20</span>' in row


def test_without_ratings_the_map_says_the_curve_is_coming(client, member, organization):
    client.force_login(member)
    bare = ServiceCycleFactory(organization=organization)
    MomentFactory(cycle=bare, name="Search")
    html = _map(client, bare, "view=compact").content.decode()
    assert 'class="lane-curve-row"' not in html
    assert "No ratings yet: the curve appears once customers rate the touchpoints." in html


def test_a_chosen_persona_gets_its_own_line(client, member, cycle):
    client.force_login(member)
    business = cycle.organization.segments.get(key="business")
    response = _map(client, cycle, f"view=compact&segment={business.pk}")
    html = response.content.decode()
    assert "Business · 1. Research: mean 70.0/100, n = 30" in html
    assert "All customers · 1. Research: mean 80.0/100, n = 60" in html
    assert 'stroke-dasharray="6 4"' in html  # the persona's dashed line, in the legend and the slices
    assert f'name="segment" value="{business.pk}" checked' in html


def test_too_many_or_foreign_personas_are_named(client, member, cycle, other_organization):
    client.force_login(member)
    foreign = SegmentFactory(organization=other_organization)
    extra = [SegmentFactory(organization=cycle.organization) for _ in range(6)]
    query = "&".join(f"segment={segment.pk}" for segment in [foreign, *extra])
    html = _map(client, cycle, f"view=compact&{query}").content.decode()
    assert f"Not a segment of this organization: {foreign.pk}." in html
    assert "Up to 5 segments can be shown side by side; showing the first 5." in html


def test_the_editors_redrawn_lane_keeps_the_personas_curve(client, member, cycle):
    client.force_login(member)
    business = cycle.organization.segments.get(key="business")
    url = reverse("journeys:editor_moment_create", args=[cycle.pk]) + f"?segment={business.pk}"
    response = client.post(url, data=json.dumps({"name": "Card delivery", "kind": "SMOT"}),
                           content_type="application/json")
    assert response.status_code == 201
    lane = response.json()["lane_html"]
    assert lane.count('class="lane-curve-column"') == 4
    assert "Business · 1. Research" in lane


def test_names_are_never_broken_inside_a_word(client, member, cycle):
    client.force_login(member)
    html = _map(client, cycle, "view=compact").content.decode()
    assert f'<h2 class="moment-name" title="{LONG_NAME}">{LONG_NAME}</h2>' in html
    assert (f'<p class="moment-name-compact" title="{LONG_NAME}" aria-hidden="true">{compact_name(LONG_NAME, 3)}</p>'
            in html)
    assert ('<span class="touchpoint-name" title="Video identification through the mobile application">'
            in html)


@pytest.mark.parametrize(("moments", "name", "expected"), [
    (15, "Identificación del cliente", "Identifi… del cliente"),
    (10, "Identificación del cliente", "Identificación del cliente"),
    (15, "Check-in", "Check\u2011in"),
    (40, "Verificación", "Verific…"),
])
def test_compact_names_shorten_only_words_too_wide_for_a_column(moments, name, expected):
    assert compact_name(name, moments) == expected


def test_the_compact_map_keeps_the_editor_pages_query_budget(client, member, cycle, django_assert_max_num_queries):
    client.force_login(member)
    with django_assert_max_num_queries(14):
        assert _map(client, cycle, "view=compact").status_code == 200
    business = cycle.organization.segments.get(key="business")
    _map(client, cycle, f"view=compact&segment={business.pk}")
    with django_assert_max_num_queries(18):
        assert _map(client, cycle, f"view=compact&segment={business.pk}").status_code == 200


def test_the_examples_in_the_docstrings_hold():
    import doctest

    from journeys import editor_state

    assert doctest.testmod(editor_state, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
