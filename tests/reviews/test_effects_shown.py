"""Where the effect of a fix is shown: the item on the review page, "Did the fixes work?" (with the
offer to reopen an item the fix made worse), the API with its schema, and the weekly digest."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys.models import Membership
from reviews.emails import review_digest_send
from reviews.models import ReviewItem, ReviewStatus
from reviews.selectors import iso_week_label
from tests.api_support import member_client
from tests.factories import MomentFactory, TouchpointFactory
from tests.reviews.effect_support import fix, item_of, local, rate, refreshed, today

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture
def days(cycle):
    now = today(cycle)
    return {"planned": now - dt.timedelta(days=20), "done": now - dt.timedelta(days=12)}


@pytest.fixture
def improved(cycle, moment, carousel, week, days):
    """This week's item of Baggage claim, with a done action: 43 % → 21 %."""
    rate(carousel, at=local(cycle, days["planned"] - dt.timedelta(days=4)), n=200, dissatisfied=86)
    rate(carousel, at=local(cycle, days["done"] + dt.timedelta(days=2)), n=100, dissatisfied=21)
    refreshed()
    item = fix(item_of(moment, week_start=week), planned=local(cycle, days["planned"]),
               done=local(cycle, days["done"]))
    ReviewItem.objects.filter(pk=item.pk).update(status=ReviewStatus.ACTION_PLANNED)
    return item


@pytest.fixture
def worse(cycle, gate, week, days):
    """An item of Boarding from four weeks ago, resolved, whose share rose: 20 % → 45 %."""
    rate(gate, at=local(cycle, days["planned"] - dt.timedelta(days=4)), n=100, dissatisfied=20)
    rate(gate, at=local(cycle, days["done"] + dt.timedelta(days=2)), n=100, dissatisfied=45)
    refreshed()
    return fix(item_of(gate.moment, touchpoint=gate, week_start=week - dt.timedelta(weeks=4)),
               planned=local(cycle, days["planned"]), done=local(cycle, days["done"]),
               resolved=local(cycle, days["done"]))


def _page(client, cycle, week, language="en") -> str:
    response = client.get(f"{reverse('reviews:week', args=[cycle.pk])}?week={iso_week_label(week)}",
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def _article(html: str, item) -> str:
    start = html.index(f'id="item-{item.pk}"')
    return html[start:html.index("</article>", start)]


def test_the_item_shows_its_effect_with_both_intervals(client, team_lead, cycle, week, improved):
    client.force_login(team_lead)
    article = _article(_page(client, cycle, week), improved)
    assert f"Baggage claim: 43{NBSP}% → 21{NBSP}%" in article
    assert '<span class="badge verdict">improved</span>' in article
    assert f"86 of 200 dissatisfied · Wilson 95% 36{NBSP}% – 50{NBSP}%" in article
    assert f"21 of 100 dissatisfied · Wilson 95% 14{NBSP}% – 30{NBSP}%" in article
    assert "z = -3.75" in article and "effect-reopen" not in article


def test_in_spanish_the_verdict_and_numbers_are_spanish(client, team_lead, cycle, week, improved):
    client.force_login(team_lead)
    article = _article(_page(client, cycle, week, language="es"), improved)
    assert "¿Funcionó el arreglo?" in article and '<span class="badge verdict">mejoró</span>' in article
    assert "86 de 200 insatisfechos" in article and "z = -3,75" in article


def test_a_resolved_item_the_fix_made_worse_is_offered_for_reopening(client, team_lead, cycle, week, worse):
    client.force_login(team_lead)
    html = _page(client, cycle, week)
    assert "Did the fixes work?" in html
    article = _article(html, worse)
    assert f"Boarding › {worse.touchpoint.name}: 20{NBSP}% → 45{NBSP}%" in article
    assert '<span class="badge verdict">worse</span>' in article and 'class="stacked effect-reopen"' in article
    assert f"The fix made it worse: 20{NBSP}% → 45{NBSP}% dissatisfied." in article

    response = client.post(reverse("reviews:item_status", args=[cycle.pk, worse.pk]),
                           {"status": "open", "reason": f"The fix made it worse: 20{NBSP}% → 45{NBSP}% dissatisfied.",
                            "next": f"{reverse('reviews:week', args=[cycle.pk])}?week={iso_week_label(week)}"})

    assert response.status_code == 302 and response["Location"].endswith(f"#item-{worse.pk}")
    worse.refresh_from_db()
    assert worse.status == ReviewStatus.OPEN
    assert worse.events.filter(kind="status").last().to_value.startswith("open: The fix made it worse")
    # Open again, it is among the earlier weeks' items, its effect still shown (its action is done).
    again = _article(_page(client, cycle, week), worse)
    assert "effect-reopen" not in again and "verdict-worse" in again


def test_readers_see_the_effect_but_no_offer_to_reopen(client, viewer, cycle, week, worse):
    client.force_login(viewer)
    article = _article(_page(client, cycle, week), worse)
    assert "verdict-worse" in article and "effect-reopen" not in article


def test_fixes_long_ago_and_items_without_a_fix_are_not_listed(client, team_lead, cycle, moment, week, days):
    long_ago = local(cycle, week - dt.timedelta(days=40))
    old = fix(item_of(moment, week_start=week - dt.timedelta(weeks=8)), planned=long_ago, done=long_ago,
              resolved=long_ago)
    fix(item_of(moment, week_start=week - dt.timedelta(weeks=6)), planned=local(cycle, days["planned"]))
    client.force_login(team_lead)
    html = _page(client, cycle, week)
    assert "Did the fixes work?" not in html and f'id="item-{old.pk}"' not in html


def _add_fixed_items(cycle, week, days, count):
    for _ in range(count):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle))
        rate(touchpoint, at=local(cycle, days["planned"] - dt.timedelta(days=3)), n=30, dissatisfied=10)
        this_week = fix(item_of(touchpoint.moment, week_start=week), planned=local(cycle, days["planned"]),
                        done=local(cycle, days["done"]))
        ReviewItem.objects.filter(pk=this_week.pk).update(status=ReviewStatus.ACTION_PLANNED)
        fix(item_of(touchpoint.moment, touchpoint=touchpoint, week_start=week - dt.timedelta(weeks=3)),
            planned=local(cycle, days["planned"]), done=local(cycle, days["done"]), resolved=local(cycle, days["done"]))
    refreshed()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_effects_cost_the_page_the_same_queries_for_one_item_or_many(client, team_lead, cycle, week, days):
    client.force_login(team_lead)
    url = f"{reverse('reviews:week', args=[cycle.pk])}?week={iso_week_label(week)}"
    _add_fixed_items(cycle, week, days, 1)
    client.get(url)  # warms what every page caches
    few = _queries(client, url)
    _add_fixed_items(cycle, week, days, 7)
    html = client.get(url).content.decode()
    assert html.count('class="effect verdict-') == 16
    assert _queries(client, url) == few


