"""The API of what customers say: insights of a scope, its comments, and planted phrases end to end (issue 15)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.utils import timezone

from analytics.services import rollups_refresh
from tests.api_support import member_client, token_client
from tests.factories import (
    MomentFactory,
    OrganizationFactory,
    RatingFactory,
    SegmentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

# Words customers use everywhere: noise around the planted phrases.
BACKGROUND = [
    "the flight was ok", "el vuelo bien", "staff could be friendlier", "nada especial", "too expensive",
    "demasiado caro", "long day", "un día largo", "as expected", "como siempre", "not great", "no estuvo bien",
    "the app is slow", "la aplicación es lenta", "waited a while", "esperé un rato", "could be better",
]
# What the unseen data set does: phrases planted at known moments.
PLANTED = {
    "Security": ["the scanner beeped for my belt buckle", "scanner beeped again, belt buckle off",
                 "belt buckle and the scanner, twice"],
    "Boarding": ["la tarjeta de embarque salió borrosa", "tarjeta de embarque borrosa otra vez",
                 "no se leía la tarjeta de embarque"],
}


def _world(organization):
    """A cycle of six moments; two have planted complaints, all have background noise; ingested by the API."""
    cycle = ServiceCycleFactory(organization=organization, min_sample=20, critical_share=0.25)
    touchpoints = {}
    for name in ["Search", "Booking", "Security", "Boarding", "Flight", "Arrival"]:
        touchpoints[name] = TouchpointFactory(moment=MomentFactory(cycle=cycle, name=name), name=f"{name} desk",
                                              key=f"tp-{name.lower()}")
    rng = random.Random(15)
    now = timezone.now()
    items = []
    for name, touchpoint in touchpoints.items():
        share = 0.6 if name in PLANTED or name == "Flight" else 0.1
        for index in range(80):
            dissatisfied = rng.random() < share
            if dissatisfied and name in PLANTED and rng.random() < 0.7:
                comment = f"{rng.choice(PLANTED[name])}. {rng.choice(BACKGROUND)}"
            else:
                comment = rng.choice(BACKGROUND) if rng.random() < 0.8 else ""
            items.append({"touchpoint_key": touchpoint.key, "score": rng.randint(1, 2) if dissatisfied else 5,
                          "occurred_at": (now - dt.timedelta(hours=1 + rng.randint(0, 24 * 20))).isoformat(),
                          "comment": comment, "external_id": f"{name}-{index}"})
    client = token_client(organization, scopes=("ingest", "read"))
    response = client.post("/api/v1/ratings/batch/", data=json.dumps({"ratings": items}),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    rollups_refresh()
    return cycle, client


def _terms(body) -> list[str]:
    return [term["term"] for term in body["terms"]]


def test_planted_phrases_are_the_top_terms_of_exactly_their_moments():
    organization = OrganizationFactory()
    cycle, client = _world(organization)
    body = client.get(f"/api/v1/cycles/{cycle.pk}/critical-moments/").json()
    by_name = {item["name"]: item for item in body["critical_moments"]}
    assert {"Security", "Boarding", "Flight"} <= set(by_name)
    security, boarding = _terms(by_name["Security"]["insights"]), _terms(by_name["Boarding"]["insights"])
    assert {"belt buckle", "scanner beeped"} & set(security[:3]), security
    assert {"tarjeta embarque", "embarque borrosa"} & set(boarding[:3]), boarding
    planted_words = {"belt", "buckle", "scanner", "beeped", "tarjeta", "embarque", "borrosa"}
    assert not planted_words & {word for term in _terms(by_name["Flight"]["insights"]) for word in term.split()}
    assert not {"belt", "buckle", "scanner"} & {word for term in boarding for word in term.split()}
    # Cell by cell through the insights endpoint too: every other moment is free of the planted words.
    for moment in cycle.moments.exclude(name__in=PLANTED):
        answer = client.get(f"/api/v1/cycles/{cycle.pk}/insights/?moment={moment.pk}").json()
        assert not planted_words & {word for term in _terms(answer) for word in term.split()}, moment.name
    examples = by_name["Security"]["insights"]["examples"]
    assert examples and all("buckle" in example["comment"] or "scanner" in example["comment"]
                            for example in examples)


def test_insights_of_a_moment_touchpoint_segment_channel_and_week():
    organization = OrganizationFactory()
    cycle = ServiceCycleFactory(organization=organization, min_sample=5)
    moment = MomentFactory(cycle=cycle, name="Baggage")
    web = TouchpointFactory(moment=moment, channel="web")
    desk = TouchpointFactory(moment=moment, channel="in_person")
    other = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    business = SegmentFactory(organization=organization)
    now = timezone.now()
    for index in range(30):
        # Within the last minute: "weeks=1" is the current ISO week, only hours old on a Monday.
        RatingFactory(touchpoint=desk, score=1, comment="maleta rota", segment=business,
                      occurred_at=now - dt.timedelta(seconds=2 + index))
        RatingFactory(touchpoint=web, score=1, comment="web caída", occurred_at=now - dt.timedelta(days=20))
        RatingFactory(touchpoint=other, score=5, comment="todo bien, personal amable",
                      occurred_at=now - dt.timedelta(seconds=2 + index))
    rollups_refresh()
    client = member_client(organization)
    url = f"/api/v1/cycles/{cycle.pk}/insights/"
    assert "maleta rota" in _terms(client.get(f"{url}?moment={moment.pk}&weeks=1").json())
    assert "web caída" not in _terms(client.get(f"{url}?moment={moment.pk}&weeks=1").json())
    assert "web caída" in _terms(client.get(f"{url}?moment={moment.pk}&weeks=8").json())
    assert _terms(client.get(f"{url}?touchpoint={web.pk}&weeks=1").json()) == []
    assert client.get(f"{url}?touchpoint={web.pk}&weeks=1").json()["state"] == "no_comments"
    assert _terms(client.get(f"{url}?moment={moment.pk}&channel=web").json()) == ["web caída"]
    assert "maleta rota" in _terms(client.get(f"{url}?moment={moment.pk}&segment={business.pk}").json())
    assert client.get(f"{url}?moment={moment.pk}&segment=none&weeks=1").json()["state"] == "no_comments"
    today = now.date()
    body = client.get(f"{url}?moment={moment.pk}&start={today - dt.timedelta(days=1)}&end={today}").json()
    assert body["period"] == {"start": str(today - dt.timedelta(days=1)), "end": str(today)}


@pytest.mark.parametrize("query, field", [
    ("", "moment"), ("?moment=abc", "moment"), ("?moment=999999", "moment"), ("?touchpoint=-1", "touchpoint"),
    ("?moment={moment}&segment=zzz", "segment"), ("?moment={moment}&segment={foreign_segment}", "segment"),
    ("?moment={moment}&channel=pigeon", "channel"), ("?moment={moment}&start=2026-13-01&end=2026-01-01", "period"),
    ("?moment={moment}&weeks=900", "period"), ("?moment={foreign_moment}", "moment"),
    ("?moment={moment}&touchpoint={other_touchpoint}", "touchpoint"),
])
def test_bad_scopes_are_400_with_the_field_named(query, field):
    organization = OrganizationFactory()
    cycle = ServiceCycleFactory(organization=organization)
    moment = MomentFactory(cycle=cycle)
    TouchpointFactory(moment=moment)
    other_touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    foreign = TouchpointFactory()
    foreign_segment = SegmentFactory(organization=foreign.organization)
    query = query.format(moment=moment.pk, foreign_moment=foreign.moment_id, foreign_segment=foreign_segment.pk,
                         other_touchpoint=other_touchpoint.pk)
    client = member_client(organization)
    response = client.get(f"/api/v1/cycles/{cycle.pk}/insights/{query}")
    assert response.status_code == 400 and field in response.json(), response.content
    if field != "moment" or query:
        comments = client.get(f"/api/v1/cycles/{cycle.pk}/comments/{query}")
        assert comments.status_code == 400 and field in comments.json()


def test_another_organizations_cycle_is_404_and_its_comments_never_show():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    their_tp = TouchpointFactory(moment=MomentFactory(cycle=ServiceCycleFactory(organization=theirs)))
    RatingFactory(touchpoint=their_tp, score=1, comment="secreto de la competencia")
    rollups_refresh()
    client = member_client(mine)
    cycle_id = their_tp.moment.cycle_id
    assert client.get(f"/api/v1/cycles/{cycle_id}/insights/?moment={their_tp.moment_id}").status_code == 404
    assert client.get(f"/api/v1/cycles/{cycle_id}/comments/").status_code == 404
    assert token_client(mine).get(f"/api/v1/cycles/{cycle_id}/comments/").status_code == 404


def test_comments_are_newest_first_filtered_and_cursor_paginated(django_assert_max_num_queries):
    organization = OrganizationFactory()
    cycle = ServiceCycleFactory(organization=organization)
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    now = timezone.now()
    for index in range(7):
        RatingFactory(touchpoint=touchpoint, score=1 if index % 2 else 5, comment=f"comment {index}",
                      occurred_at=now - dt.timedelta(hours=index + 1))
    RatingFactory(touchpoint=touchpoint, score=1, comment="")
    client = member_client(organization)
    url = f"/api/v1/cycles/{cycle.pk}/comments/?touchpoint={touchpoint.pk}&page_size=3"
    with django_assert_max_num_queries(12):
        first = client.get(url).json()
    assert [row["comment"] for row in first["results"]] == ["comment 0", "comment 1", "comment 2"]
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert [row["comment"] for row in second["results"] + third["results"]] == [
        "comment 3", "comment 4", "comment 5", "comment 6"]
    assert third["next"] is None
    unhappy = client.get(f"{url}&dissatisfied=true&page_size=10").json()["results"]
    assert [row["comment"] for row in unhappy] == ["comment 1", "comment 3", "comment 5"]
    assert all(row["dissatisfied"] for row in unhappy)
    assert set(unhappy[0]) >= {"id", "external_id", "touchpoint", "touchpoint_name", "moment", "score", "scale",
                               "occurred_at", "comment", "segment"}
    assert client.get(f"{url}&dissatisfied=maybe").status_code == 400
    assert client.get(f"{url}&cursor=garbage").status_code == 400
