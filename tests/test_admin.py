import pytest
from django.urls import reverse

from journeys.models import ServiceCycle
from touchpoints.demo import demo_load

pytestmark = pytest.mark.django_db

MODELS = [
    "journeys/organization", "journeys/membership", "journeys/servicecycle", "journeys/moment",
    "touchpoints/touchpoint", "touchpoints/segment", "touchpoints/rating", "touchpoints/customererasure",
]


@pytest.fixture
def demo_admin(client):
    demo_load(ratings=500, stdout=lambda line: None)
    client.login(username="demo", password="momento-demo-2026")
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_working_admin_list_with_search(demo_admin, model):
    response = demo_admin.get(f"/admin/{model}/?q=a")
    assert response.status_code == 200


def test_admin_shows_the_airline_cycle_with_its_ten_moments_in_order(demo_admin):
    cycle = ServiceCycle.objects.get()
    content = demo_admin.get(reverse("admin:journeys_servicecycle_change", args=[cycle.pk])).content.decode()
    names = list(cycle.moments.order_by("position").values_list("name", flat=True))
    assert len(names) == 10
    indexes = [content.index(f'value="{name}"') for name in names]
    assert indexes == sorted(indexes)
