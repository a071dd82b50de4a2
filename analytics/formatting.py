"""Numbers as the active language writes them: counts with thousands separators,
shares as percentages ("43%" in English, "43 %" in Spanish).

One formatter per language, built once: the dashboard formats a few hundred
cells per page, and Django's `number_format` per value cost several times more.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.utils.formats import get_format
from django.utils.translation import get_language, pgettext


@dataclass(frozen=True)
class NumberFormat:
    decimal: str
    thousands: str
    percent_pattern: str  # "%(number)s%%" or "%(number)s\u00a0%%"
    points_pattern: str = "%(number)s pts"  # a difference of shares, in percentage points

    def _grouped(self, text: str) -> str:
        # Python writes "1,234.5"; swap in the language's separators (replace
        # runs in C; str.translate with a mapping cost 5 ms a dashboard).
        return text.replace(",", "\x00").replace(".", self.decimal).replace("\x00", self.thousands)

    def count(self, value: float | None) -> str:
        if value is None:
            return ""
        value = round(value)
        return str(value) if -1000 < value < 1000 else self._grouped(f"{value:,}")

    def decimal_number(self, value: float | None, places: int = 1) -> str:
        if value is None:
            return ""
        if -1000 < value < 1000:
            return f"{value:.{places}f}".replace(".", self.decimal)
        return self._grouped(f"{value:,.{places}f}")

    def number(self, share: float | None) -> str:
        """A share as the number of its percentage, without the sign ("43")."""
        if share is None:
            return ""
        return f"{share * 100:.0f}" if -10 < share < 10 else self._grouped(f"{share * 100:,.0f}")

    def percent(self, share: float | None) -> str:
        """A share (0–1) as a whole percentage: "43%" / "43 %"."""
        if share is None:
            return ""
        return self.percent_pattern % {"number": self.number(share)}

    def signed(self, value: float | None) -> str:
        """A Net Promoter Score as written: a whole number with its sign, "+32",
        "−5" (a true minus sign), "0"; "" for None."""
        if value is None:
            return ""
        rounded = round(value)
        if rounded == 0:
            return "0"
        return f"+{rounded}" if rounded > 0 else f"\u2212{-rounded}"
    def signed_points(self, difference: float | None) -> str:
        """A difference of two shares in percentage points, signed: "+23 pts" / "−4 p. p."."""
        if difference is None:
            return ""
        number = f"{difference * 100:+.0f}".replace("-", "\u2212")
        return self.points_pattern % {"number": "0" if number in ("+0", "\u22120") else number}

    def percent_range(self, low: float, high: float) -> str:
        """An interval of shares: "35–51%" / "35–51 %"."""
        return self.percent_pattern % {"number": f"{self.number(low)}–{self.number(high)}"}


@lru_cache(maxsize=16)
def _number_format(language: str | None) -> NumberFormat:
    return NumberFormat(
        decimal=str(get_format("DECIMAL_SEPARATOR")),
        thousands=str(get_format("THOUSAND_SEPARATOR")),
        # Translators: how a percentage is written; Spanish puts a no-break space before the sign.
        percent_pattern=pgettext("percentage", "%(number)s%%"),
        # Translators: a difference of two percentages, in percentage points ("+12 pts").
        points_pattern=pgettext("percentage points", "%(number)s pts"),
    )


def numbers() -> NumberFormat:
    """The formatter of the active language."""
    return _number_format(get_language())
