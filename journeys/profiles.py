"""A person's own choices (the language Momento writes to them in), and the
organization's choices about alerts: who is told, and when nothing is sent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from momento.services import model_update

from .models import Organization, Profile


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def profile_language_set(*, user: User, language: str) -> Profile:
    """Choose the language of one's e-mails (alerts, the weekly digest) and pages."""
    if language not in language_codes():
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    profile, created = Profile.objects.select_for_update().get_or_create(user=user, defaults={"language": language})
    if not created and profile.language != language:
        profile.language = language
        profile.save(update_fields=["language", "updated_at"])
    return profile


def user_language(*, user: User) -> str:
    """The language the person chose, or the site's default when they never did."""
    return user_languages(user_ids=[user.pk]).get(user.pk, settings.LANGUAGE_CODE)


def user_languages(*, user_ids: Iterable[int]) -> dict[int, str]:
    """User id → language for each of these people (one query; the default for those who never chose)."""
    ids = list(user_ids)
    chosen = dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "language"))
    return {user_id: chosen.get(user_id, settings.LANGUAGE_CODE) for user_id in ids}


ORGANIZATION_ALERT_FIELDS = ["alert_recipients", "quiet_hours_start", "quiet_hours_end", "quiet_hours_timezone"]


def organization_alert_settings_update(*, organization: Organization, **fields: Any) -> Organization:
    """Who is e-mailed when an alert opens or closes, and the quiet hours (both ends, or
    neither; an end before the start spans midnight, in their own time zone)."""
    start = fields.get("quiet_hours_start", organization.quiet_hours_start)
    end = fields.get("quiet_hours_end", organization.quiet_hours_end)
    if (start is None) != (end is None):
        raise ValidationError({"quiet_hours_start" if start is None else "quiet_hours_end": _(
            "Give both ends of the quiet hours, or neither.")})
    if start is not None and start == end:
        raise ValidationError({"quiet_hours_end": _("Quiet hours must end at another time than they start.")})
    organization, _changed = model_update(instance=organization, fields=ORGANIZATION_ALERT_FIELDS, data=fields)
    return organization
