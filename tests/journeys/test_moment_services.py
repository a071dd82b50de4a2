import pytest
from django.core.exceptions import ValidationError

from journeys.models import Moment, ServiceCycle
from journeys.services import (
    StaleOrderError,
    cycle_create,
    cycle_update,
    moment_add,
    moment_remove,
    moment_rename,
    moment_reorder,
    moment_update,
)
from tests.factories import MembershipFactory, ServiceCycleFactory, UserFactory

pytestmark = pytest.mark.django_db


def positions(cycle):
    return list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("name", "position"))


@pytest.fixture
def cycle(organization):
    cycle = cycle_create(organization=organization, name="Airline", timezone="Europe/Madrid")
    for name, kind in [("Search", "ZMOT"), ("Purchase", "FMOT"), ("Flight", "SMOT"), ("Review", "TMOT")]:
        moment_add(cycle=cycle, name=name, kind=kind)
    return cycle


def test_cycle_create_validates_every_field(organization):
    with pytest.raises(ValidationError) as error:
        cycle_create(organization=organization, name="  ", timezone="Mars/Olympus", critical_share=2)
    assert {"name", "timezone", "critical_share"} <= set(error.value.message_dict)
    assert not ServiceCycle.objects.exists()


def test_cycle_update_refuses_unknown_fields(cycle):
    with pytest.raises(ValidationError):
        cycle_update(cycle=cycle, organization_id=99)
    cycle_update(cycle=cycle, name="Airline 2026", min_sample=30)
    cycle.refresh_from_db()
    assert (cycle.name, cycle.min_sample) == ("Airline 2026", 30)


def test_moments_are_added_at_the_end_with_dense_positions(cycle):
    assert positions(cycle) == [("Search", 0), ("Purchase", 1), ("Flight", 2), ("Review", 3)]


def test_moment_inserted_in_the_middle_shifts_the_rest(cycle):
    moment_add(cycle=cycle, name="Check-in", kind="SMOT", position=2)
    assert positions(cycle) == [("Search", 0), ("Purchase", 1), ("Check-in", 2), ("Flight", 3), ("Review", 4)]


def test_moment_add_with_bad_kind_or_position_writes_nothing(cycle):
    with pytest.raises(ValidationError):
        moment_add(cycle=cycle, name="X", kind="QMOT")
    with pytest.raises(ValidationError):
        moment_add(cycle=cycle, name="X", kind="SMOT", position=9)
    with pytest.raises(ValidationError):
        moment_add(cycle=cycle, name="", kind="SMOT")
    with pytest.raises(ValidationError):
        moment_add(cycle=cycle, name="x" * 500, kind="SMOT")
    assert len(positions(cycle)) == 4


def test_moment_remove_closes_the_gap(cycle):
    moment_remove(moment=Moment.objects.get(cycle=cycle, name="Purchase"))
    assert positions(cycle) == [("Search", 0), ("Flight", 1), ("Review", 2)]


def test_moment_rename_and_update(cycle):
    moment = Moment.objects.get(cycle=cycle, name="Flight")
    moment_rename(moment=moment, name="  In flight ")
    moment_update(moment=moment, protocol="Greet every passenger.", kind="SMOT")
    moment.refresh_from_db()
    assert (moment.name, moment.protocol) == ("In flight", "Greet every passenger.")
    with pytest.raises(ValidationError):
        moment_update(moment=moment, position=0)


def test_moment_owner_must_belong_to_the_organization(cycle):
    stranger = UserFactory()
    moment = Moment.objects.get(cycle=cycle, name="Flight")
    with pytest.raises(ValidationError) as error:
        moment_update(moment=moment, owner=stranger)
    assert "owner" in error.value.message_dict
    colleague = MembershipFactory(organization=cycle.organization, role="team_lead").user
    moment_update(moment=moment, owner=colleague)
    moment.refresh_from_db()
    assert moment.owner == colleague


def test_reorder_puts_moments_in_the_given_order(cycle):
    ids = dict(Moment.objects.filter(cycle=cycle).values_list("name", "pk"))
    moments = moment_reorder(cycle=cycle, order=[ids["Review"], ids["Search"], ids["Flight"], ids["Purchase"]])
    assert [moment.name for moment in moments] == ["Review", "Search", "Flight", "Purchase"]
    assert positions(cycle) == [("Review", 0), ("Search", 1), ("Flight", 2), ("Purchase", 3)]


@pytest.mark.parametrize("mutate", ["missing", "duplicate", "foreign", "not-a-number"])
def test_reorder_with_bad_order_writes_nothing(cycle, mutate):
    ids = list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True))
    other = ServiceCycleFactory(organization=cycle.organization)
    foreign = moment_add(cycle=other, name="Elsewhere", kind="ZMOT").pk
    order = {
        "missing": ids[1:][::-1],
        "duplicate": [ids[0], ids[0], ids[2], ids[3]],
        "foreign": [foreign, ids[1], ids[2], ids[3]],
        "not-a-number": ["a", ids[1], ids[2], ids[3]],
    }[mutate]
    before = positions(cycle)
    with pytest.raises(ValidationError) as error:
        moment_reorder(cycle=cycle, order=order)
    assert "order" in error.value.message_dict
    assert positions(cycle) == before


def test_reorder_from_a_stale_version_is_refused(cycle):
    cycle.refresh_from_db()
    seen_version = cycle.structure_version
    moment_add(cycle=cycle, name="Arrival", kind="SMOT")  # someone else edits meanwhile
    ids = list(Moment.objects.filter(cycle=cycle).order_by("-position").values_list("pk", flat=True))
    with pytest.raises(StaleOrderError):
        moment_reorder(cycle=cycle, order=ids, expected_version=seen_version)
    cycle.refresh_from_db()
    moment_reorder(cycle=cycle, order=ids, expected_version=cycle.structure_version)
    assert positions(cycle)[0] == ("Arrival", 0)
