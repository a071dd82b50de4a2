"""Slack messages written from Momento's webhook events (a webhook marked Slack-compatible).

A Slack incoming webhook takes `{"text": …, "blocks": […]}` (Block Kit): `text` is the
plain fallback notifications show, the blocks what the channel shows. Built from the
stored event envelope, in the webhook's language, so every retry posts the same words.
Names come from the tenant's data and are escaped as Slack's mrkdwn asks (&, <, >).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from analytics.formatting import numbers
from analytics.models import AlertCloseReason, AlertSubject

from .models import ReviewStatus


def escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _site(path: str) -> str:
    return settings.MOMENTO_SITE_URL.rstrip("/") + path


def _share(figures: dict[str, Any]) -> str:
    fmt = numbers()
    share = figures.get("share")
    if share is None:
        return _("no ratings")
    return _("%(share)s dissatisfied (95%% interval %(interval)s), n = %(n)s") % {
        "share": fmt.percent(share), "interval": fmt.percent_range(figures["wilson_low"], figures["wilson_high"]),
        "n": fmt.count(figures["n"])}


def _subject_name(data: dict[str, Any]) -> str:
    moment = data.get("moment") or {}
    touchpoint = data.get("touchpoint")
    name = escape(moment.get("name", ""))
    if touchpoint:
        name += " › " + escape(touchpoint.get("name", ""))
    return f"*{name}*"


def _alert_text(event: str, data: dict[str, Any]) -> str:
    words = {"subject": _subject_name(data), "cycle": escape(data["cycle"]["name"])}
    if event == "alert.opened":
        kind = _("touchpoint") if data.get("subject") == AlertSubject.TOUCHPOINT else _("moment")
        return _(":rotating_light: Alert: the %(kind)s %(subject)s (%(cycle)s) is critical over the last 7 days: "
                 "%(figures)s.") % {**words, "kind": kind, "figures": _share(data["figures"])}
    reason = data.get("close_reason") or ""
    label = str(AlertCloseReason(reason).label) if reason in AlertCloseReason.values else reason
    return _(":white_check_mark: Alert closed: %(subject)s (%(cycle)s): %(reason)s. Last 7 days: %(figures)s.") % {
        **words, "reason": label, "figures": _share(data["latest"])}


def _review_text(event: str, data: dict[str, Any]) -> str:
    words = {"subject": _subject_name(data), "cycle": escape(data["cycle"]["name"]), "week": data.get("week", "")}
    if event == "review_item.opened":
        return _(":clipboard: Weekly review %(week)s: %(subject)s (%(cycle)s) is critical: %(figures)s.") % {
            **words, "figures": _share(data["figures"])}
    status = data.get("status") or ""
    label = str(ReviewStatus(status).label) if status in ReviewStatus.values else status
    return _(":clipboard: Weekly review %(week)s: %(subject)s (%(cycle)s) is now “%(status)s”.") % {
        **words, "status": label}


def slack_message(envelope: dict[str, Any], *, language: str) -> dict[str, Any]:
    """`{"text", "blocks"}` for one event, in `language`."""
    event = envelope.get("event", "")
    data = envelope.get("data") or {}
    with translation.override(language):
        text = _alert_text(event, data) if event.startswith("alert.") else _review_text(event, data)
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        if data.get("url"):
            blocks.append({"type": "actions", "elements": [{
                "type": "button", "text": {"type": "plain_text", "text": _("Open in Momento")},
                "url": _site(data["url"])}]})
    return {"text": text, "blocks": blocks}
