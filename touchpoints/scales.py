"""Rating scales: their integer range, the 0–100 satisfaction value and where
dissatisfaction starts (the table in DESIGN.md).

Plain Python, no Django: the Rating check constraint, the ingestion fast path,
the rollups' SQL and the demo all read the one definition here, so a score is
normalised and judged dissatisfied in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A rating scale: its integer range and where dissatisfaction starts.

    `dissatisfied_max` is the highest score that still counts as dissatisfied;
    `promoter_min` is set only where the scale has promoters (NPS).
    """

    code: str
    low: int
    high: int
    dissatisfied_max: int
    promoter_min: int | None = None

    def contains(self, score: int) -> bool:
        return self.low <= score <= self.high

    def normalise(self, score: int) -> float:
        """Map a score onto 0–100 satisfaction.

        >>> SCALES["csat5"].normalise(4)
        75.0
        >>> SCALES["nps11"].normalise(7)
        70.0
        """
        if not self.contains(score):
            raise ValueError(f"score {score} is outside the {self.code} scale {self.low}–{self.high}")
        return (score - self.low) / (self.high - self.low) * 100.0

    def is_dissatisfied(self, score: int) -> bool:
        return score <= self.dissatisfied_max

    def is_promoter(self, score: int) -> bool:
        return self.promoter_min is not None and score >= self.promoter_min


SCALES: dict[str, Scale] = {
    "csat5": Scale("csat5", 1, 5, dissatisfied_max=2),
    "stars5": Scale("stars5", 1, 5, dissatisfied_max=2),
    "nps11": Scale("nps11", 0, 10, dissatisfied_max=6, promoter_min=9),
    "ces7": Scale("ces7", 1, 7, dissatisfied_max=3),
    "thumbs2": Scale("thumbs2", 0, 1, dissatisfied_max=0),
}


def get_scale(code: str) -> Scale:
    try:
        return SCALES[code]
    except KeyError:
        raise ValueError(f"unknown scale {code!r}; expected one of {', '.join(SCALES)}") from None


def normalise(scale: str, score: int) -> float:
    return get_scale(scale).normalise(score)


def is_dissatisfied(scale: str, score: int) -> bool:
    return get_scale(scale).is_dissatisfied(score)


def has_promoters(scale: str) -> bool:
    """Whether ratings on this scale have promoters and detractors, and so an NPS.

    >>> has_promoters("nps11"), has_promoters("csat5"), has_promoters("nope")
    (True, False, False)
    """
    found = SCALES.get(scale)
    return found is not None and found.promoter_min is not None
