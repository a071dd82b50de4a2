"""Opening the last week by hand from the review page (the embedded mode has no beat),
recorded as opened by that person; the page says when the schedule last ran."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from reviews.models import ReviewEvent, ReviewItem, ReviewRun
from reviews.selectors import SCHEDULE_STATUS_CACHE_KEY, iso_week_label
from reviews.services import review_week_open
from tests.reviews.conftest import add_ratings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def fresh_schedule_status():
    """The page caches the schedule's status for a minute; each test sets its own."""
    cache.delete(SCHEDULE_STATUS_CACHE_KEY)
    yield
    cache.delete(SCHEDULE_STATUS_CACHE_KEY)


def page(client, cycle, week=None):
    url = reverse("reviews:week", args=[cycle.pk])
    return client.get(url + (f"?week={iso_week_label(week)}" if week else "")).content.decode()


def test_a_team_lead_opens_the_last_week_that_ended_and_is_recorded_as_opener(client, team_lead, cycle, carousel,
                                                                             week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    client.force_login(team_lead)
    assert "Open this week’s review" in page(client, cycle)

    response = client.post(reverse("reviews:open_week", args=[cycle.pk]), follow=True)

    html = response.content.decode()
    item = ReviewItem.objects.get()
    assert item.week_start == week
    run = ReviewRun.objects.get(cycle=cycle, week_start=week)
    assert run.opened_by == team_lead and run.trigger == "page" and run.opened_at is not None
    event = item.events.get(kind="opened")
    assert event.actor == team_lead
    assert f"Week {iso_week_label(week)} opened: 1 critical item." in html
    assert "Momento (schedule)" not in html
    assert len(mail.outbox) == 1  # the digest, as the schedule sends it


def test_an_opened_week_is_not_opened_again_and_the_page_says_so(client, team_lead, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    review_week_open(cycle=cycle, week_start=week)
    client.force_login(team_lead)

    html = page(client, cycle)
    assert "Open this week’s review" not in html
    assert f"{iso_week_label(week)} was opened" in html and "by the schedule" in html

    response = client.post(reverse("reviews:open_week", args=[cycle.pk]), follow=True)

    assert f"Week {iso_week_label(week)} was already opened" in response.content.decode()
    assert ReviewItem.objects.count() == 1 and ReviewEvent.objects.count() == 1
    assert ReviewRun.objects.get().opened_by is None


def test_a_week_with_nothing_critical_opens_empty_and_says_so(client, team_lead, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=1)
    client.force_login(team_lead)

    html = client.post(reverse("reviews:open_week", args=[cycle.pk]), follow=True).content.decode()

    assert f"Week {iso_week_label(week)} opened: nothing was critical." in html
    assert ReviewRun.objects.get().opened_by == team_lead and not ReviewItem.objects.exists()


def test_viewers_get_no_button_and_a_403(client, viewer, cycle, carousel, week):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    client.force_login(viewer)

    assert "Open this week’s review" not in page(client, cycle)
    assert client.post(reverse("reviews:open_week", args=[cycle.pk])).status_code == 403
    assert not ReviewRun.objects.exists()


def test_another_organizations_cycle_is_404(client, outsider, cycle):
    client.force_login(outsider)
    assert client.post(reverse("reviews:open_week", args=[cycle.pk])).status_code == 404
    assert not ReviewRun.objects.exists()


def test_the_service_refuses_a_person_who_may_not_review(cycle, carousel, week, viewer):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    with pytest.raises(PermissionDenied):
        review_week_open(cycle=cycle, week_start=week, actor=viewer)
    assert not ReviewRun.objects.exists()


def test_the_week_is_the_last_one_that_ended_in_the_cycles_time_zone(client, team_lead, organization,
                                                                       monkeypatch):
    from tests.factories import ServiceCycleFactory

    cycle = ServiceCycleFactory(organization=organization, timezone="Pacific/Auckland")
    # Sunday 2026-11-22 11:30 UTC is already Monday 00:30 in Auckland (UTC+13): the week of
    # Monday 16 November has ended there, though in UTC it still has half a day to go.
    frozen = dt.datetime(2026, 11, 22, 11, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    client.force_login(team_lead)

    client.post(reverse("reviews:open_week", args=[cycle.pk]))

    assert ReviewRun.objects.get(cycle=cycle).week_start == dt.date(2026, 11, 16)


def test_the_page_explains_that_nothing_opens_weeks_without_the_scheduler(client, team_lead, cycle, settings):
    PeriodicTask.objects.filter(task="reviews.open_due_weeks").update(last_run_at=None)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(team_lead)

    html = page(client, cycle)

    assert "embedded mode" in html and "nothing runs Celery beat" in html and "reviews_open_week" in html


def test_on_a_server_the_page_says_when_beat_has_never_run(client, team_lead, cycle, settings, beat_schedule):
    PeriodicTask.objects.filter(task="reviews.open_due_weeks").update(last_run_at=None)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(team_lead)

    html = page(client, cycle)

    assert "The schedule has not run yet." in html and "make beat" in html


def test_the_page_says_when_the_schedule_last_ran(client, team_lead, cycle, settings, beat_schedule):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    ran = timezone.now() - dt.timedelta(minutes=20)
    PeriodicTask.objects.filter(task="reviews.open_due_weeks").update(last_run_at=ran)
    client.force_login(team_lead)

    html = page(client, cycle)

    assert "The schedule last ran" in html
    assert f'datetime="{timezone.localtime(ran).isoformat()}"' in html or ran.strftime("%H:%M") in html


def test_the_history_names_the_command_when_it_opened_the_week(client, team_lead, cycle, carousel, week):
    from django.core.management import call_command

    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    call_command("reviews_open_week", "--cycle", str(cycle.pk), "--no-digest")
    client.force_login(team_lead)

    html = page(client, cycle, week)

    assert ReviewRun.objects.get().trigger == "command"
    assert "manage.py reviews_open_week" in html and "Momento (schedule)" not in html


class RefusingMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_a_mail_server_that_is_down_does_not_undo_the_opening(client, team_lead, cycle, carousel, week, settings):
    add_ratings(carousel, week_start=week, n=40, dissatisfied=20)
    settings.EMAIL_BACKEND = "tests.reviews.test_open_by_hand.RefusingMailServer"
    client.force_login(team_lead)

    response = client.post(reverse("reviews:open_week", args=[cycle.pk]), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The digest e-mail could not be sent" in html and "opened: 1 critical item." in html
    assert ReviewItem.objects.count() == 1
    assert ReviewRun.objects.get().digest_sent_at is None  # free for a later try
