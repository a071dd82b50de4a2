"""The cycle list: counts, create (empty / airline template), duplicate, archive."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.cycle_templates import AIRLINE as AIRLINE_CYCLE
from journeys.models import ServiceCycle
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    RatingFactory,
    ServiceCycleFactory,
    TouchpointFactory,
)
from touchpoints.models import Rating, Touchpoint

pytestmark = pytest.mark.django_db


def row(content: str, name: str) -> str:
    start = content.index(f">{name}</a>")
    return content[start:content.index("</tr>", start)]


def test_list_shows_moment_count_and_only_last_7_days_ratings(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
    MomentFactory(cycle=cycle)
    RatingFactory.create_batch(3, touchpoint=touchpoint)
    RatingFactory(touchpoint=touchpoint, occurred_at=timezone.now() - dt.timedelta(days=9))
    client.force_login(member)
    content = client.get(reverse("journeys:cycle_list")).content.decode()
    cells = row(content, "Airline")
    assert 'class="num" data-label="Moments">2</td>' in cells
    assert 'class="num" data-label="Ratings, last 7 days">3</td>' in cells


def test_list_query_count_does_not_grow_with_cycles(client, organization, member, django_assert_max_num_queries):
    def add_cycles(count):
        for _ in range(count):
            touchpoint = TouchpointFactory(moment=MomentFactory(cycle=ServiceCycleFactory(organization=organization)))
            RatingFactory.create_batch(2, touchpoint=touchpoint)

    add_cycles(2)
    client.force_login(member)
    # The cycles, then one query per app that adds figures (ratings, critical moments), whatever the count.
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("journeys:cycle_list"))
    add_cycles(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        content = client.get(reverse("journeys:cycle_list")).content.decode()
    assert content.count("data-cycle-id=") == 12


def test_list_hides_other_organizations_and_archived_cycles(client, organization, member, other_organization):
    ServiceCycleFactory(organization=organization, name="Active one")
    ServiceCycleFactory(organization=organization, name="Old one", archived=True)
    ServiceCycleFactory(organization=other_organization, name="Theirs")
    client.force_login(member)
    content = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "Active one" in content and "Old one" not in content and "Theirs" not in content
    archived = client.get(reverse("journeys:cycle_list") + "?archived=1").content.decode()
    assert "Old one" in archived and "Active one" not in archived and "Theirs" not in archived


def test_create_an_empty_cycle(client, organization, member):
    client.force_login(member)
    response = client.post(reverse("touchpoints:cycle_create"),
                           {"name": "Hotel stay", "start": "empty", "organization": organization.pk})
    cycle = ServiceCycle.objects.get(name="Hotel stay")
    assert response.status_code == 302 and response["Location"] == reverse("journeys:cycle_detail", args=[cycle.pk])
    assert cycle.organization == organization and cycle.moments.count() == 0


def test_create_from_the_airline_template_copies_structure_without_ratings(client, organization, member):
    client.force_login(member)
    client.post(reverse("touchpoints:cycle_create"),
                {"name": "Our airline", "start": "airline", "organization": organization.pk})
    cycle = ServiceCycle.objects.get(name="Our airline")
    moments = list(cycle.moments.order_by("position"))
    assert [moment.name for moment in moments] == [spec[0] for spec in AIRLINE_CYCLE]
    assert [moment.kind for moment in moments] == [spec[1] for spec in AIRLINE_CYCLE]
    assert moments[3].protocol == AIRLINE_CYCLE[3][2]
    assert Touchpoint.objects.filter(moment__cycle=cycle).count() == sum(len(spec[3]) for spec in AIRLINE_CYCLE)
    assert not Rating.objects.filter(touchpoint__moment__cycle=cycle).exists()


@pytest.mark.parametrize("name", ["", "z" * 500])
def test_create_with_a_bad_name_writes_nothing_and_says_why(client, organization, member, name):
    client.force_login(member)
    response = client.post(reverse("touchpoints:cycle_create"),
                           {"name": name, "start": "airline", "organization": organization.pk}, follow=True)
    assert not ServiceCycle.objects.exists()
    content = response.content.decode()
    assert "Give the cycle a name." in content or "at most 200 characters" in content


def test_cannot_create_a_cycle_in_another_organization(client, organization, member, other_organization):
    client.force_login(member)
    client.post(reverse("touchpoints:cycle_create"),
                {"name": "Sneaky", "start": "empty", "organization": other_organization.pk})
    assert not ServiceCycle.objects.filter(name="Sneaky").exists()


def test_viewer_cannot_create_duplicate_or_archive(client, organization):
    viewer = MembershipFactory(organization=organization, role="viewer").user
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(viewer)
    content = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "New service cycle" not in content and "Duplicate" not in content
    assert client.post(reverse("touchpoints:cycle_create"), {"name": "X", "start": "empty",
                                                         "organization": organization.pk}).status_code == 403
    assert client.post(reverse("touchpoints:cycle_duplicate", args=[cycle.pk])).status_code == 403
    assert client.post(reverse("journeys:cycle_archive", args=[cycle.pk])).status_code == 403
    assert ServiceCycle.objects.count() == 1


def test_duplicate_copies_moments_and_touchpoints_with_new_keys(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    for name in ("Search", "Flight"):
        TouchpointFactory(moment=MomentFactory(cycle=cycle, name=name, protocol=f"Do {name}"))
    RatingFactory(touchpoint=Touchpoint.objects.first())
    client.force_login(member)
    response = client.post(reverse("touchpoints:cycle_duplicate", args=[cycle.pk]))
    copy = ServiceCycle.objects.exclude(pk=cycle.pk).get()
    assert response["Location"] == reverse("journeys:cycle_detail", args=[copy.pk])
    assert copy.name == "Copy of Airline"
    assert list(copy.moments.order_by("position").values_list("name", "protocol")) == [
        ("Search", "Do Search"), ("Flight", "Do Flight")]
    copied = Touchpoint.objects.filter(moment__cycle=copy)
    assert copied.count() == 2
    assert not set(copied.values_list("key", flat=True)) & set(
        Touchpoint.objects.filter(moment__cycle=cycle).values_list("key", flat=True))
    assert not Rating.objects.filter(touchpoint__in=copied).exists()


def test_archive_and_restore(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization, name="Old")
    client.force_login(member)
    client.post(reverse("journeys:cycle_archive", args=[cycle.pk]), {"archived": "1"})
    cycle.refresh_from_db()
    assert cycle.archived
    client.post(reverse("journeys:cycle_archive", args=[cycle.pk]), {"archived": "0"})
    cycle.refresh_from_db()
    assert not cycle.archived


def test_another_organizations_cycle_cannot_be_duplicated_or_archived(client, organization, outsider):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(outsider)
    assert client.post(reverse("touchpoints:cycle_duplicate", args=[cycle.pk])).status_code == 404
    assert client.post(reverse("journeys:cycle_archive", args=[cycle.pk])).status_code == 404
    cycle.refresh_from_db()
    assert not cycle.archived and ServiceCycle.objects.count() == 1


def test_list_actions_need_post(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(member)
    assert client.get(reverse("touchpoints:cycle_duplicate", args=[cycle.pk])).status_code == 405
    assert client.get(reverse("journeys:cycle_archive", args=[cycle.pk])).status_code == 405


def test_list_shows_the_critical_moments_of_the_latest_snapshot(client, organization, member):
    from analytics import services

    troubled = ServiceCycleFactory(organization=organization, name="Troubled", min_sample=20)
    calm = ServiceCycleFactory(organization=organization, name="Calm")
    bad = TouchpointFactory(moment=MomentFactory(cycle=troubled))
    good = TouchpointFactory(moment=MomentFactory(cycle=calm))
    for index in range(40):
        occurred = timezone.now() - dt.timedelta(days=1 + index % 5)
        RatingFactory(touchpoint=bad, score=1 if index % 2 else 5, occurred_at=occurred)
        RatingFactory(touchpoint=good, score=5, occurred_at=occurred)
    services.rollups_refresh()
    for cycle in (troubled, calm):
        services.heatmaps_refresh_cycle(cycle_id=cycle.pk)
    client.force_login(member)
    content = client.get(reverse("journeys:cycle_list")).content.decode()
    assert 'class="num critical" data-label="Critical moments">1</td>' in row(content, "Troubled")
    assert 'class="num" data-label="Critical moments">0</td>' in row(content, "Calm")
