"""Cycle settings form on the cycle page, and deleting touchpoints from the map editor."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journeys.models import Membership, ServiceCycle
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    RatingFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Rating, Touchpoint
from touchpoints.services import touchpoint_remove

pytestmark = pytest.mark.django_db

VALID = {"name": "Airline 2026", "description": "From search to baggage claim.", "timezone": "America/Bogota",
         "min_sample": "30", "critical_share_percent": "30"}


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization, name="Airline", timezone="Europe/Madrid")


def as_role(client, organization, role):
    client.force_login(MembershipFactory(organization=organization, role=role).user)
    return client


def settings_url(cycle) -> str:
    return reverse("journeys:cycle_settings", args=[cycle.pk])


def fields(cycle) -> tuple:
    cycle = ServiceCycle.objects.get(pk=cycle.pk)
    return cycle.name, cycle.description, cycle.timezone, cycle.min_sample, cycle.critical_share


@pytest.mark.parametrize("role", [Membership.Role.CX_MANAGER, Membership.Role.ADMIN])
def test_cx_managers_and_admins_save_the_cycle_settings(client, organization, cycle, role):
    as_role(client, organization, role)
    page = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'id="cycle-settings"' in page and 'value="25.0"' in page and "Europe/Madrid" in page
    response = client.post(settings_url(cycle), VALID, follow=True)
    assert "Settings of “Airline 2026” saved." in response.content.decode()
    assert fields(cycle) == ("Airline 2026", "From search to baggage claim.", "America/Bogota", 30, 0.3)


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "Give the cycle a name."),
    ({"name": "x" * 500}, "at most 200 characters"),
    ({"timezone": "Mars/Olympus_Mons"}, "Select a valid choice"),
    ({"min_sample": "0"}, "greater than or equal to 1"),
    ({"critical_share_percent": "0"}, "greater than or equal to 1"),
    ({"critical_share_percent": "150"}, "less than or equal to 100"),
    ({"critical_share_percent": "a lot"}, "Enter a number."),
])
def test_bad_settings_are_refused_beside_the_field_and_nothing_is_saved(client, organization, cycle, change,
                                                                         message):
    as_role(client, organization, Membership.Role.CX_MANAGER)
    before = fields(cycle)
    response = client.post(settings_url(cycle), {**VALID, **change})
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content and 'id="cycle-settings" open' in content
    assert fields(cycle) == before


@pytest.mark.parametrize("role", [Membership.Role.TEAM_LEAD, Membership.Role.VIEWER])
def test_team_leads_and_viewers_cannot_change_settings(client, organization, cycle, role):
    as_role(client, organization, role)
    assert 'id="cycle-settings"' not in client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    before = fields(cycle)
    assert client.post(settings_url(cycle), VALID).status_code == 403
    assert fields(cycle) == before


def test_another_organizations_cycle_settings_are_404(client, cycle, outsider):
    client.force_login(outsider)
    before = fields(cycle)
    assert client.post(settings_url(cycle), VALID).status_code == 404
    assert fields(cycle) == before


# --- Deleting touchpoints ---------------------------------------------------------


def test_touchpoint_remove_deletes_it_with_its_ratings_only(cycle):
    moment = MomentFactory(cycle=cycle)
    doomed, kept = TouchpointFactory(moment=moment), TouchpointFactory(moment=moment)
    RatingFactory.create_batch(3, touchpoint=doomed)
    RatingFactory.create_batch(2, touchpoint=kept)
    touchpoint_remove(touchpoint=doomed)
    assert list(Touchpoint.objects.values_list("pk", flat=True)) == [kept.pk]
    assert Rating.objects.count() == 2 and not Rating.objects.filter(touchpoint_id=doomed.pk).exists()
    with pytest.raises(ValidationError, match="no longer exists"):
        touchpoint_remove(touchpoint=doomed)


def delete(client, cycle, touchpoint):
    return client.delete(reverse("touchpoints:editor_touchpoint", args=[cycle.pk, touchpoint.pk]),
                         data=json.dumps({}), content_type="application/json")


def test_editor_deletes_a_touchpoint_and_answers_with_the_new_lane(client, organization, cycle):
    moment = MomentFactory(cycle=cycle, name="Check-in")
    doomed = TouchpointFactory(moment=moment, name="Kiosk")
    TouchpointFactory(moment=moment, name="Counter")
    RatingFactory(touchpoint=doomed)
    as_role(client, organization, Membership.Role.CX_MANAGER)
    page = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'aria-label="Delete touchpoint Kiosk"' in page and 'id="touchpoint-delete-dialog"' in page
    response = delete(client, cycle, doomed)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Touchpoint “Kiosk” deleted."
    assert "Kiosk" not in body["lane_html"] and "Counter" in body["lane_html"]
    assert not Touchpoint.objects.filter(pk=doomed.pk).exists() and not Rating.objects.exists()
    assert delete(client, cycle, doomed).status_code == 404


def test_viewers_cannot_delete_touchpoints(client, organization, cycle):
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    as_role(client, organization, Membership.Role.VIEWER)
    assert delete(client, cycle, touchpoint).status_code == 403
    assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()


def test_touchpoints_of_another_cycle_or_organization_are_404(client, organization, cycle, other_organization,
                                                              outsider):
    other_cycle_touchpoint = TouchpointFactory(moment=MomentFactory(cycle=ServiceCycleFactory(
        organization=organization)))
    foreign = TouchpointFactory(moment=MomentFactory(cycle=ServiceCycleFactory(organization=other_organization)))
    as_role(client, organization, Membership.Role.ADMIN)
    assert delete(client, cycle, other_cycle_touchpoint).status_code == 404
    assert delete(client, cycle, foreign).status_code == 404
    client.force_login(outsider)
    own = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    assert delete(client, cycle, own).status_code == 404
    assert Touchpoint.objects.count() == 3
