"""What dissatisfied customers said on each review item: the terms and verbatims of its own week
(in the cycle's time zone), how the terms changed since the week before, on the review page, in the
API's detail and in the digest; escaped everywhere; empty states; query counts; English and Spanish."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys.models import Membership, ServiceCycle
from reviews.emails import review_digest_messages
from reviews.item_insights import comments_page_url, review_items_insights, review_items_week_insights, term_changes
from reviews.models import ReviewItem
from reviews.selectors import iso_week_label
from reviews.services import review_week_open
from tests.api_support import member_client
from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from tests.reviews.conftest import add_ratings
from touchpoints.models import Rating
from touchpoints.scales import SCALES

pytestmark = pytest.mark.django_db

# Boarding's satisfied customers: the rest of the cycle the baggage words are compared with.
GATE_COMMENTS = ["comfortable seat", "quick boarding", "friendly gate agent", "nice seat", "on time boarding"] * 6
SCRIPT = "<script>alert(1)</script> the belt again"
LINK = '<a href="https://evil.example/">the belt</a> stopped'


def add_comments(touchpoint, *, week_start: dt.date, comments: list[str], dissatisfied: bool = True, day: int = 3,
                 hour: int = 10, minute: int = 0) -> None:
    """One csat5 rating per comment at one local time of the week (day 0 = Monday; 7 = the next
    Monday): score 1 when dissatisfied, else 5; a second apart, in order."""
    tz = zoneinfo.ZoneInfo(touchpoint.moment.cycle.timezone)
    at = dt.datetime.combine(week_start + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=tz)
    scale = SCALES[touchpoint.scale]
    score = scale.low if dissatisfied else scale.high
    Rating.objects.bulk_create([
        Rating(organization=touchpoint.organization, touchpoint=touchpoint, scale=touchpoint.scale, score=score,
               normalized=scale.normalise(score), dissatisfied=scale.is_dissatisfied(score), comment=comment,
               occurred_at=at + dt.timedelta(seconds=index))
        for index, comment in enumerate(comments)
    ])


def baggage_weeks(carousel, gate, week, *, extra: list[str] = (), times: int = 1) -> None:
    """The hand-made data set. Comments of dissatisfied customers at the carousel:

    week before: queue 12, staff 10, belt 6      this week: belt 14, smell 10, queue 8, staff 1
    so since last week: smell is new, staff is gone, belt is up (6 → 14), queue is down (12 → 8).
    Baggage claim is critical as a whole both weeks (one moment item a week). `times` multiplies
    every comment (a larger sample keeps the terms standing out beside long `extra` comments)."""
    before = week - dt.timedelta(weeks=1)
    for start in (before, week):
        add_ratings(carousel, week_start=start, n=40, dissatisfied=20)
        add_comments(gate, week_start=start, comments=GATE_COMMENTS * times, dissatisfied=False)
    add_comments(carousel, week_start=before,
                 comments=(["the queue"] * 12 + ["the staff"] * 10 + ["the belt"] * 6) * times)
    add_comments(carousel, week_start=week,
                 comments=(["the belt"] * 14 + ["the queue"] * 8 + ["a smell"] * 10 + ["the staff"]) * times)
    if extra:
        add_comments(carousel, week_start=week, comments=list(extra), day=5)


def open_weeks(cycle, week) -> ReviewItem:
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))
    review_week_open(cycle=cycle, week_start=week)
    return ReviewItem.objects.get(week_start=week)


def page(client, cycle, week, language="en") -> str:
    url = f"{reverse('reviews:week', args=[cycle.pk])}?week={iso_week_label(week)}"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def item_section(html: str, item: ReviewItem) -> str:
    return html.split(f'id="item-{item.pk}"')[1].split("</article>")[0]


def terms(found) -> dict[str, int]:
    return {term["term"]: term["documents"] for term in found["terms"]}


# --- What is computed --------------------------------------------------------------------------


def test_the_changes_since_last_week_on_a_hand_made_data_set(cycle, carousel, gate, week):
    baggage_weeks(carousel, gate, week)
    item = open_weeks(cycle, week)

    found = review_items_insights(cycle=cycle, items=[item])[item.pk]

    assert terms(found["week"]) == {"belt": 14, "smell": 10, "queue": 8}
    assert terms(found["previous_week"]) == {"queue": 12, "staff": 10, "belt": 6}
    assert found["previous_week"]["dissatisfied_comments"] == 28
    changes = {kind: [(row["term"], row["previous_documents"], row["documents"]) for row in rows]
               for kind, rows in found["changes"].items()}
    # Gone: staff was in 10 comments, and in 1 this week (below the 3 a term needs).
    assert changes == {"new": [("smell", 0, 10)], "gone": [("staff", 10, 1)], "up": [("belt", 6, 14)],
                       "down": [("queue", 12, 8)]}


def test_term_changes_order_the_rises_and_falls_by_their_size():
    def term(name: str, documents: int) -> dict:
        return {"term": name, "stem": name, "count": documents, "documents": documents, "z": 3.0}

    changes = term_changes(terms=[term("a", 9), term("b", 4), term("c", 20), term("d", 5)],
                           previous_terms=[term("a", 3), term("b", 8), term("c", 10), term("d", 5), term("e", 7)],
                           documents={"e": 2}, previous_documents={})
    assert [row["term"] for row in changes["up"]] == ["c", "a"]  # +10, then +6
    assert [(row["term"], row["previous_documents"], row["documents"]) for row in changes["down"]] == [("b", 8, 4)]
    assert changes["new"] == [] and [(row["term"], row["documents"]) for row in changes["gone"]] == [("e", 2)]


def test_only_the_items_week_counts_in_the_cycles_time_zone(cycle, carousel, gate, week):
    """Monday 00:30 in Madrid after the week is still Sunday in UTC: it belongs to the next week.
    Sunday 23:30 of the week before belongs to the week before (its terms, not this week's)."""
    baggage_weeks(carousel, gate, week)
    add_comments(carousel, week_start=week, comments=["the belt, a parrot"] * 12, day=7, hour=0, minute=30)
    add_comments(carousel, week_start=week - dt.timedelta(weeks=1), comments=["a walrus"] * 12, day=6, hour=23,
                 minute=30)
    item = open_weeks(cycle, week)

    found = review_items_insights(cycle=cycle, items=[item])[item.pk]

    assert terms(found["week"])["belt"] == 14
    assert not any("parrot" in term or "walrus" in term for term in terms(found["week"]))
    assert found["week"]["examples"] and not any("parrot" in example["comment"]
                                                 for example in found["week"]["examples"])
    assert "walrus" in terms(found["previous_week"])
    assert "walrus" in [row["term"] for row in found["changes"]["gone"]]


def test_a_touchpoints_own_item_is_about_that_touchpoint_only(cycle, carousel, lost_desk, gate, week):
    """Baggage claim as a whole is not critical (its desk is fine): the carousel's item says what
    the carousel's customers said, not the desk's."""
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_ratings(lost_desk, week_start=week, n=200, dissatisfied=0)
    add_comments(gate, week_start=week, comments=GATE_COMMENTS, dissatisfied=False)
    add_comments(carousel, week_start=week, comments=["the belt"] * 10)
    add_comments(lost_desk, week_start=week, comments=["the form"] * 10)
    review_week_open(cycle=cycle, week_start=week)
    item = ReviewItem.objects.get()
    assert item.touchpoint_id == carousel.pk

    found = review_items_insights(cycle=cycle, items=[item])[item.pk]

    assert terms(found["week"]) == {"belt": 10}
    assert {example["touchpoint"] for example in found["week"]["examples"]} == {carousel.name}
    assert parse_qs(urlsplit(comments_page_url(item)).query) == {
        "touchpoint": [str(carousel.pk)], "start": [week.isoformat()],
        "end": [(week + dt.timedelta(days=6)).isoformat()], "dissatisfied": ["true"]}


# --- The review page ---------------------------------------------------------------------------


def test_the_page_shows_terms_verbatims_changes_and_the_link_to_all_comments(client, team_lead, cycle, carousel,
                                                                             gate, week):
    baggage_weeks(carousel, gate, week)
    item = open_weeks(cycle, week)
    client.force_login(team_lead)

    section = item_section(page(client, cycle, week), item)

    assert f"What dissatisfied customers said in {iso_week_label(week)}" in section
    assert 'data-insights="ok"' in section
    assert '<span class="term">belt</span> <span class="chip-number" aria-hidden="true">14</span>' in section
    assert 'title="in 14 comments of dissatisfied customers (14 mentions)"' in section
    line = section.split('class="since-last-week"')[1].split("</p>")[0]
    assert "new: <b>smell</b>" in line and "gone: <s>staff</s>" in line
    assert "in more comments: belt (6 → 14)" in line and "in fewer comments: queue (12 → 8)" in line
    assert section.count('class="verbatim"') == 3 and "the belt" in section
    assert "score 1/5 · Baggage carousel wait" in section
    link = section.split('class="all-comments"><a href="')[1].split('"')[0].replace("&amp;", "&")
    url = urlsplit(link)
    assert url.path == f"/cycles/{cycle.pk}/dashboard/comments/"
    assert parse_qs(url.query) == {"moment": [str(item.moment_id)], "start": [week.isoformat()],
                                   "end": [(week + dt.timedelta(days=6)).isoformat()], "dissatisfied": ["true"]}
    assert "(33 of dissatisfied customers)" in section


def test_an_item_still_open_from_the_week_before_shows_its_own_week(client, team_lead, cycle, carousel, gate, week):
    baggage_weeks(carousel, gate, week)
    open_weeks(cycle, week)
    earlier = ReviewItem.objects.get(week_start=week - dt.timedelta(weeks=1))
    client.force_login(team_lead)

    section = item_section(page(client, cycle, week), earlier)

    assert f"said in {iso_week_label(earlier.week_start)}" in section
    assert '<span class="term">staff</span>' in section and '<span class="term">smell</span>' not in section
    assert "the week before had no comments of dissatisfied customers to compare with." in section
    assert f"start={earlier.week_start.isoformat()}" in section


def test_customers_html_is_shown_as_text_on_the_page(client, team_lead, cycle, carousel, gate, week):
    baggage_weeks(carousel, gate, week, extra=[LINK, SCRIPT])
    open_weeks(cycle, week)
    client.force_login(team_lead)

    html = page(client, cycle, week)

    assert "<script>alert(1)</script>" not in html and '<a href="https://evil.example/">' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; the belt again" in html
    assert "&lt;a href=&quot;https://evil.example/&quot;&gt;the belt&lt;/a&gt; stopped" in html


def test_a_week_without_comments_says_so(client, team_lead, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    client.force_login(team_lead)

    html = page(client, cycle, week)

    assert 'data-insights="no_comments"' in html
    assert "Dissatisfied customers left no comments that week." in html
    assert "All comments" not in html and "term-chip" not in html and "Since last week" not in html


def test_comments_that_are_all_different_say_no_term_stands_out_and_still_show_verbatims(client, team_lead, cycle,
                                                                                        carousel, gate, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    add_comments(gate, week_start=week, comments=GATE_COMMENTS, dissatisfied=False)
    add_comments(carousel, week_start=week, comments=["alpha", "bravo", "charlie", "delta", "echo"])
    review_week_open(cycle=cycle, week_start=week)
    client.force_login(team_lead)

    html = page(client, cycle, week)

    assert 'data-insights="no_terms"' in html and "term-chip" not in html
    assert ("5 comments of dissatisfied customers, but no term stands out (none is in 3 of them more than "
            "elsewhere in the cycle).") in html
    assert html.count('class="verbatim"') == 3 and "echo" in html and "All comments" in html


def test_an_organization_that_switched_analysis_off_sees_so_and_nothing_is_read(
        client, team_lead, organization, cycle, carousel, gate, week, django_assert_num_queries):
    baggage_weeks(carousel, gate, week)
    item = open_weeks(cycle, week)
    organization.comment_analysis = False
    organization.save()
    client.force_login(team_lead)

    html = page(client, cycle, week)

    assert html.count("Comment analysis is switched off for this organization.") == 2  # both items
    assert "term-chip" not in html and "the belt" not in html and "All comments" not in html
    cycle = ServiceCycle.objects.select_related("organization").get(pk=cycle.pk)
    with django_assert_num_queries(0):
        found = review_items_insights(cycle=cycle, items=[item])
    assert found[item.pk]["week"]["state"] == "off" and found[item.pk]["changes"]["new"] == []


def test_the_page_speaks_spanish(client, team_lead, cycle, carousel, gate, week):
    baggage_weeks(carousel, gate, week)
    item = open_weeks(cycle, week)
    client.force_login(team_lead)

    section = item_section(page(client, cycle, week, "es"), item)

    for spanish in (f"Lo que dijeron los clientes insatisfechos en {iso_week_label(week)}", "Desde la semana pasada",
                    "nuevos: <b>smell</b>", "ya no: <s>staff</s>", "en más comentarios: belt (6 → 14)",
                    "en menos comentarios: queue (12 → 8)", "puntuación 1/5", "Todos los comentarios",
                    "en 14 comentarios de clientes insatisfechos (14 menciones)"):
        assert spanish in section, spanish
    for english in ("Since last week", "What dissatisfied customers said", "All comments", "score 1/5"):
        assert english not in section, english


def test_empty_states_speak_spanish(client, team_lead, organization, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    client.force_login(team_lead)
    assert "Los clientes insatisfechos no dejaron comentarios esa semana." in page(client, cycle, week, "es")
    organization.comment_analysis = False
    organization.save()
    assert "El análisis de comentarios está desactivado en esta organización." in page(client, cycle, week, "es")


# --- Query counts ------------------------------------------------------------------------------


def _critical_moments_with_comments(organization, week, *, moments: int, words: list[str]):
    """A cycle with `moments` critical moments, each with comments carrying `words` (8 comments
    each, in both weeks), and a satisfied rest of the cycle; both weeks opened."""
    cycle = ServiceCycleFactory(organization=organization, timezone="Europe/Madrid", min_sample=20,
                                critical_share=0.25)
    rest = TouchpointFactory(moment=MomentFactory(cycle=cycle, name="Boarding"))
    for start in (week - dt.timedelta(weeks=1), week):
        add_ratings(rest, week_start=start, n=100, dissatisfied=0)
        add_comments(rest, week_start=start, comments=GATE_COMMENTS, dissatisfied=False)
    for index in range(moments):
        touchpoint = TouchpointFactory(moment=MomentFactory(cycle=cycle, name=f"Moment {index}"))
        for start in (week - dt.timedelta(weeks=1), week):
            add_ratings(touchpoint, week_start=start, n=40, dissatisfied=20)
            add_comments(touchpoint, week_start=start,
                         comments=[f"the {word}{'abcdefgh'[index]}" for word in words for _copy in range(8)])
    open_weeks_of(cycle, week)
    return cycle


def open_weeks_of(cycle, week) -> None:
    review_week_open(cycle=cycle, week_start=week - dt.timedelta(weeks=1))
    review_week_open(cycle=cycle, week_start=week)


def _page_queries(client, cycle, week) -> int:
    url = f"{reverse('reviews:week', args=[cycle.pk])}?week={iso_week_label(week)}"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_page_costs_a_few_queries_per_item_and_none_per_term(client, organization, team_lead, week,
                                                                 django_assert_max_num_queries):
    client.force_login(team_lead)
    one_term = _critical_moments_with_comments(organization, week, moments=2, words=["belt"])
    four_terms = _critical_moments_with_comments(organization, week, moments=2,
                                                 words=["belt", "queue", "smell", "trolley"])
    six_items = _critical_moments_with_comments(organization, week, moments=6, words=["belt", "queue"])
    client.get(reverse("reviews:week", args=[one_term.pk]))  # warms what every page caches
    said = review_items_insights(cycle=four_terms, items=ReviewItem.objects.filter(cycle=four_terms,
                                                                                   week_start=week))
    assert all(len(found["week"]["terms"]) == 4 and len(found["previous_week"]["terms"]) == 4
               for found in said.values())

    assert _page_queries(client, one_term, week) == _page_queries(client, four_terms, week)
    # Each item: its terms' written forms (this week, the week before) and its verbatims (with
    # their touchpoints' names). The rest is the fixed cost of the page (test_views).
    items = ReviewItem.objects.filter(cycle=six_items).count()
    assert items == 12
    with django_assert_max_num_queries(16 + 4 * items):
        html = page(client, six_items, week)
    assert html.count('class="chip term-chip"') == 2 * items
    assert _page_queries(client, six_items, week) - _page_queries(client, one_term, week) <= 4 * (12 - 4)


# --- The API ---------------------------------------------------------------------------------


def test_the_items_detail_carries_its_insights_and_the_list_does_not(organization, cycle, carousel, gate, week,
                                                                     django_assert_max_num_queries):
    baggage_weeks(carousel, gate, week)
    item = open_weeks(cycle, week)
    client = member_client(organization, role=Membership.Role.VIEWER)

    with django_assert_max_num_queries(16):
        response = client.get(f"/api/v1/review-items/{item.pk}/")
    assert response.status_code == 200
    said = response.json()["insights"]
    assert [term["term"] for term in said["week"]["terms"]] == ["belt", "smell", "queue"]
    assert len(said["week"]["examples"]) == 3 and said["week"]["examples"][0]["touchpoint"] == carousel.name
    assert [term["term"] for term in said["previous_week"]["terms"]] == ["queue", "staff", "belt"]
    assert said["changes"]["new"] == [{"term": "smell", "stem": "smell", "documents": 10, "previous_documents": 0}]
    assert [row["term"] for row in said["changes"]["gone"]] == ["staff"]
    assert [row["term"] for row in said["changes"]["up"]] == ["belt"]
    assert [row["term"] for row in said["changes"]["down"]] == ["queue"]
    comments = client.get(said["comments_url"])
    assert comments.status_code == 200 and len(comments.json()["results"]) == 33

    listed = client.get("/api/v1/review-items/").json()["results"]
    assert {row["id"] for row in listed} == set(ReviewItem.objects.values_list("pk", flat=True))
    assert all("insights" not in row for row in listed)


def test_the_schema_documents_the_details_insights(organization):
    schema = member_client(organization).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    detail = schema["paths"]["/api/v1/review-items/{id}/"]["get"]["responses"]["200"]["content"]
    assert detail["application/json"]["schema"]["$ref"].endswith("/ReviewItemDetail")
    assert components["ReviewItemDetail"]["properties"]["insights"]["allOf"][0]["$ref"].endswith(
        "/ReviewItemInsights")
    assert set(components["ReviewItemInsights"]["properties"]) == {"week", "previous_week", "changes",
                                                                   "comments_url"}
    assert set(components["ReviewItemTermChanges"]["properties"]) == {"new", "gone", "up", "down"}
    listed = schema["paths"]["/api/v1/review-items/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "insights" not in components[listed["schema"]["$ref"].rsplit("/", 1)[1].removeprefix("Paginated")
                                        .removesuffix("List")]["properties"]


# --- The digest ---------------------------------------------------------------------------------


def _digest(cycle, week):
    (message,) = review_digest_messages(cycle=cycle, week_start=week)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return message.body, html


def test_the_digest_lists_each_items_top_three_terms_and_one_verbatim(cycle, carousel, gate, team_lead, week):
    baggage_weeks(carousel, gate, week, extra=["the trolley"] * 9)
    item = open_weeks(cycle, week)
    assert len(review_items_week_insights(cycle=cycle, items=[item])[item.pk]["terms"]) == 4

    text, html = _digest(cycle, week)

    new_items = text.split("NEW THIS WEEK")[1].split("STILL OPEN FROM EARLIER WEEKS")[0]
    said = next(line for line in new_items.splitlines() if "Dissatisfied customers said" in line)
    assert said.strip() == ("Dissatisfied customers said: belt (14 comments), smell (10 comments), "
                            "trolley (9 comments)")
    assert "“the belt” (Baggage carousel wait, 1/5)" in new_items  # the newest of those that carry most
    assert "queue (8 comments)" not in text
    assert "<strong>belt</strong> (14 comments), <strong>smell</strong>" in html and "queue (8" not in html
    assert "“the belt”" in html
    # The item still open from the week before: its own week's words.
    assert "staff (10 comments)" in text.split("STILL OPEN FROM EARLIER WEEKS")[1]


def test_the_digest_shows_customers_html_as_text(cycle, carousel, gate, team_lead, week):
    baggage_weeks(carousel, gate, week, extra=[LINK, SCRIPT])
    open_weeks(cycle, week)

    text, html = _digest(cycle, week)

    assert "<script>" not in html and "“&lt;script&gt;alert(1)&lt;/script&gt; the belt again”" in html
    assert f"“{SCRIPT}”" in text  # plain text: the comment as written, which no mail client runs


def test_the_digest_cuts_a_long_verbatim_to_200_characters(cycle, carousel, gate, team_lead, week):
    long = "the belt\n" + "and it took forever " * 30 + "THE END"
    baggage_weeks(carousel, gate, week, extra=[long])
    open_weeks(cycle, week)

    text, html = _digest(cycle, week)

    verbatim = next(line for line in text.splitlines() if "the belt and it took" in line).strip()
    shown = verbatim.split("” (")[0].removeprefix("“")
    assert len(shown) == 200 and shown.endswith("…")
    assert "THE END" not in text and "THE END" not in html and shown in html


def test_the_digest_says_what_customers_said_in_spanish(settings, cycle, carousel, gate, team_lead, week):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "es"
    baggage_weeks(carousel, gate, week)
    open_weeks(cycle, week)
    from reviews.emails import review_digest_send

    review_digest_send(cycle=cycle, week_start=week)

    body, html = mail.outbox[0].body, mail.outbox[0].alternatives[0][0]
    assert "Los clientes insatisfechos dijeron: belt (14 comentarios)" in body
    assert "Los clientes insatisfechos dijeron" in html and "Dissatisfied customers said" not in body + html


def test_the_digest_of_an_organization_that_switched_analysis_off_has_no_words(organization, cycle, carousel, gate,
                                                                                team_lead, week):
    baggage_weeks(carousel, gate, week)
    open_weeks(cycle, week)
    organization.comment_analysis = False
    organization.save()
    cycle.refresh_from_db()

    text, html = _digest(cycle, week)

    assert "Dissatisfied customers said" not in text + html and "the belt" not in text + html
