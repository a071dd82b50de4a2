"""Pure statistics for critical moments of truth.

Everything here is a plain function of numbers: no models, no database, no
Django and no other app (an import-linter contract keeps it so). Rating scales
belong to the touchpoints (`touchpoints.scales`); the functions here take the
counts those scales produce.
"""

from __future__ import annotations

import math

# z for a two-sided 95 % interval / test.
Z_95 = 1.959963984540054


# --- Proportions -------------------------------------------------------------


def wilson_interval(dissatisfied: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for the share d/n (95 % by default).

    With no observations the share is unknown: the interval is the whole [0, 1].

    >>> tuple(round(x, 4) for x in wilson_interval(5, 20))
    (0.1119, 0.4687)
    """
    if n < 0 or dissatisfied < 0 or dissatisfied > n:
        raise ValueError("need 0 <= dissatisfied <= n")
    if n == 0:
        return (0.0, 1.0)
    p = dissatisfied / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Mathematically low ≤ p ≤ high; in floating point d = 0 (or d = n) with a
    # large n left the bound a hair beyond p (e.g. 4e-22 for 0 of 10⁶), which
    # made a moment with no unhappy customer rank above zero severity.
    return (min(p, max(0.0, centre - margin)), max(p, min(1.0, centre + margin)))


def newcombe_difference_interval(d1: int, n1: int, d2: int, n2: int, z: float = Z_95
                                 ) -> tuple[float, float, float]:
    """The difference of two independent shares d1/n1 − d2/n2 with Newcombe's hybrid
    score interval (95 % by default): Newcombe (1998), "Interval estimation for the
    difference between independent proportions: comparison of eleven methods",
    Statistics in Medicine 17, 873–890, method 10. Returns (difference, low, high).

    Each share gets its Wilson interval (l1, u1), (l2, u2); with θ = p1 − p2,
    low  = θ − √((p1 − l1)² + (u2 − p2)²),  high = θ + √((u1 − p1)² + (p2 − l2)²).
    Unlike the Wald interval it stays inside [−1, 1] and is sensible at 0 or n.
    Newcombe's worked example (a), 56/70 − 48/80, and (h), 10/10 − 0/10:

    >>> tuple(round(x, 4) for x in newcombe_difference_interval(56, 70, 48, 80))
    (0.2, 0.0524, 0.3339)
    >>> tuple(round(x, 4) for x in newcombe_difference_interval(10, 10, 0, 10))
    (1.0, 0.6075, 1.0)
    """
    if n1 <= 0 or n2 <= 0:
        raise ValueError("need at least one observation in each group")
    p1, p2 = d1 / n1, d2 / n2
    low1, high1 = wilson_interval(d1, n1, z)
    low2, high2 = wilson_interval(d2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    # As for Wilson's bounds: keep the interval around the estimate and inside [−1, 1].
    return difference, max(-1.0, min(low, difference)), min(1.0, max(high, difference))


def is_critical(dissatisfied: int, n: int, *, min_sample: int = 20, critical_share: float = 0.25) -> bool:
    """Critical when the sample is big enough and even the pessimistic (lower)
    Wilson bound of the dissatisfied share reaches `critical_share`."""
    if n < min_sample or n == 0:
        return False
    return wilson_interval(dissatisfied, n)[0] >= critical_share


def two_proportion_z(d1: int, n1: int, d2: int, n2: int) -> float:
    """z statistic for p2 − p1 with the pooled standard error (0 when undefined).

    Period 1 is the earlier one, so a positive z means the share rose.
    """
    if n1 == 0 or n2 == 0:
        return 0.0
    pooled = (d1 + d2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance == 0:
        return 0.0
    return (d2 / n2 - d1 / n1) / math.sqrt(variance)


def is_worsening(previous_d: int, previous_n: int, current_d: int, current_n: int, z: float = Z_95) -> bool:
    """The dissatisfied share rose against the previous period, significantly
    at 95 % (two-sided two-proportion z-test)."""
    return two_proportion_z(previous_d, previous_n, current_d, current_n) >= z


# What a comparison with the period before can say (see `trend`).
TREND_WORSENING = "worsening"
TREND_IMPROVING = "improving"
TREND_STEADY = "steady"
TREND_NO_EARLIER_DATA = "no_earlier_data"


def trend(previous_d: int, previous_n: int, current_d: int, current_n: int, *, min_sample: int,
          z: float = Z_95) -> str:
    """How the dissatisfied share moved against the previous period.

    "worsening" / "improving" when a two-sided two-proportion z-test at 95 %
    says the share rose / fell; "steady" when it cannot tell. When either
    period has fewer than `min_sample` ratings there is nothing to compare
    with, and calling that "steady" would claim a stability nobody measured:
    the answer is "no_earlier_data".

    >>> trend(10, 100, 30, 100, min_sample=20)
    'worsening'
    >>> trend(30, 100, 10, 100, min_sample=20)
    'improving'
    >>> trend(20, 100, 22, 100, min_sample=20)
    'steady'
    >>> trend(3, 5, 30, 100, min_sample=20)
    'no_earlier_data'
    """
    if previous_n < max(min_sample, 1) or current_n < max(min_sample, 1):
        return TREND_NO_EARLIER_DATA
    statistic = two_proportion_z(previous_d, previous_n, current_d, current_n)
    if statistic >= z:
        return TREND_WORSENING
    if statistic <= -z:
        return TREND_IMPROVING
    return TREND_STEADY


def worsening_flag(trend_code: str) -> bool | None:
    """The API's `worsening`: True/False, or None when there was nothing to compare with."""
    if trend_code == TREND_NO_EARLIER_DATA:
        return None
    return trend_code == TREND_WORSENING


def severity(dissatisfied: int, n: int) -> float:
    """Ordering key: Wilson lower bound × n, so many unhappy customers outrank a few."""
    if n == 0:
        return 0.0
    return wilson_interval(dissatisfied, n)[0] * n


def word_of_mouth_reach(dissatisfied: int, *, share_telling: float = 0.13, people_told: int = 15) -> float:
    """Estimated people who hear of the bad experience: d × share who tell × people told.

    Seed defaults: 13 % of unhappy customers tell 15 or more people.

    >>> word_of_mouth_reach(100)
    195.0
    """
    return dissatisfied * share_telling * people_told


def social_venting(dissatisfied: int, *, share_venting: float = 0.42) -> float:
    """Estimated dissatisfied customers who vent on social media (seed: 42 %)."""
    return dissatisfied * share_venting


def first_contact_resolution_rate(resolved: int, asked: int) -> float | None:
    """Share of contacts resolved first time among those where it was asked."""
    if asked == 0:
        return None
    return resolved / asked


# --- Words that set one group of comments apart -------------------------------------


def log_odds_z(focus: float, focus_total: float, rest: float, rest_total: float, *,
               prior: float, prior_total: float) -> float:
    """z-score of the log-odds ratio of a word between two corpora, with an
    informative Dirichlet prior: Monroe, Colaresi & Quinn (2008), "Fightin'
    Words: Lexical Feature Selection and Evaluation for Identifying the Content
    of Political Conflict", Political Analysis 16(4), eqs. 16, 18 and 20.

    `focus` / `rest`: the word's count in each corpus, of `focus_total` /
    `rest_total` words; `prior` (α_w) the word's pseudo-count and `prior_total`
    (α₀) their sum, usually the word's count in a background corpus and that
    corpus' size. Positive when the focus uses the word more. The prior shrinks
    rare words toward the background, so a word seen twice does not outrank
    one seen two hundred times.

    δ = log[(y_f + α_w) / (n_f + α₀ − y_f − α_w)] − log[(y_r + α_w) / (n_r + α₀ − y_r − α_w)]
    σ² ≈ 1 / (y_f + α_w) + 1 / (y_r + α_w),  z = δ / σ

    A phrase in 150 of 3,000 words of the focus and 5 of 90,000 elsewhere
    (background: 155 of 100,000): δ = log(305/102695) − log(160/189840) = 1.2604,
    σ = √(1/305 + 1/160) = 0.09768, z = 12.90. A word used at the same rate
    (1 %) in both is not distinctive:

    >>> round(log_odds_z(150, 3000, 5, 90000, prior=155, prior_total=100000), 2)
    12.9
    >>> round(log_odds_z(30, 3000, 900, 90000, prior=1000, prior_total=100000), 6)
    0.0
    """
    if prior <= 0 or prior_total <= prior:
        raise ValueError("need 0 < prior < prior_total")
    if not (0 <= focus <= focus_total and 0 <= rest <= rest_total):
        raise ValueError("need 0 <= count <= total in each corpus")
    focus_odds = (focus + prior) / (focus_total + prior_total - focus - prior)
    rest_odds = (rest + prior) / (rest_total + prior_total - rest - prior)
    delta = math.log(focus_odds) - math.log(rest_odds)
    return delta / math.sqrt(1 / (focus + prior) + 1 / (rest + prior))
