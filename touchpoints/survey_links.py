"""Survey links: create, change and end them; their public addresses, snippets and
per-recipient links.

A CX manager makes any number of links per touchpoint (a poster, a kiosk, an
e-mail campaign), each with its question in Spanish and English (empty: the
default for the touchpoint and its scale), an optional segment that every
rating through it carries, an active flag and an optional end. The public page
(`touchpoints.survey_views`) takes ratings only while the link is open.

Per-recipient links (`/s/<token>/r/<signed>/`) carry a reference the sender
chose for the recipient (a ticket number, a customer id), signed with
django.core.signing under a salt bound to the link, so the reference cannot be
changed nor moved to another link. The rating it sends is keyed by a keyed hash
of link and reference (`recipient_external_id`): a second answer of the same
recipient is a replay, stored once. The reference itself is not stored with the
rating; it travels in `SurveyAnswer.recipient` up to the ingestion call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.translation import gettext as _

from momento.services import model_update

from .models import Segment, SurveyLink, Touchpoint
from .survey_texts import question_text, scale_options

RECIPIENT_MAX_LENGTH = 200
MAX_RECIPIENTS = 1000
_RECIPIENT_SALT = "momento.survey.recipient"
_RECIPIENT_KEY_SALT = "momento.survey.recipient-key"

SURVEY_LINK_FIELDS = ("name", "question_es", "question_en", "comment_enabled", "comment_prompt_es",
                      "comment_prompt_en", "kiosk_comment", "segment", "one_per_device", "active", "ends_at")


# --- Services ------------------------------------------------------------------------


def _check(*, touchpoint: Touchpoint, fields: dict[str, Any], now: dt.datetime) -> None:
    segment = fields.get("segment")
    if segment is not None and (not isinstance(segment, Segment) or segment.organization_id != touchpoint.organization_id):
        raise ValidationError({"segment": _("Choose a segment of this organization.")})
    ends_at = fields.get("ends_at")
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": _("The end must be in the future (or leave it empty).")})
    for name in ("name", "question_es", "question_en", "comment_prompt_es", "comment_prompt_en"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()


@transaction.atomic
def survey_link_create(*, touchpoint: Touchpoint, created_by=None, **fields: Any) -> SurveyLink:
    """A new open link for `touchpoint` (its organization's); unknown fields are refused."""
    unknown = sorted(set(fields) - set(SURVEY_LINK_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    _check(touchpoint=touchpoint, fields=fields, now=timezone.now())
    link = SurveyLink(organization_id=touchpoint.organization_id, touchpoint=touchpoint, created_by=created_by,
                      **fields)
    link.full_clean(exclude=["organization", "touchpoint", "created_by", "segment"], validate_constraints=False)
    link.save()
    return link


@transaction.atomic
def survey_link_update(*, link: SurveyLink, **fields: Any) -> SurveyLink:
    """Change a link's texts, segment, flags or end (the row locked, only those fields written).

    Its token and touchpoint never change: printed QR codes and sent e-mails
    keep pointing at the same touchpoint.
    """
    _check(touchpoint=link.touchpoint, fields=fields, now=timezone.now())
    link, _changed = model_update(instance=link, fields=SURVEY_LINK_FIELDS, data=fields,
                                  clean_exclude=["organization", "touchpoint", "created_by", "segment"])
    return link


def survey_link_deactivate(*, link: SurveyLink) -> SurveyLink:
    """Close the link: its page, QR codes and e-mail buttons answer 404 from now on. Its ratings stay."""
    return survey_link_update(link=link, active=False)


# --- Addresses ---------------------------------------------------------------------------


def site_url(path: str) -> str:
    return f"{settings.MOMENTO_SITE_URL.rstrip('/')}{path}"


@dataclass(frozen=True)
class SurveyLinkUrls:
    url: str
    kiosk_url: str
    embed_url: str
    print_url: str
    qr_png_url: str
    qr_svg_url: str
    widget_script_url: str


def survey_link_urls(link: SurveyLink) -> SurveyLinkUrls:
    def named(name: str) -> str:
        return site_url(reverse(f"touchpoints:{name}", args=[link.token]))

    return SurveyLinkUrls(
        url=named("survey"), kiosk_url=named("survey_kiosk"), embed_url=named("survey_embed"),
        print_url=named("survey_print"), qr_png_url=named("survey_qr_png"), qr_svg_url=named("survey_qr_svg"),
        widget_script_url=widget_script_url(),
    )


def widget_script_url() -> str:
    # Unhashed on purpose: other sites keep this address for years (WhiteNoise serves it as well
    # as the hashed copy, with Access-Control-Allow-Origin: * as a module script needs).
    static = settings.STATIC_URL or "/static/"
    if static.startswith(("http://", "https://")):
        return f"{static.rstrip('/')}/js/survey_widget.js"
    return site_url("/" + static.strip("/") + "/js/survey_widget.js")


def embed_html(link: SurveyLink, *, language: str | None = None) -> str:
    """The snippet for a web page: the survey in an iframe (works on its own), and the
    widget script, which makes the frame as tall as the survey inside it."""
    urls = survey_link_urls(link)
    title = question_text(link, language=language)
    source = urls.embed_url + (f"?{urlencode({'lang': language})}" if language else "")
    return format_html(
        '<iframe src="{}" title="{}" data-momento-survey width="100%" height="420" loading="lazy"></iframe>\n'
        '<script type="module" src="{}"></script>', source, title, urls.widget_script_url,
    )


def email_buttons_html(link: SurveyLink, *, language: str, recipient: str | None = None) -> str:
    """A row of score buttons for an e-mail, each a link that opens the page with that score
    chosen (a GET writes nothing; the page asks for one tap to confirm)."""
    base = recipient_url(link, recipient) if recipient is not None else survey_link_urls(link).url
    with translation.override(language):
        options = [{"option": option, "href": f"{base}?{urlencode({'score': option.score, 'lang': language})}"}
                   for option in scale_options(link.touchpoint.scale)]
        return render_to_string("touchpoints/email/survey_buttons.html", {
            "question": question_text(link), "options": options, "scale": link.touchpoint.scale,
        }).strip()


# --- Per-recipient links -------------------------------------------------------------------


def _recipient_signer(link: SurveyLink) -> signing.Signer:
    # Bound to the link: a recipient part copied onto another link's address does not verify.
    return signing.Signer(salt=f"{_RECIPIENT_SALT}.{link.pk}")


def recipient_clean(recipient: Any) -> str:
    """A recipient reference as given by the sender, or ValidationError."""
    if not isinstance(recipient, str) or not recipient.strip():
        raise ValidationError(_("Give each recipient a reference (a ticket number, a customer id…)."))
    recipient = recipient.strip()
    if len(recipient) > RECIPIENT_MAX_LENGTH:
        raise ValidationError(_("A recipient reference has at most %(max)s characters.") % {"max": RECIPIENT_MAX_LENGTH})
    if any(ord(character) < 32 for character in recipient):
        raise ValidationError(_("A recipient reference cannot hold control characters."))
    return recipient


def recipient_signed(link: SurveyLink, recipient: str) -> str:
    return _recipient_signer(link).sign_object(recipient_clean(recipient), compress=True)


def recipient_from_signed(link: SurveyLink, signed: str) -> str | None:
    """The recipient reference a signed part carries, or None when it was changed or belongs elsewhere."""
    try:
        recipient = _recipient_signer(link).unsign_object(signed)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    return recipient if isinstance(recipient, str) else None


def recipient_url(link: SurveyLink, recipient: str) -> str:
    return site_url(reverse("touchpoints:survey_recipient", args=[link.token, recipient_signed(link, recipient)]))


def recipient_external_id(link: SurveyLink, recipient: str) -> str:
    """The rating key of this recipient's answer through this link: a keyed hash, so the
    key neither shows the reference nor can be guessed from it without the server's key."""
    digest = salted_hmac(_RECIPIENT_KEY_SALT, f"{link.pk}\0{recipient}", algorithm="sha256").hexdigest()
    return f"survey-{link.pk}-{digest[:40]}"
