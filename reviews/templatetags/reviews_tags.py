"""Template helpers of the review pages: shares as percentages, verbatims' scores and dates,
and a team lead's open items."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template

from touchpoints.scales import SCALES

from .. import selectors

register = template.Library()

# One way to show a share everywhere on the review pages and e-mails: a whole
# percentage with a non-breaking space before the sign ("55 %"), so it never wraps.
NBSP = "\u00a0"


@register.filter
def percent(share: float | None) -> str:
    """0.554 → '55 %' (the space is non-breaking); None → '–'.

    >>> percent(0.554)
    '55\\xa0%'
    >>> percent(None)
    '–'
    """
    if share is None:
        return "–"
    return f"{round(share * 100)}{NBSP}%"


@register.filter
def verdict(code: str) -> str:
    """The label of an effect's verdict ("improved" → "improved" / "mejoró"); the code if unknown."""
    from ..effects import EffectVerdict

    return str(EffectVerdict(code).label) if code in EffectVerdict.values else code


@register.filter
def scale_high(code: str) -> int | str:
    """The best score of a scale ('csat5' → 5), to show a verbatim's score as "1/5"; '' if unknown.

    >>> scale_high("nps11"), scale_high("nope")
    (10, '')
    """
    scale = SCALES.get(code)
    return scale.high if scale else ""


@register.filter
def one_line(value: str) -> str:
    """Runs of white space (line breaks too) as one space: a verbatim on one line of an e-mail.

    >>> one_line("Lost\\n\\n  my bag ")
    'Lost my bag'
    """
    return " ".join(str(value).split())


@register.filter
def in_zone(moment: str | dt.datetime | None, zone: str) -> dt.datetime | None:
    """An ISO timestamp (as insights store it) as the wall-clock time of that time zone (the
    cycle's), for `|date`; None for anything unreadable. Naive on purpose: `|date` would
    convert an aware value to the reader's time zone, and the week is the cycle's.

    >>> in_zone("2026-11-15T23:30:00+00:00", "Europe/Madrid").isoformat()
    '2026-11-16T00:30:00'
    """
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return None
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@register.inclusion_tag("reviews/_open_items.html", takes_context=True)
def review_open_items(context) -> dict:
    """The items still in progress in the cycles where the signed-in person reviews
    (team leads and above), theirs first. Renders nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    items, total = selectors.open_items_for_home(user=user)
    show = bool(total) or selectors.reviews_anywhere(user=user)
    return {"show": show, "items": items, "total": total, "user": user, "more": total - len(items),
            "several_cycles": len({item.cycle_id for item in items}) > 1}
