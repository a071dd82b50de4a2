import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, MomentFactory, ServiceCycleFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_login_page_is_served(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_pages_require_login(client, organization):
    cycle = ServiceCycleFactory(organization=organization)
    for url in (reverse("journeys:cycle_list"), reverse("journeys:cycle_detail", args=[cycle.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_and_logout(client, member):
    response = client.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("journeys:cycle_list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("journeys:cycle_list")).status_code == 302


def test_wrong_password_shows_a_message(client, member):
    response = client.post(reverse("login"), {"username": member.username, "password": "nope"})
    assert response.status_code == 200
    assert b"didn" in response.content  # "didn't match"


def test_cycle_list_shows_only_the_users_organizations(client, organization, member, other_organization):
    mine = ServiceCycleFactory(organization=organization, name="Ours")
    ServiceCycleFactory(organization=other_organization, name="Theirs")
    client.force_login(member)
    content = client.get(reverse("journeys:cycle_list")).content.decode()
    assert mine.name in content
    assert "Theirs" not in content


def test_another_organizations_cycle_is_404(client, organization, outsider):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(outsider)
    assert client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).status_code == 404


def test_a_user_in_two_organizations_sees_both(client, organization, other_organization, member):
    MembershipFactory(user=member, organization=other_organization, role="viewer")
    theirs = ServiceCycleFactory(organization=other_organization)
    client.force_login(member)
    assert client.get(reverse("journeys:cycle_detail", args=[theirs.pk])).status_code == 200


def test_cycle_detail_lists_moments_in_order(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization)
    for name in ("Search", "Purchase", "Flight"):
        MomentFactory(cycle=cycle, name=name)
    client.force_login(member)
    content = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert content.index("Search") < content.index("Purchase") < content.index("Flight")