# --- The API -----------------------------------------------------------------------------------


def test_the_api_gives_each_item_its_effect_or_null(organization, cycle, moment, week, improved, worse):
    plain = item_of(moment, week_start=week - dt.timedelta(weeks=1))
    client = member_client(organization, role=Membership.Role.VIEWER)

    listed = {row["id"]: row["effect"] for row in client.get("/api/v1/review-items/").json()["results"]}
    detail = client.get(f"/api/v1/review-items/{improved.pk}/").json()["effect"]

    assert listed[plain.pk] is None
    assert listed[improved.pk] == detail
    assert set(detail) == {"before", "after", "z", "verdict"}
    assert set(detail["before"]) == {"n", "d", "share", "low", "high", "start", "end"}
    assert (detail["before"]["n"], detail["before"]["d"], detail["after"]["n"], detail["after"]["d"]) == (200, 86, 100, 21)
    assert detail["verdict"] == "improved" and detail["z"] == pytest.approx(-3.750, abs=1e-3)
    assert detail["after"]["end"] == today(cycle).isoformat()
    assert listed[worse.pk]["verdict"] == "worse"


def test_the_api_list_computes_every_effect_in_one_query(organization, cycle, week, days,
                                                         django_assert_max_num_queries):
    _add_fixed_items(cycle, week, days, 1)
    client = member_client(organization, role=Membership.Role.VIEWER)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/review-items/")
    _add_fixed_items(cycle, week, days, 9)
    with django_assert_max_num_queries(len(few)):
        rows = client.get("/api/v1/review-items/").json()["results"]
    assert len(rows) == 20 and all(row["effect"] is not None for row in rows)


def test_the_schema_documents_the_effect(organization):
    schema = member_client(organization).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    effect = components["ReviewItem"]["properties"]["effect"]
    reference = effect.get("$ref") or next(part["$ref"] for part in effect.get("allOf", effect.get("oneOf", [])))
    name = reference.rsplit("/", 1)[-1]
    assert effect.get("nullable") is True or components[name].get("nullable") is True
    assert set(components[name]["properties"]) == {"before", "after", "z", "verdict"}
    before = components[name]["properties"]["before"]
    before_name = (before.get("$ref") or before["allOf"][0]["$ref"]).rsplit("/", 1)[-1]
    assert set(components[before_name]["properties"]) == {"n", "d", "share", "low", "high", "start", "end"}
    verdict = components[name]["properties"]["verdict"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert verdict == "EffectVerdictEnum"
    assert set(components[verdict]["enum"]) == {"improved", "no_change", "worse", "too_early"}


# --- The digest --------------------------------------------------------------------------------


@pytest.fixture
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_digest_says_whether_the_fixes_worked(locmem_email, cycle, team_lead, week, improved, worse):
    assert review_digest_send(cycle=cycle, week_start=week) == 1
    message = mail.outbox[0]
    text, html = message.body, message.alternatives[0][0]
    assert "DID THE FIXES WORK?" in text
    assert f"- Baggage claim: 43{NBSP}% → 21{NBSP}%, improved" in text
    assert f"before: n = 200, Wilson 95% 36{NBSP}%–50{NBSP}% · after: n = 100, Wilson 95% 14{NBSP}%–30{NBSP}%" in text
    assert f"Boarding › {worse.touchpoint.name}: 20{NBSP}% → 45{NBSP}%, worse" in text
    assert "The fix did not hold: reopen the item on the review page." in text
    assert "Did the fixes work?" in html and f"Baggage claim: 43{NBSP}% → 21{NBSP}%, improved" in html


def test_a_digest_with_no_new_item_still_reports_the_fixes(locmem_email, cycle, team_lead, week, worse):
    assert review_digest_send(cycle=cycle, week_start=week) == 1
    assert "DID THE FIXES WORK?" in mail.outbox[0].body
