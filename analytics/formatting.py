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

    def _localise(self, text: str) -> str:
        # Python writes "1,234.5"; swap in the language's separators.
        return text.translate({ord(","): self.thousands, ord("."): self.decimal})

    def count(self, value: float | None) -> str:
        if value is None:
            return ""
        return self._localise(f"{round(value):,}")

    def decimal_number(self, value: float | None, places: int = 1) -> str:
        if value is None:
            return ""
        return self._localise(f"{value:,.{places}f}")

    def number(self, share: float | None) -> str:
        """A share as the number of its percentage, without the sign ("43")."""
        if share is None:
            return ""
        return self._localise(f"{share * 100:,.0f}")

    def percent(self, share: float | None) -> str:
        """A share (0–1) as a whole percentage: "43%" / "43 %"."""
        if share is None:
            return ""
        return self.percent_pattern % {"number": self.number(share)}

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
    )


def numbers() -> NumberFormat:
    """The formatter of the active language."""
    return _number_format(get_language())
