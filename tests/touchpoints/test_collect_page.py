"""The Collect page of a touchpoint, reached from the cycle map: its survey links and their forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, SegmentFactory
from touchpoints.models import SurveyLink

from .survey_support import survey_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(organization):
    return survey_link(organization, name="Poster at bag drop")


def signed_in(client, organization, role=Membership.Role.CX_MANAGER):
    client.force_login(MembershipFactory(organization=organization, role=role).user)
    return client


def test_every_touchpoint_on_the_map_has_a_collect_action(client, organization, link):
    signed_in(client, organization, Membership.Role.VIEWER)
    html = client.get(reverse("journeys:cycle_detail", args=[link.touchpoint.moment.cycle_id])).content.decode()
    assert f'href="/touchpoints/{link.touchpoint_id}/collect/"' in html and ">Collect</a>" in html


def test_the_page_lists_each_link_with_its_address_qr_poster_kiosk_widget_and_email_buttons(client, organization,
                                                                                             link):
    signed_in(client, organization)
    html = client.get(f"/touchpoints/{link.touchpoint_id}/collect/").content.decode()
    for piece in (f"/s/{link.token}/", f"/s/{link.token}/qr.svg", f"/s/{link.token}/qr.png",
                  f"/s/{link.token}/print/", f"/s/{link.token}/kiosk/", "&lt;iframe src=", "?score=5&amp;amp;lang=en",
                  "Poster at bag drop", "End this link", "New survey link"):
        assert piece in html, piece


def test_a_cx_manager_makes_a_link_from_the_page(client, organization, link):
    signed_in(client, organization)
    segment = SegmentFactory(organization=organization)
    response = client.post(f"/touchpoints/{link.touchpoint_id}/collect/", {
        "name": "Check-in e-mail", "question_es": "¿Qué tal?", "comment_enabled": "on", "segment": segment.pk,
        "ends_at": "2099-01-31T18:00",
    })
    made = SurveyLink.objects.get(name="Check-in e-mail")
    assert response.status_code == 302 and response["Location"].endswith(f"#link-{made.pk}")
    assert (made.question_es, made.segment, made.comment_enabled, made.one_per_device) == ("¿Qué tal?", segment, True,
                                                                                            False)
    # The cycle's time zone (Europe/Madrid, winter: UTC+1) reads the end.
    assert made.ends_at.isoformat() == "2099-01-31T17:00:00+00:00"


def test_bad_input_on_the_page_is_shown_beside_the_field_and_nothing_is_made(client, organization, link):
    signed_in(client, organization)
    foreign = SegmentFactory(organization=OrganizationFactory())
    for data, message in (({"ends_at": "2001-01-01T10:00"}, "The end must be in the future"),
                          ({"question_en": "x" * 301}, "Ensure this value has at most 300 characters"),
                          ({"segment": foreign.pk}, "Select a valid choice")):
        response = client.post(f"/touchpoints/{link.touchpoint_id}/collect/", data)
        assert response.status_code == 400 and message in response.content.decode()
    assert SurveyLink.objects.count() == 1


def test_a_viewer_reads_the_page_but_cannot_make_change_or_end_links(client, organization, link):
    signed_in(client, organization, Membership.Role.VIEWER)
    html = client.get(f"/touchpoints/{link.touchpoint_id}/collect/").content.decode()
    assert f"/s/{link.token}/" in html and "New survey link" not in html and "End this link" not in html
    assert client.post(f"/touchpoints/{link.touchpoint_id}/collect/", {"name": "x"}).status_code == 403
    assert client.get(f"/collect/{link.pk}/").status_code == 403
    assert client.post(f"/collect/{link.pk}/active/", {"active": "0"}).status_code == 403
    link.refresh_from_db()
    assert link.active and SurveyLink.objects.count() == 1


def test_editing_keeps_the_address_and_ending_closes_the_public_page(client, organization, link):
    signed_in(client, organization)
    form = client.get(f"/collect/{link.pk}/").content.decode()
    assert 'value="Poster at bag drop"' in form
    response = client.post(f"/collect/{link.pk}/", {"name": "Poster", "question_en": "How was bag drop?",
                                                    "comment_enabled": "on"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.name, link.question_en) == ("Poster", "How was bag drop?")
    client.post(f"/collect/{link.pk}/active/", {"active": "0"})
    assert client.get(f"/s/{link.token}/").status_code == 404
    assert "Ended by hand" in client.get(f"/touchpoints/{link.touchpoint_id}/collect/").content.decode()
    client.post(f"/collect/{link.pk}/active/", {"active": "1"})
    assert client.get(f"/s/{link.token}/").status_code == 200


def test_another_organizations_touchpoint_and_link_are_404(client, organization, link):
    signed_in(client, OrganizationFactory(), Membership.Role.ADMIN)
    assert client.get(f"/touchpoints/{link.touchpoint_id}/collect/").status_code == 404
    assert client.get(f"/collect/{link.pk}/").status_code == 404
    assert client.post(f"/collect/{link.pk}/active/", {"active": "0"}).status_code == 404
    link.refresh_from_db()
    assert link.active


def test_the_page_speaks_spanish(client, organization, link):
    signed_in(client, organization)
    client.post(reverse("set_language"), {"language": "es"})
    html = client.get(f"/touchpoints/{link.touchpoint_id}/collect/").content.decode()
    assert "Recoger valoraciones" in html and "Cartel para imprimir" in html and "Nuevo enlace de encuesta" in html
    assert "¿Cuál es su grado de satisfacción con" in html
