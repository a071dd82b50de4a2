import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q

from journeys.models import Moment, ServiceCycle
from touchpoints.demo import DEMO_CYCLE_NAME, demo_load
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

    # …and the dashboard's default view says so.
    from analytics import services
    from analytics.periods import DEFAULT_WEEKS, last_weeks, local_today

    services.rollups_refresh()
    data = services.heatmap_data_build(cycle=cycle, dimension="weeks",
                                       period=last_weeks(weeks=DEFAULT_WEEKS, today=local_today(cycle.timezone)))
    critical = {item["name"]: item for item in data["critical_moments"]}
    assert critical["Baggage claim"]["moment_critical"] and critical["Baggage claim"]["worsening"]
    kiosk_item = critical["Check-in"]
    assert [tp["name"] for tp in kiosk_item["critical_touchpoints"]] == ["Check-in kiosk"]
    assert kiosk_item["critical_touchpoints"][0]["worsening"]
    judged = [row["total"] for row in data["rows"]] + [tp["total"] for row in data["rows"] for tp in row["touchpoints"]]
    judged += [cell for row in data["rows"] for cell in row["cells"]]
    assert all(level["n"] >= cycle.min_sample for level in judged if level["critical"]), "nothing critical on a small sample"
    lounge = next(tp for row in data["rows"] for tp in row["touchpoints"] if tp["name"] == "Lounge access")
    assert lounge["total"]["share"] > 0.4 and not lounge["total"]["critical"]


def test_the_readme_api_examples_work_against_the_demo():
    """The curl bodies in README.md, sent as they are with a token of the demo organization."""
    import json
    import re
    from pathlib import Path

    from django.conf import settings

    from tests.api_support import token_client
    from touchpoints.models import Touchpoint

    demo_load(ratings=200, stdout=lambda line: None)
    organization = Touchpoint.objects.get(key="check-in-check-in-kiosk").organization
    client = token_client(organization, scopes=("ingest",))
    readme = Path(settings.BASE_DIR, "README.md").read_text()
    examples = re.findall(r"curl -X POST http://127\.0\.0\.1:8000(/api/v1/ratings/(?:batch/)?) \\\n.*?-d '(.*?)'",
                          readme, flags=re.DOTALL)
    assert len(examples) == 2, "the one-rating and the batch example"
    for path, body in examples:
        response = client.post(path, json.loads(body), format="json")
        assert response.status_code == 201, (path, response.content)
