"""Template helpers of the review pages: shares as percentages, and a team lead's open items."""

from __future__ import annotations

from django import template

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
