"""The weekly digest e-mail, the hourly Monday-06:00 check, the beat entry and the command."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from journeys.models import Membership
from reviews.emails import review_digest_send
from reviews.models import ReviewItem, ReviewRun
from reviews.selectors import cycles_due_for_review, iso_week_label
from reviews.services import review_item_transition, review_week_open
from reviews.tasks import reviews_open_due_weeks, reviews_open_week
from tests.factories import MembershipFactory, ServiceCycleFactory, UserFactory
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_digest_goes_to_each_team_lead_with_new_and_still_open_items(
    cycle, organization, carousel, team_lead, viewer, week
):
    second_lead = MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user
    earlier = week - dt.timedelta(weeks=1)
    add_ratings(carousel, week_start=earlier, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=earlier)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)

    sent = review_digest_send(cycle=cycle, week_start=week)

    assert sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([team_lead.email, second_lead.email])
    assert viewer.email not in {message.to[0] for message in mail.outbox}
    mine = next(message for message in mail.outbox if message.to == [team_lead.email])
    assert iso_week_label(week) in mine.subject and cycle.name in mine.subject
    text = mine.body
    assert "YOUR ITEMS STILL IN PROGRESS" in text and "Baggage carousel wait" in text
    new_section = text.split("NEW THIS WEEK")[1].split("STILL OPEN FROM EARLIER WEEKS")[0]
    earlier_section = text.split("STILL OPEN FROM EARLIER WEEKS")[1]
    assert "week 2 in a row" in new_section
    assert iso_week_label(earlier) in earlier_section
    assert "20 of 40 dissatisfied (50\u00a0%)" in text
    html, mimetype = mine.alternatives[0]
    assert mimetype == "text/html" and "<li" in html and "Baggage carousel wait" in html
    assert f"/cycles/{cycle.pk}/reviews/?week={iso_week_label(week)}" in text
    # The second lead owns nothing: their own section says so.
    other = next(message for message in mail.outbox if message.to == [second_lead.email])
    assert other.body.split("YOUR ITEMS STILL IN PROGRESS")[1].split("NEW THIS WEEK")[0].strip() == "None."


def test_the_digest_is_sent_once_per_week(cycle, carousel, team_lead, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)

    assert review_digest_send(cycle=cycle, week_start=week) == 1
    assert review_digest_send(cycle=cycle, week_start=week) == 0
    assert len(mail.outbox) == 1


def test_resolved_items_of_earlier_weeks_are_not_in_the_digest(cycle, carousel, team_lead, week):
    earlier = week - dt.timedelta(weeks=1)
    add_ratings(carousel, week_start=earlier, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=earlier)
    for item in ReviewItem.objects.all():
        review_item_transition(item=item, status="dismissed", actor=team_lead, reason="Seasonal")
    add_ratings(carousel, week_start=week, n=40, dissatisfied=2)
    review_week_open(cycle=cycle, week_start=week)

    assert review_digest_send(cycle=cycle, week_start=week) == 0
    assert mail.outbox == []


def test_a_failing_mail_server_releases_the_claim_for_a_retry(cycle, carousel, team_lead, week, settings):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    settings.EMAIL_BACKEND = "tests.reviews.test_digest_and_schedule.BrokenBackend"

    with pytest.raises(ConnectionRefusedError):
        review_digest_send(cycle=cycle, week_start=week)

    assert ReviewRun.objects.get(cycle=cycle, week_start=week).digest_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert review_digest_send(cycle=cycle, week_start=week) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_the_weekly_task_opens_items_then_mails_the_digest(cycle, carousel, team_lead, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    result = reviews_open_week.delay(cycle.pk, week.isoformat()).get()

    assert result == {"cycle": cycle.pk, "week_start": week.isoformat(), "opened": 1, "digests": 1}
    assert reviews_open_week.delay(cycle.pk, week.isoformat()).get()["opened"] == 0
    assert len(mail.outbox) == 1


def _utc(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(dt.UTC)


def test_a_cycle_is_due_from_monday_0600_in_its_own_time_zone(organization):
    madrid = ServiceCycleFactory(organization=organization, timezone="Europe/Madrid")
    tokyo = ServiceCycleFactory(organization=organization, timezone="Asia/Tokyo")
    # Monday 2026-11-23 05:59 in Madrid is already Monday 13:59 in Tokyo.
    due = cycles_due_for_review(now=_utc("Europe/Madrid", 2026, 11, 23, 5, 59))
    assert [(cycle.pk, week) for cycle, week in due] == [(tokyo.pk, dt.date(2026, 11, 16))]

    due = cycles_due_for_review(now=_utc("Europe/Madrid", 2026, 11, 23, 6, 0))
    assert {cycle.pk for cycle, _week in due} == {madrid.pk, tokyo.pk}
    assert {week for _cycle, week in due} == {dt.date(2026, 11, 16)}


def test_a_reviewed_week_is_not_due_again_and_archived_cycles_never_are(organization):
    cycle = ServiceCycleFactory(organization=organization, timezone="America/New_York")
    ServiceCycleFactory(organization=organization, timezone="America/New_York", archived=True)
    monday_seven = _utc("America/New_York", 2026, 11, 23, 7, 0)
    assert [c.pk for c, _w in cycles_due_for_review(now=monday_seven)] == [cycle.pk]

    # A run that only tried the digest has not opened the week; one that opened it has.
    run = ReviewRun.objects.create(cycle=cycle, week_start=dt.date(2026, 11, 16))
    assert [c.pk for c, _w in cycles_due_for_review(now=monday_seven)] == [cycle.pk]
    run.opened_at = monday_seven
    run.save()

    assert cycles_due_for_review(now=monday_seven) == []
    # A missed Monday tick is caught up later in the week, until the next Monday 06:00.
    ReviewRun.objects.all().delete()
    assert [c.pk for c, _w in cycles_due_for_review(now=_utc("America/New_York", 2026, 11, 26, 9, 0))] == [cycle.pk]


def test_the_hourly_tick_opens_the_week_for_due_cycles(cycle, carousel, team_lead, week, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    # The tick runs on a Wednesday of the following week: on a real Monday before
    # 06:00 in Madrid the week is not due yet (CI once ran then, and this failed).
    wednesday = dt.datetime.combine(week + dt.timedelta(days=9), dt.time(12), tzinfo=zoneinfo.ZoneInfo(cycle.timezone))
    monkeypatch.setattr("django.utils.timezone.now", lambda: wednesday.astimezone(dt.UTC))

    with django_capture_on_commit_callbacks(execute=True):
        queued = reviews_open_due_weeks.delay().get()

    assert {"cycle": cycle.pk, "week_start": week.isoformat()} in queued
    assert ReviewItem.objects.filter(cycle=cycle, week_start=week).count() == 1
    assert ReviewRun.objects.get(cycle=cycle, week_start=week).trigger == "schedule"
    assert len(mail.outbox) == 1


def test_the_beat_schedule_runs_the_check_every_hour(beat_schedule):
    task = PeriodicTask.objects.get(task="reviews.open_due_weeks")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("0", "*", "UTC")


def test_the_command_opens_a_given_week_by_hand(cycle, carousel, team_lead, week, capsys):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)

    call_command("reviews_open_week", "--cycle", str(cycle.pk), "--week", iso_week_label(week))
    call_command("reviews_open_week", "--cycle", str(cycle.pk), "--week", iso_week_label(week))

    output = capsys.readouterr().out
    assert "1 items opened now" in output and "0 items opened now, 1 critical in all" in output
    assert "· Baggage carousel wait: 20/40 dissatisfied" in output and "no earlier data" in output
    assert ReviewItem.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.parametrize("arguments, message", [
    (["--week", "2026-47"], "YYYY-Www"),
    (["--week", "2026-W54"], "does not exist"),
    (["--cycle", "999999"], "No cycle"),
])
def test_the_command_explains_bad_input(cycle, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("reviews_open_week", *arguments)


def test_the_command_refuses_a_week_that_has_not_ended(cycle, week):
    with pytest.raises(CommandError, match="not ended"):
        call_command("reviews_open_week", "--cycle", str(cycle.pk), "--week",
                     iso_week_label(week + dt.timedelta(weeks=1)))


def test_members_without_an_email_address_get_no_digest(cycle, organization, carousel, team_lead, week):
    no_mail = UserFactory(email="")
    MembershipFactory(user=no_mail, organization=organization, role=Membership.Role.TEAM_LEAD)
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)

    assert review_digest_send(cycle=cycle, week_start=week) == 1
