"""Spanish and English: the switcher, complete catalogues, localised numbers."""

import os
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from journeys import editor_state
from tests.factories import MomentFactory, ServiceCycleFactory

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entries(domain):
    po = polib.pofile(str(LOCALE / f"{domain}.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {domain}.po: {untranslated}"
    assert not fuzzy, f"fuzzy in {domain}.po: {fuzzy}"
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogue_matches_the_po_file(domain):
    """The .mo is committed (no gettext needed to run); it must not lag the .po."""
    po = polib.pofile(str(LOCALE / f"{domain}.po"))
    mo = polib.mofile(str(LOCALE / f"{domain}.mo"))
    # Keyed by context too: "Admin" is both the admin site's link and, as a role, a person.
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo}
    stale = [entry.msgid for entry in po.translated_entries()
             if not entry.msgid_plural and compiled.get((entry.msgctxt, entry.msgid)) != entry.msgstr]
    assert not stale, f"{domain}.mo is out of date; run compilemessages: {stale[:5]}"


@pytest.mark.django_db
def test_switching_to_spanish_shows_spanish_labels(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization, name="Aerolínea")
    MomentFactory(cycle=cycle, name="Facturación")
    client.force_login(member)
    english = client.get(reverse("journeys:cycle_list")).content.decode()
    assert "Service cycles" in english and "Create cycle" in english
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("journeys:cycle_list")})
    assert response.status_code == 302
    spanish = client.get(reverse("journeys:cycle_list")).content.decode()
    assert '<html lang="es">' in spanish
    for label in ("Ciclos de servicio", "Crear ciclo", "Valoraciones, últimos 7 días", "Duplicar", "Archivar"):
        assert label in spanish
    editor = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    for label in ("Añadir momento", "Mover Facturación a la izquierda", "¿Eliminar este momento?",
                  "Humano o digital", "En persona", "SMOT · segundo momento (al usarlo)"):
        assert label in editor


@pytest.mark.django_db
def test_editor_messages_are_translated(client, organization, member):
    cycle = ServiceCycleFactory(organization=organization)
    client.force_login(member)
    response = client.post(reverse("journeys:editor_moment_create", args=[cycle.pk]), data='{"name": ""}',
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["errors"]["name"] == ["Ponle un nombre al momento."]


@pytest.mark.django_db
def test_javascript_catalogue_is_served_in_spanish(client):
    with translation.override("es"):
        response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="es")
    assert "No se ha podido guardar el cambio." in response.content.decode()


@pytest.mark.django_db
def test_dissatisfied_share_is_coloured_and_localised(client, organization, member, monkeypatch):
    cycle = ServiceCycleFactory(organization=organization)
    worst = MomentFactory(cycle=cycle, name="Baggage claim")
    fine = MomentFactory(cycle=cycle, name="Flight")
    MomentFactory(cycle=cycle, name="Arrival")
    monkeypatch.setattr(editor_state, "moment_lane_figures", lambda *, cycle: {
        worst.pk: {"dissatisfied_share": 0.425}, fine.pk: {"dissatisfied_share": 0.05}})
    client.force_login(member)
    english = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert "42.5 % dissatisfied" in english and "5.0 % dissatisfied" in english
    assert f'class="moment-card share-bad" id="moment-{worst.pk}"' in english
    assert f'class="moment-card share-good" id="moment-{fine.pk}"' in english
    assert "No dissatisfaction data yet" in english
    client.post(reverse("set_language"), {"language": "es"})
    spanish = client.get(reverse("journeys:cycle_detail", args=[cycle.pk])).content.decode()
    assert "42,5 % insatisfechos" in spanish


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_marked_in_the_code_is_in_the_spanish_catalogue(domain, tmp_path):
    """makemessages over a copy of the sources finds nothing the committed catalogue lacks."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import skip_or_fail

    if not shutil.which("xgettext"):
        skip_or_fail("needs GNU gettext's xgettext (apt-get install gettext)")
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(
        ".*", "media", "staticfiles", "screenshots", "__pycache__", "*.sqlite3*", "node_modules", "vendor"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "-d", domain, "--no-obsolete", "--verbosity=0"],
        cwd=copy, check=True, capture_output=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "momento.settings"},
    )
    fresh = polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"))
    committed = {entry.msgid for entry in polib.pofile(str(LOCALE / f"{domain}.po")).translated_entries()}
    missing = sorted({entry.msgid for entry in fresh if not entry.obsolete} - committed)
    assert fresh.translated_entries(), "makemessages found no strings at all"
    assert not missing, f"run `manage.py makemessages -l es` and translate: {missing[:10]}"


def test_dates_are_written_the_spanish_way_in_spanish(client, organization):
    import datetime as dt

    from journeys.models import ApiToken
    from journeys.tokens import api_token_create
    from tests.factories import MembershipFactory

    token, _secret = api_token_create(organization=organization, name="Encuestas", scopes=["read"], created_by=None)
    ApiToken.objects.filter(pk=token.pk).update(created_at=dt.datetime(2026, 11, 3, 14, 5, tzinfo=dt.UTC))
    client.force_login(MembershipFactory(organization=organization, role="admin").user)
    url = reverse("touchpoints:tokens", args=[organization.pk])
    english = client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "es"})
    spanish = client.get(url).content.decode()
    assert "11/03/2026" in english and "03/11/2026" not in english
    assert "03/11/2026" in spanish


def test_every_role_label_reads_as_a_role_in_spanish():
    """The admin role is a person ("Administrador"), not the admin site ("Administración"),
    which shares the English word "Admin"."""
    from journeys.models import Membership

    with translation.override("es"):
        labels = {value: str(label) for value, label in Membership.Role.choices}
        site_link = translation.gettext("Admin")
    assert labels == {"admin": "Administrador", "cx_manager": "Responsable de CX", "team_lead": "Jefe de equipo",
                      "viewer": "Lector"}
    assert site_link == "Administración"
