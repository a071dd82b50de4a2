import pytest
from django.db import IntegrityError, transaction

from journeys.models import Moment
from tests.factories import MomentFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_two_moments_at_one_position():
    moment = MomentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Moment.objects.create(cycle=moment.cycle, position=moment.position, name="Clash", kind="SMOT")


def test_database_refuses_an_unknown_kind():
    moment = MomentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Moment.objects.filter(pk=moment.pk).update(kind="QMOT")
