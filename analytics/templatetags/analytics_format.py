"""Template filters for the dashboard's figures, one way everywhere:
`{{ share|percent }}` → "43%" / "43 %", `{{ n|count }}` → "1,802" / "1 802",
`{{ cell|interval }}` → "35–51%", `{{ cell.nps|signed }}` → "+32"."""

from __future__ import annotations

from django import template

from ..formatting import numbers
from ..labels import trend_label

register = template.Library()


@register.filter
def percent(share):
    return numbers().percent(share)


@register.filter
def count(value):
    return numbers().count(value)


@register.filter
def interval(figures):
    """The Wilson 95 % interval of a cell or total (a dict with low and high)."""
    return numbers().percent_range(figures["low"], figures["high"])


@register.filter
def signed(value):
    """A Net Promoter Score with its sign: "+32", "−5"."""
    return numbers().signed(value)


@register.filter
def trend(code):
    return trend_label(code)


@register.filter
def points(difference):
    """A difference of shares in percentage points, signed: "+23 pts" / "+23 p. p."."""
    return numbers().signed_points(difference)


@register.filter
def points_interval(figures):
    """A difference's 95 % interval (a dict with low and high): "+8 … +31 pts"."""
    fmt = numbers()
    return f"{fmt.signed_points(figures['low'])} … {fmt.signed_points(figures['high'])}"
