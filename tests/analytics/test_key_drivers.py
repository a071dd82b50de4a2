"""Key drivers and the customer's path, through the API: synthetic travellers in which
exactly one moment drives the outcome; bad input answered, never a 500."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from analytics import driver_model, key_drivers
from analytics.models import KeyDriverSnapshot
from tests.api_support import member_client, token_client
from tests.factories import OrganizationFactory, SegmentFactory
from touchpoints.services import touchpoint_update

from .drivers_data import Journey, push, traveller_ratings

pytestmark = pytest.mark.django_db


def drivers_url(journey: Journey) -> str:
    return f"/api/v1/cycles/{journey.cycle.pk}/key-drivers/"


@pytest.fixture
def journey():
    return Journey()


@pytest.fixture
def client(journey):
    return token_client(journey.organization)


def test_the_one_moment_that_drives_the_outcome_comes_first_and_only_its_interval_excludes_zero(journey, client):
    rows = traveller_ratings(journey, driver="Flight", travellers=900, seed=18)
    push(client, rows)
    answer = client.get(drivers_url(journey))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "ok" and body["outcome"] == {"kind": "moment", "id": journey.tmot.pk,
                                                         "name": "Recommendation", "moment_id": journey.tmot.pk}
    assert body["customers"] == body["linked_customers"] == 900
    first, *others = body["drivers"]
    assert first["name"] == "Flight" and first["low"] > 0 and first["effect"] > 0.4
    assert first["adjusted"]["low"] > 0 and first["agreement"] == "both"
    assert len(others) == 3
    for driver in others:
        assert driver["low"] < 0 < driver["high"], driver
        assert driver["adjusted"]["low"] < 0 < driver["adjusted"]["high"], driver
        assert driver["agreement"] == "neither"
    assert body["model"] == {"state": "ok", "customers": 900, "moments": 4}
    # The groups: every traveller who rated the flight is in one of them.
    flight = [row for row in rows if row["touchpoint_key"] == journey.touchpoints[2].key]
    assert first["customers_dissatisfied"] == sum(row["score"] <= 2 for row in flight)
    assert first["customers_satisfied"] == sum(row["score"] > 2 for row in flight)
    assert first["outcome_share_dissatisfied"] - first["outcome_share_satisfied"] == pytest.approx(first["effect"])


def test_the_path_counts_bad_moments_and_the_outcome_grows_with_them(journey, client):
    push(client, traveller_ratings(journey, driver="Flight", travellers=600, seed=7))
    body = client.get(f"/api/v1/cycles/{journey.cycle.pk}/paths/").json()
    paths = body["paths"]
    assert paths["customers"] == 600
    assert sum(item["customers"] for item in paths["bad_moments"]) == 600
    assert sum(item["share"] for item in paths["bad_moments"]) == pytest.approx(1)
    zero, one = paths["bad_moments"][0], paths["bad_moments"][1]
    assert zero["outcome_share"] < one["outcome_share"]
    assert paths["met_critical"]["customers"] <= 600
    assert set(body["critical_moment_ids"]) <= {moment.pk for moment in [*journey.moments, journey.tmot]}


def test_the_loyalty_question_is_the_default_outcome_and_a_request_may_name_another(journey, client):
    push(client, traveller_ratings(journey, driver="Boarding", travellers=300, seed=3))
    touchpoint_update(touchpoint=journey.outcome, loyalty_question=True)
    body = client.get(drivers_url(journey)).json()
    assert body["outcome"]["kind"] == "touchpoint" and body["outcome"]["id"] == journey.outcome.pk
    named = client.get(drivers_url(journey), {"outcome": journey.touchpoints[0].pk}).json()
    assert named["outcome"]["id"] == journey.touchpoints[0].pk
    assert journey.moments[0].pk not in [driver["moment_id"] for driver in named["drivers"]]


@pytest.mark.parametrize("outcome", ["other_cycle", "other_organization", "text", "999999999"])
def test_an_outcome_that_is_not_one_of_the_cycles_touchpoints_is_a_field_error(journey, client, outcome):
    other = Journey(organization=journey.organization) if outcome == "other_cycle" else Journey()
    value = {"other_cycle": other.outcome.pk, "other_organization": other.outcome.pk}.get(outcome, outcome)
    answer = client.get(drivers_url(journey), {"outcome": value})
    assert answer.status_code == 400 and "outcome" in answer.json()


def test_a_cycle_without_tmot_or_loyalty_question_asks_for_an_outcome():
    journey = Journey()
    journey.tmot.kind = "SMOT"
    journey.tmot.save()
    answer = token_client(journey.organization).get(drivers_url(journey))
    assert answer.status_code == 400 and "outcome" in answer.json()


def test_no_linked_customers_one_customer_or_nobody_dissatisfied_are_answers_not_errors(journey, client):
    assert client.get(drivers_url(journey)).json()["state"] == "no_linked_customers"
    push(client, [{"touchpoint_key": journey.touchpoints[0].key, "score": 1, "customer": "only"}])
    assert client.get(drivers_url(journey)).json()["state"] == "no_outcome_customers"
    push(client, [{"touchpoint_key": journey.outcome.key, "score": 2, "customer": "only"}])
    body = client.get(drivers_url(journey)).json()
    assert body["state"] == "too_few" and body["customers"] == 1
    assert all(driver["effect"] is None and not driver["enough"] for driver in body["drivers"])
    happy = traveller_ratings(journey, driver="Flight", travellers=100, seed=1, bad_share=0.0, prefix="happy")
    push(client, happy)
    body = client.get(drivers_url(journey)).json()
    assert body["state"] == "too_few"
    assert all(driver["customers_dissatisfied"] <= 1 for driver in body["drivers"])
    assert client.get(f"/api/v1/cycles/{journey.cycle.pk}/paths/").status_code == 200


def test_segment_and_period_filter_the_customers(journey, client):
    business = SegmentFactory(organization=journey.organization, key="business")
    rows = traveller_ratings(journey, driver="Flight", travellers=200, seed=5)
    for row in rows:
        row["segment"] = "business" if row["customer"].endswith(("0", "2", "4")) else None
    push(client, rows)
    everyone = client.get(drivers_url(journey)).json()["linked_customers"]
    only_business = client.get(drivers_url(journey), {"segment": business.pk}).json()["linked_customers"]
    without = client.get(drivers_url(journey), {"segment": "none"}).json()["linked_customers"]
    assert everyone == 200 and only_business + without == 200 and 0 < only_business < 200
    today = timezone.localdate()
    old = client.get(drivers_url(journey), {"start": (today - dt.timedelta(days=400)).isoformat(),
                                            "end": (today - dt.timedelta(days=300)).isoformat()}).json()
    assert old["state"] == "no_linked_customers"
    assert client.get(drivers_url(journey), {"segment": "999999"}).status_code == 400
    assert client.get(drivers_url(journey), {"weeks": "0"}).status_code == 400


def test_another_organizations_cycle_is_not_found(journey):
    stranger = member_client(OrganizationFactory())
    assert stranger.get(drivers_url(journey)).status_code == 404
    assert stranger.get(f"/api/v1/cycles/{journey.cycle.pk}/paths/").status_code == 404


def test_new_ratings_recompute_the_snapshot_the_api_reads(journey, client):
    push(client, traveller_ratings(journey, driver="Flight", travellers=100, seed=2))
    first = client.get(drivers_url(journey)).json()
    push(client, traveller_ratings(journey, driver="Flight", travellers=50, seed=4, prefix="late"))
    assert client.get(drivers_url(journey)).json()["linked_customers"] == first["linked_customers"] + 50
    assert KeyDriverSnapshot.objects.filter(cycle=journey.cycle).count() == 1


# --- The model alone ---------------------------------------------------------------


def test_with_one_moment_rated_by_everyone_the_adjusted_effect_is_the_plain_difference():
    """A saturated model predicts each group's observed share: the average marginal
    effect is exactly p_bad − p_good (here 30/50 − 20/100)."""
    result = driver_model.adjusted_effects(
        rated=np.array([1, 1, 3, 3]), bad=np.array([1, 0, 1, 0]), customers=np.array([30, 60, 20, 40]),
        bad_outcomes=np.array([18, 12, 12, 8]), moments=[0])
    assert result.failed is None
    assert result.effects[0].effect == pytest.approx(30 / 50 - 20 / 100, abs=1e-6)
    assert result.effects[0].low < result.effects[0].effect < result.effects[0].high


def test_a_moment_that_predicts_the_outcome_perfectly_is_reported_not_raised():
    result = driver_model.adjusted_effects(
        rated=np.array([3, 3, 3, 3]), bad=np.array([1, 0, 3, 2]), customers=np.array([40, 40, 40, 40]),
        bad_outcomes=np.array([40, 0, 40, 0]), moments=[0, 1])
    assert result.failed in ("separation", "no_fit") and result.effects == {}


def test_agreement_codes_say_which_intervals_exclude_zero():
    assert key_drivers.agreement((0.1, 0.2), (0.1, 0.2)) == "both"
    assert key_drivers.agreement((-0.1, 0.2), (-0.1, 0.2)) == "neither"


def test_the_examples_in_the_docstrings_hold():
    import doctest

    from analytics import stats
    from touchpoints import customers

    for module in (stats, key_drivers, customers):
        assert doctest.testmod(module).failed == 0, module.__name__

