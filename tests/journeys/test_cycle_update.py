"""`cycle_update` locks the row and writes only the fields it changes, so it never
writes back a stale `structure_version` (or any other field another writer changed)."""

from __future__ import annotations

import pytest

from journeys import services
from journeys.models import Membership, Moment, ServiceCycle
from journeys.services import StaleOrderError, cycle_create, cycle_update, moment_add, moment_reorder
from tests.api_support import member_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(organization):
    cycle = cycle_create(organization=organization, name="Airline", timezone="Europe/Madrid")
    for name in ("Search", "Purchase", "Flight"):
        moment_add(cycle=cycle, name=name, kind="SMOT")
    return ServiceCycle.objects.get(pk=cycle.pk)


def order_of(cycle) -> list[int]:
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True))


def test_an_update_from_a_stale_object_keeps_the_structure_version_and_stale_reorders_stay_refused(cycle):
    stale = ServiceCycle.objects.get(pk=cycle.pk)  # loaded before the reorder, as a form view would
    version = stale.structure_version
    moment_reorder(cycle=cycle, order=order_of(cycle)[::-1], expected_version=version)
    assert ServiceCycle.objects.get(pk=cycle.pk).structure_version == version + 1

    cycle_update(cycle=stale, name="Airline 2026")

    assert ServiceCycle.objects.values_list("name", "structure_version").get(pk=cycle.pk) == (
        "Airline 2026", version + 1)
    # An editor that still holds the order of before the reorder is told, not obeyed.
    with pytest.raises(StaleOrderError):
        moment_reorder(cycle=cycle, order=order_of(cycle)[::-1], expected_version=version)


def test_an_update_from_a_stale_object_keeps_fields_it_was_not_given(cycle):
    stale = ServiceCycle.objects.get(pk=cycle.pk)
    cycle_update(cycle=cycle, min_sample=50)
    cycle_update(cycle=stale, archived=True)
    assert ServiceCycle.objects.values_list("min_sample", "archived").get(pk=cycle.pk) == (50, True)


def test_an_update_returns_the_fresh_row(cycle):
    stale = ServiceCycle.objects.get(pk=cycle.pk)
    version = stale.structure_version
    moment_reorder(cycle=cycle, order=order_of(cycle)[::-1])
    updated = cycle_update(cycle=stale, description="From search to baggage claim.")
    assert (updated.description, updated.structure_version) == ("From search to baggage claim.", version + 1)


def test_a_cycle_deleted_while_the_api_updates_it_is_404_not_recreated(cycle, monkeypatch):
    original = services.cycle_update

    def deleted_first(**kwargs):
        ServiceCycle.objects.filter(pk=cycle.pk).delete()  # another request, meanwhile
        return original(**kwargs)

    monkeypatch.setattr(services, "cycle_update", deleted_first)
    client = member_client(cycle.organization, role=Membership.Role.CX_MANAGER)
    response = client.patch(f"/api/v1/cycles/{cycle.pk}/", {"name": "Back from the dead"}, format="json")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert not ServiceCycle.objects.filter(pk=cycle.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_settings_saves_and_reorders_lose_no_version_bump(require_postgres, organization):
    from tests.journeys.test_moment_reorder_concurrency import run_concurrently

    cycle = cycle_create(organization=organization, name="Concurrent")
    for name in ("A", "B", "C", "D"):
        moment_add(cycle=cycle, name=name, kind="SMOT")
    start = ServiceCycle.objects.get(pk=cycle.pk).structure_version
    rounds = 12
    for index in range(rounds):
        stale = ServiceCycle.objects.get(pk=cycle.pk)
        order = order_of(cycle)
        errors = run_concurrently(
            lambda order=order: moment_reorder(cycle=cycle, order=order[1:] + order[:1]),
            lambda stale=stale, index=index: cycle_update(cycle=stale, min_sample=index + 1),
        )
        assert errors == []
    assert ServiceCycle.objects.values_list("structure_version", "min_sample").get(pk=cycle.pk) == (
        start + rounds, rounds)
