"""The dashboard's key drivers: the priority matrix beside the emotion curve, the
effect column of the critical moments, the customer's path, and their words."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from django.utils import translation

from analytics import driver_charts
from analytics.models import KeyDriverSnapshot
from journeys.models import Membership
from tests.api_support import token_client
from tests.factories import MembershipFactory, UserFactory

from .drivers_data import Journey, push, traveller_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey():
    journey = Journey()
    push(token_client(journey.organization), traveller_ratings(journey, driver="Baggage claim", travellers=700,
                                                               seed=18, bad_share=0.35))
    return journey


@pytest.fixture
def signed_in(client, journey):
    user = UserFactory()
    MembershipFactory(user=user, organization=journey.organization, role=Membership.Role.VIEWER)
    client.force_login(user)
    return client


def url(journey) -> str:
    return f"/cycles/{journey.cycle.pk}/dashboard/"


def test_the_dashboard_draws_the_priority_matrix_and_the_path_beside_the_emotion_curve(signed_in, journey):
    response = signed_in.get(url(journey))
    content = response.content.decode()
    figures = response.context["figures"]
    assert 'id="priority-chart"' in content and 'id="paths-chart"' in content
    assert content.index('id="emotion-chart"') < content.index('id="priority-chart"')
    matrix = figures["priority"]
    assert len(matrix["data"][0]["x"]) == 4
    labels = [annotation["text"] for annotation in matrix["layout"]["annotations"]]
    assert labels[:4] == ["<b>Fix first</b>", "<b>Keep</b>", "<b>Watch</b>", "<b>Low priority</b>"]
    # The point that moves the outcome is named; the crowd near zero is numbered as in the table.
    points = {label["text"]: label["y"] for label in matrix["layout"]["annotations"][4:]}
    assert max(points, key=points.get) == "Baggage claim"
    assert sorted(name for name in points if name != "Baggage claim") == ["1", "2", "3"]
    for figure in (matrix, figures["paths"]):
        go.Figure({"data": figure["data"], "layout": figure["layout"]})  # Plotly's own schema
    drivers = response.context["drivers"]
    assert drivers["quadrants"][0][0]["name"] == "Baggage claim"


def test_critical_moments_show_their_effect_on_the_outcome(signed_in, journey):
    response = signed_in.get(url(journey))
    critical = response.context["critical"]
    assert critical, "with 35 % dissatisfied everywhere every moment is critical"
    content = response.content.decode()
    assert "Effect on “Recommendation”" in content
    for item, _said, driver in critical:
        if item["moment_id"] == journey.tmot.pk:
            assert driver is None and "the outcome itself" in content
        else:
            assert driver["moment_id"] == item["moment_id"]


def test_the_page_reads_in_spanish(signed_in, journey):
    with translation.override("es"):
        signed_in.cookies["django_language"] = "es"
        content = signed_in.get(url(journey), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Matriz de prioridad" in content and "El recorrido del cliente" in content


def test_a_stale_snapshot_is_shown_while_the_task_recomputes_it(signed_in, journey):
    signed_in.get(url(journey))
    computed = KeyDriverSnapshot.objects.get(cycle=journey.cycle).computed_at
    push(token_client(journey.organization), traveller_ratings(journey, driver="Flight", travellers=10, seed=9,
                                                               prefix="late"))
    response = signed_in.get(url(journey))
    assert response.context["drivers"]["stale"] is True
    assert KeyDriverSnapshot.objects.get(cycle=journey.cycle).computed_at == computed


def test_the_dashboard_with_key_drivers_stays_within_its_query_budget(signed_in, journey,
                                                                      django_assert_max_num_queries):
    signed_in.get(url(journey))
    with django_assert_max_num_queries(12):
        assert signed_in.get(url(journey)).status_code == 200


def test_without_an_outcome_the_page_says_what_is_missing(signed_in, journey):
    journey.tmot.kind = "SMOT"
    journey.tmot.save()
    content = signed_in.get(url(journey)).content.decode()
    assert "Key drivers need an outcome to explain" in content and 'id="priority-chart"' not in content


def test_quadrants_split_on_the_effect_and_the_critical_share():
    assert driver_charts.quadrant(0.10, 0.25, share_split=0.25) == "fix_first"
    assert driver_charts.quadrant(0.099, 0.249, share_split=0.25) == "low_priority"


def test_a_moment_whose_effect_comes_from_another_is_explained_in_the_page(client):
    """Customers unhappy at boarding are mostly unhappy on the flight too, and only the
    flight drives the outcome: boarding's plain effect is clear, its adjusted one is not,
    and the page says why."""
    import datetime as dt
    import random

    from django.utils import timezone

    journey = Journey(names=("Boarding", "Flight"))
    rng, now, rows = random.Random(4), timezone.now(), []
    for number in range(900):
        boarding = rng.random() < 0.35
        flight = boarding if rng.random() < 0.8 else rng.random() < 0.15
        detractor = rng.random() < (0.7 if flight else 0.12)
        when = (now - dt.timedelta(days=rng.uniform(1, 30))).isoformat()
        for touchpoint, bad in ((journey.touchpoints[0], boarding), (journey.touchpoints[1], flight)):
            rows.append({"touchpoint_key": touchpoint.key, "score": 1 if bad else 5, "occurred_at": when,
                         "customer": f"t-{number}"})
        rows.append({"touchpoint_key": journey.outcome.key, "score": 3 if detractor else 9, "occurred_at": when,
                     "customer": f"t-{number}"})
    push(token_client(journey.organization), rows)
    user = UserFactory()
    MembershipFactory(user=user, organization=journey.organization, role=Membership.Role.VIEWER)
    client.force_login(user)
    response = client.get(url(journey))
    drivers = {driver["name"]: driver for driver in response.context["drivers"]["data"]["drivers"]}
    assert drivers["Flight"]["agreement"] == "both"
    assert drivers["Boarding"]["agreement"] == "raw_only", drivers["Boarding"]
    assert [driver["name"] for driver in response.context["drivers"]["disagreements"]] == ["Boarding"]
    assert "once the other moments they met are taken into account the effect is no longer clear" in \
        response.content.decode()
