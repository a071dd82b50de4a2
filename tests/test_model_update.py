"""`momento.services.model_update`: the one update helper every app's services use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from journeys.models import ServiceCycle
from momento.services import model_update
from tests.factories import ServiceCycleFactory

pytestmark = pytest.mark.django_db

FIELDS = ("name", "min_sample", "archived")


def test_only_the_given_fields_are_written_on_the_fresh_row():
    cycle = ServiceCycleFactory(name="Airline", min_sample=20)
    stale = ServiceCycle.objects.get(pk=cycle.pk)
    ServiceCycle.objects.filter(pk=cycle.pk).update(min_sample=40, structure_version=7)
    updated, changed = model_update(instance=stale, fields=FIELDS, data={"name": "Airline 2026"})
    assert changed == ["name"]
    assert ServiceCycle.objects.values_list("name", "min_sample", "structure_version").get(pk=cycle.pk) == (
        "Airline 2026", 40, 7)
    assert (updated.min_sample, updated.structure_version) == (40, 7)


def test_a_field_outside_the_list_is_refused_and_nothing_is_written():
    cycle = ServiceCycleFactory(name="Airline")
    with pytest.raises(ValidationError) as error:
        model_update(instance=cycle, fields=FIELDS, data={"name": "New", "structure_version": 0})
    assert set(error.value.message_dict) == {"structure_version"}
    assert ServiceCycle.objects.get(pk=cycle.pk).name == "Airline"


def test_an_invalid_value_is_refused_by_its_field_and_nothing_is_written():
    cycle = ServiceCycleFactory(name="Airline", min_sample=20)
    with pytest.raises(ValidationError) as error:
        model_update(instance=cycle, fields=FIELDS, data={"name": "New", "min_sample": 0},
                     clean_exclude=["organization"])
    assert set(error.value.message_dict) == {"min_sample"}
    assert ServiceCycle.objects.values_list("name", "min_sample").get(pk=cycle.pk) == ("Airline", 20)


def test_unchanged_values_write_nothing_and_changes_move_updated_at():
    cycle = ServiceCycleFactory(name="Airline")
    long_ago = timezone.now() - dt.timedelta(days=3)
    ServiceCycle.objects.filter(pk=cycle.pk).update(updated_at=long_ago)
    _same, changed = model_update(instance=cycle, fields=FIELDS, data={"name": "Airline"})
    assert changed == [] and ServiceCycle.objects.get(pk=cycle.pk).updated_at == long_ago
    model_update(instance=cycle, fields=FIELDS, data={"archived": True})
    assert ServiceCycle.objects.get(pk=cycle.pk).updated_at > long_ago


def test_a_row_deleted_meanwhile_is_does_not_exist():
    cycle = ServiceCycleFactory()
    ServiceCycle.objects.filter(pk=cycle.pk).delete()
    with pytest.raises(ServiceCycle.DoesNotExist):
        model_update(instance=cycle, fields=FIELDS, data={"name": "Gone"})
