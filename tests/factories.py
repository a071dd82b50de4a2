"""factory_boy factories for the domain. Positions of moments are assigned densely."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from journeys.models import Membership, Moment, Organization, ServiceCycle
from touchpoints.models import Rating, Segment, Touchpoint
from touchpoints.scales import SCALES


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ADMIN


class ServiceCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCycle

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Cycle {n}")
    timezone = "Europe/Madrid"


class MomentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Moment

    cycle = factory.SubFactory(ServiceCycleFactory)
    name = factory.Sequence(lambda n: f"Moment {n}")
    kind = Moment.Kind.SMOT
    position = factory.LazyAttribute(lambda moment: Moment.objects.filter(cycle=moment.cycle).count())


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    moment = factory.SubFactory(MomentFactory)
    organization = factory.LazyAttribute(lambda touchpoint: touchpoint.moment.cycle.organization)
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    channel = "web"
    scale = "csat5"
    key = factory.Sequence(lambda n: f"touchpoint-{n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")
    key = factory.Sequence(lambda n: f"segment-{n}")


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    touchpoint = factory.SubFactory(TouchpointFactory)
    organization = factory.LazyAttribute(lambda rating: rating.touchpoint.organization)
    scale = factory.LazyAttribute(lambda rating: rating.touchpoint.scale)
    score = 4
    normalized = factory.LazyAttribute(lambda rating: SCALES[rating.scale].normalise(rating.score))
    dissatisfied = factory.LazyAttribute(lambda rating: SCALES[rating.scale].is_dissatisfied(rating.score))
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
