"""Fixtures of the weekly review tests: a cycle in Madrid time with ratings placed in chosen local weeks."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from journeys.models import Membership
from reviews.selectors import last_complete_week
from tests.factories import (
    MembershipFactory,
    MomentFactory,
    ServiceCycleFactory,
    TouchpointFactory,
    UserFactory,
)
from touchpoints.models import Rating
from touchpoints.scales import SCALES


def add_ratings(touchpoint, *, week_start: dt.date, n: int, dissatisfied: int, day: int = 2, hour: int = 12) -> None:
    """`n` csat5 ratings of `touchpoint` on one local day of the week, `dissatisfied` of them bad."""
    tz = zoneinfo.ZoneInfo(touchpoint.moment.cycle.timezone)
    moment = dt.datetime.combine(week_start + dt.timedelta(days=day), dt.time(hour, 0), tzinfo=tz)
    scale = SCALES[touchpoint.scale]
    rows = []
    for index in range(n):
        score = scale.low if index < dissatisfied else scale.high
        rows.append(Rating(
            organization=touchpoint.organization, touchpoint=touchpoint, scale=touchpoint.scale, score=score,
            normalized=scale.normalise(score), dissatisfied=scale.is_dissatisfied(score),
            occurred_at=moment + dt.timedelta(seconds=index),
        ))
    Rating.objects.bulk_create(rows)


@pytest.fixture
def cycle(organization):
    return ServiceCycleFactory(organization=organization, timezone="Europe/Madrid", min_sample=20, critical_share=0.25)


@pytest.fixture
def team_lead(organization):
    return MembershipFactory(organization=organization, role=Membership.Role.TEAM_LEAD).user


@pytest.fixture
def viewer(organization):
    return MembershipFactory(organization=organization, role=Membership.Role.VIEWER).user


@pytest.fixture
def moment(cycle, team_lead):
    return MomentFactory(cycle=cycle, name="Baggage claim", protocol="First bag within 20 minutes.", owner=team_lead)


@pytest.fixture
def healthy_moment(cycle):
    return MomentFactory(cycle=cycle, name="Boarding")


@pytest.fixture
def carousel(moment):
    return TouchpointFactory(moment=moment, name="Baggage carousel wait", channel="physical_place")


@pytest.fixture
def lost_desk(moment):
    return TouchpointFactory(moment=moment, name="Lost baggage desk", channel="in_person")


@pytest.fixture
def gate(healthy_moment):
    return TouchpointFactory(moment=healthy_moment, name="Gate boarding", channel="in_person")


@pytest.fixture
def week(cycle):
    """The last complete week in the cycle's time zone."""
    return last_complete_week(cycle=cycle)


@pytest.fixture
def other_user(db):
    return UserFactory()


def now():
    return timezone.now()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The factories hash a password per user; the default hasher costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_in_process(celery_default_eager):
    """Run queued tasks here even when REDIS_URL points at a broker (CI): these tests
    check what the tasks do, not the broker; no worker listens on the test broker."""
    from momento.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = celery_default_eager
