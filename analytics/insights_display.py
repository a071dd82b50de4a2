"""What the dashboard shows of each critical moment's insights (snapshot JSON → page).

The snapshot keeps codes, figures and customers' own words; here they get the
active language's numbers, the cycle's local time and the link to the comments
behind them. Comments stay plain text: the template escapes them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any, TypedDict
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from touchpoints.scales import SCALES

from . import insights
from .formatting import numbers


class ShownTerm(TypedDict):
    term: str
    title: str


class ShownExample(TypedDict):
    comment: str
    truncated: bool
    score: str
    touchpoint: str
    day: dt.date  # in the cycle's time zone


class ShownInsights(TypedDict):
    state: str
    comments: int
    terms: list[ShownTerm]
    example: ShownExample | None
    comments_url: str
    counted: bool  # whether `comments` counts exactly what the link lists


def term_title(documents: int, z: float) -> str:
    """ "in 30 comments · z = 5.3", in the active language."""
    fmt = numbers()
    return ngettext("in %(documents)s comment · z = %(z)s", "in %(documents)s comments · z = %(z)s",
                    documents) % {"documents": fmt.count(documents), "z": fmt.decimal_number(z, 1)}


def score_text(score: int, scale: str) -> str:
    """ "score 1/5" (the scale's top after the slash)."""
    known = SCALES.get(scale)
    if known is None:
        return _("score %(score)s") % {"score": score}
    return _("score %(score)s/%(high)s") % {"score": score, "high": known.high}


def example_shown(example: Mapping[str, Any], zone: zoneinfo.ZoneInfo) -> ShownExample:
    """A verbatim as pages and the report show it: its score on its scale, its local day."""
    return {"comment": example["comment"], "truncated": bool(example.get("truncated")),
            "score": score_text(example["score"], example["scale"]), "touchpoint": example["touchpoint"],
            "day": dt.datetime.fromisoformat(example["occurred_at"]).astimezone(zone).date()}


def comments_url(cycle_id: int, **params: str) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("analytics:comments", args=[cycle_id]) + (f"?{query}" if query else "")


def critical_moment_insights(item: Mapping[str, Any], *, cycle_id: int, timezone: str,
                             period_params: Mapping[str, str]) -> ShownInsights | None:
    """The chips, the first verbatim and the link of one critical moment (None
    when the snapshot has no insights). The link lists the item's scope: the
    moment when it is critical, else its one critical touchpoint; several
    critical touchpoints link to the whole moment, whose count is not known here."""
    found = item.get("insights")
    if not found:
        return None
    touchpoints = item["critical_touchpoints"]
    single = not item["moment_critical"] and len(touchpoints) == 1
    url = comments_url(cycle_id, moment=str(item["moment_id"]),
                       touchpoint=str(touchpoints[0]["id"]) if single else "", **period_params)
    terms: list[ShownTerm] = [{"term": term["term"], "title": term_title(term["documents"], term["z"])}
                              for term in found["terms"]]
    examples = found["examples"]
    return {
        "state": found["state"], "comments": found["comments"], "terms": terms,
        "example": example_shown(examples[0], zoneinfo.ZoneInfo(timezone)) if examples else None,
        "comments_url": url,
        "counted": found["state"] != insights.STATE_OFF and (item["moment_critical"] or single),
    }
