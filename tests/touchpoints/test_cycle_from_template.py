"""A cycle made from a template (issue 19, item 4): the "new cycle" form offers every
template with what it covers, and the cycle comes in the language of whoever makes it,
its words from then on the cycle's own."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import slugify

from journeys.cycle_templates import TEMPLATES
from journeys.models import ServiceCycle
from touchpoints.cycles import cycle_create_from_template
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


def test_the_new_cycle_form_offers_every_template_with_what_it_covers(client, member):
    client.force_login(member)
    html = client.get(reverse("journeys:cycle_list")).content.decode()
    for key, template in TEMPLATES.items():
        assert f'value="{key}"' in html
        assert escape(str(template.title)) in html and escape(str(template.description)) in html
    client.post(reverse("set_language"), {"language": "es"})
    spanish = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "Estancia en un hotel" in spanish and "Consulta externa en un hospital" in spanish


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_each_template_makes_its_cycle_in_english_and_in_spanish(client, organization, member, key):
    client.force_login(member)
    template = TEMPLATES[key]
    response = client.post(reverse("touchpoints:cycle_create"),
                           {"name": f"{key} en", "start": key, "organization": organization.pk})
    english = ServiceCycle.objects.get(name=f"{key} en")
    assert response["Location"] == reverse("journeys:cycle_detail", args=[english.pk])
    moments = list(english.moments.order_by("position"))
    assert [(moment.name, moment.kind, moment.protocol) for moment in moments] == [
        (spec.name, spec.kind, spec.protocol) for spec in template.moments]
    touchpoints = list(Touchpoint.objects.filter(moment__cycle=english).order_by("moment__position", "id"))
    specs = [spec for moment in template.moments for spec in moment.touchpoints]
    assert [(tp.name, tp.channel, tp.scale, tp.interaction) for tp in touchpoints] == [
        (spec.name, spec.channel, spec.scale, spec.interaction) for spec in specs]

    client.post(reverse("set_language"), {"language": "es"})
    client.post(reverse("touchpoints:cycle_create"), {"name": f"{key} es", "start": key, "organization": organization.pk})
    spanish = ServiceCycle.objects.get(name=f"{key} es")
    spanish_moments = list(spanish.moments.order_by("position"))
    assert [moment.kind for moment in spanish_moments] == [moment.kind for moment in moments]
    assert all(es.name != en.name and es.protocol != en.protocol for es, en in zip(spanish_moments, moments, strict=True))
    # Keys come from the cycle's name and the (Spanish) touchpoint names, unique in the organization.
    keys = list(Touchpoint.objects.filter(moment__cycle=spanish).values_list("key", flat=True))
    assert len(set(keys)) == len(specs) and all(touchpoint_key.startswith(slugify(f"{key} es"))
                                                for touchpoint_key in keys)


def test_the_language_can_be_given_and_the_words_are_the_cycles_own(organization):
    cycle = cycle_create_from_template(organization=organization, name="Hospital", template="outpatient",
                                       language="es")
    first = cycle.moments.order_by("position").first()
    assert first.name == "Búsqueda del especialista" and first.kind == "ZMOT"
    assert Touchpoint.objects.filter(moment=first, name="Web del hospital").exists()


def test_an_unknown_template_writes_nothing(client, organization, member):
    client.force_login(member)
    response = client.post(reverse("touchpoints:cycle_create"),
                           {"name": "Spa", "start": "spa_day", "organization": organization.pk}, follow=True)
    assert "Select a valid choice." in response.content.decode()
    assert not ServiceCycle.objects.exists()
