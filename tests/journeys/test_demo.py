import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q

from journeys.demo import DEMO_CYCLE_NAME, demo_load
from journeys.models import Moment, ServiceCycle
from touchpoints.models import Rating, Touchpoint

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        ServiceCycle.objects.count(), Moment.objects.count(), Touchpoint.objects.count(), Rating.objects.count(),
        get_user_model().objects.count(),
        sorted(Rating.objects.values_list("external_id", "score")[:50]),
    )


def test_demo_builds_the_airline_cycle_and_is_idempotent(capsys):
    call_command("demo_load", ratings=3000)
    out = capsys.readouterr().out
    assert "user:     demo" in out and "password:" in out
    first = snapshot()
    call_command("demo_load", ratings=3000)
    assert snapshot() == first

    cycle = ServiceCycle.objects.get(name=DEMO_CYCLE_NAME)
    moments = list(cycle.moments.order_by("position").values_list("name", "kind"))
    assert len(moments) == 10
    assert moments[0] == ("Flight search", "ZMOT")
    assert moments[1] == ("Ticket purchase", "FMOT")
    assert moments[8] == ("Baggage claim", "SMOT")
    assert moments[-1][1] == "TMOT"
    counts = Touchpoint.objects.filter(moment__cycle=cycle).values("moment").annotate(n=Count("id"))
    assert all(2 <= row["n"] <= 5 for row in counts)
    channels = set(Touchpoint.objects.values_list("channel", flat=True))
    assert {"web", "app", "phone", "kiosk", "in_person", "social"} <= channels
    assert Rating.objects.count() == 3000
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("momento-demo-2026")


def test_demo_makes_baggage_claim_and_the_kiosk_plainly_worse_and_worsening():
    cycle = demo_load(ratings=20000, stdout=lambda line: None)
    ratings = Rating.objects.filter(touchpoint__moment__cycle=cycle)
    latest = ratings.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    import datetime as dt

    recent = Q(occurred_at__gte=latest - dt.timedelta(weeks=4))
    old = Q(occurred_at__lt=latest - dt.timedelta(weeks=8))

    def share(queryset):
        row = queryset.aggregate(n=Count("id"), d=Count("id", filter=Q(dissatisfied=True)))
        return row["d"] / row["n"]

    kiosk = ratings.filter(touchpoint__name="Check-in kiosk")
    baggage = ratings.filter(touchpoint__moment__name="Baggage claim")
    rest = ratings.exclude(touchpoint__moment__name="Baggage claim").exclude(touchpoint__name="Check-in kiosk")
    assert share(kiosk.filter(recent)) > 0.45 > share(kiosk.filter(old))
    assert share(baggage.filter(recent)) > 0.45 > share(baggage.filter(old))
    assert share(rest.filter(recent)) < 0.2
    assert ratings.filter(touchpoint__name="Lounge access").count() < 20
    assert 19000 <= ratings.count() <= 21000
