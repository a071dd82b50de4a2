"""Pure statistics for critical moments of truth.

Everything here is a plain function of numbers: no models, no database, no
Django and no other app (an import-linter contract keeps it so). Rating scales
belong to the touchpoints (`touchpoints.scales`); the functions here take the
counts those scales produce.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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


# --- Did the fix work? NPS with its margin of error (issue 16, items 4 and 5) -------
#
# Kept together, apart from the alerts' statistics (issue 16, items 1–3), which
# live in their own section.

# What the effect of a review item's fix says (`effect_verdict`).
EFFECT_IMPROVED = "improved"
EFFECT_NO_CHANGE = "no_change"
EFFECT_WORSE = "worse"
EFFECT_TOO_EARLY = "too_early"
EFFECT_VERDICTS = (EFFECT_IMPROVED, EFFECT_NO_CHANGE, EFFECT_WORSE, EFFECT_TOO_EARLY)


def two_sided_p(statistic: float) -> float:
    """Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z|/√2).

    At z = ±1.959964 it is 0.05, the edge of significance at 95 %.

    >>> round(two_sided_p(Z_95), 6), two_sided_p(0.0)
    (0.05, 1.0)
    """
    return math.erfc(abs(statistic) / math.sqrt(2))


def effect_verdict(statistic: float, *, after_n: int, min_sample: int, z: float = Z_95) -> str:
    """What a fix did to the dissatisfied share, from the two-proportion z
    statistic of after against before (`two_proportion_z(before…, after…)`,
    positive when the share rose).

    "too_early" while fewer than `min_sample` ratings (at least one) came
    after the fix, whatever the statistic says; then "improved" when the share
    is significantly lower at 95 % (z ≤ −1.96, two-sided p ≤ 0.05), "worse"
    when significantly higher (z ≥ 1.96), else "no_change". The edge belongs
    to significance, as in `trend`.

    43 % of 200 dissatisfied before, 21 % of 100 after: pooled share 107/300,
    se = √(0.35667 · 0.64333 · (1/200 + 1/100)) = 0.05867, z = −0.22/0.05867 = −3.75:

    >>> statistic = two_proportion_z(86, 200, 21, 100)
    >>> round(statistic, 2), effect_verdict(statistic, after_n=100, min_sample=20)
    (-3.75, 'improved')
    >>> effect_verdict(statistic, after_n=19, min_sample=20)
    'too_early'
    >>> effect_verdict(-Z_95, after_n=20, min_sample=20), effect_verdict(1.5, after_n=20, min_sample=20)
    ('improved', 'no_change')
    """
    if after_n < max(min_sample, 1):
        return EFFECT_TOO_EARLY
    if statistic <= -z:
        return EFFECT_IMPROVED
    if statistic >= z:
        return EFFECT_WORSE
    return EFFECT_NO_CHANGE


# Rocks (2016) computes the NPS interval with z = 1.96, as the issue gives it.
NPS_Z = 1.96


def _nps_counts_check(promoters: int, detractors: int, n: int) -> None:
    if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValueError("need 0 <= promoters, detractors and promoters + detractors <= n")


def net_promoter_score(promoters: int, detractors: int, n: int) -> float | None:
    """NPS: % promoters − % detractors, from −100 to +100; None without ratings.

    >>> net_promoter_score(50, 20, 100), net_promoter_score(0, 0, 0)
    (30.0, None)
    """
    _nps_counts_check(promoters, detractors, n)
    if n == 0:
        return None
    return (promoters - detractors) / n * 100


def nps_interval(promoters: int, detractors: int, n: int, z: float = NPS_Z) -> tuple[float, float]:
    """95 % interval of the NPS by the adjusted-Wald method, in NPS points
    (Rocks 2016, "Interval Estimation for the 'Net Promoter Score'", The
    American Statistician 70(4); the method MeasuringU recommends):

    n′ = n + 3, promoters′ = (P + ¾)/n′, detractors′ = (D + ¾)/n′,
    NPS′ = promoters′ − detractors′, se = √((promoters′ + detractors′ − NPS′²)/n′),
    interval NPS′ ± z·se, × 100, cut to [−100, 100].

    The interval is centred on the adjusted NPS′, pulled towards 0, not on the
    plain NPS shown beside it: with very few ratings the plain NPS may even lie
    outside it (1 promoter of 1: NPS 100, interval −48.5 to 98.5), which says
    how little one rating tells. With no ratings it is the adjustment's own
    spread, about ±80.

    50 promoters and 20 detractors of 100: n′ = 103, promoters′ = 0.49272,
    detractors′ = 0.20146, NPS′ = 0.29126, se = √((0.69417 − 0.08483)/103) =
    0.07692, 29.13 ± 15.08:

    >>> tuple(round(x, 2) for x in nps_interval(50, 20, 100))
    (14.05, 44.2)
    >>> tuple(round(x, 2) for x in nps_interval(10, 0, 10))  # all promoters: the top is cut at 100
    (47.5, 100.0)
    """
    _nps_counts_check(promoters, detractors, n)
    adjusted_n = n + 3
    promoter_share = (promoters + 0.75) / adjusted_n
    detractor_share = (detractors + 0.75) / adjusted_n
    adjusted = promoter_share - detractor_share
    # The variance of a trinomial mean: E[X²] − E[X]², never negative (shares
    # here are at least 0.75/n′ each), so the square root is safe.
    standard_error = math.sqrt((promoter_share + detractor_share - adjusted * adjusted) / adjusted_n)
    low, high = (adjusted - z * standard_error) * 100, (adjusted + z * standard_error) * 100
    return (max(-100.0, low), min(100.0, high))
# --- Alerts: is a moment critical beyond chance, across everything scanned at once? --------
# (issue 16, items 1 and 6: the one-sided exact binomial p-value and Benjamini–Hochberg)

# The alerts' false discovery rate: of the alerts one scan opens, at most this share
# is expected to be chance (Benjamini & Hochberg 1995).
ALERT_FDR = 0.05


def binomial_p_value_above(dissatisfied: int, n: int, share: float) -> float:
    """One-sided exact binomial p-value of `dissatisfied` out of `n` against
    H0: the true dissatisfied share is at most `share`.

    P(X ≥ d) for X ~ Binomial(n, share): the chance of seeing this many
    dissatisfied customers, or more, if the share were exactly at the
    threshold (the least favourable case of H0, so the largest p-value of it).

    Summed term by term from the side of the distribution where d lies, in
    whichever direction the terms shrink: the first term from log-gamma, each
    next one from the ratio of neighbours, stopping once they no longer
    change the sum (about √n terms, never n). The tail away from the mean is
    summed and, when d is below the mean, subtracted from 1, so neither a
    tiny p-value nor one near 1 loses its digits to cancellation.

    By hand, 9 of 20 against 25 %: Σ_{k=9}^{20} C(20,k)·0.25^k·0.75^(20−k) = 0.040925.

    >>> round(binomial_p_value_above(9, 20, 0.25), 6)
    0.040925
    >>> binomial_p_value_above(0, 20, 0.25), binomial_p_value_above(0, 0, 0.25)
    (1.0, 1.0)
    >>> binomial_p_value_above(20, 20, 0.25) == 0.25 ** 20
    True
    """
    if n < 0 or dissatisfied < 0 or dissatisfied > n:
        raise ValueError("need 0 <= dissatisfied <= n")
    if not 0.0 <= share <= 1.0:
        raise ValueError("need 0 <= share <= 1")
    if dissatisfied == 0 or share >= 1.0:
        return 1.0
    if share <= 0.0:
        return 0.0
    if dissatisfied > n * share:
        return min(1.0, _binomial_tail(dissatisfied, n, share, upward=True))
    return min(1.0, max(0.0, 1.0 - _binomial_tail(dissatisfied - 1, n, share, upward=False)))


def _binomial_tail(start: int, n: int, share: float, *, upward: bool) -> float:
    """P(X ≥ start) (upward) or P(X ≤ start) (downward), start on the falling side of the mode."""
    log_term = (math.lgamma(n + 1) - math.lgamma(start + 1) - math.lgamma(n - start + 1)
                + start * math.log(share) + (n - start) * math.log1p(-share))
    if log_term < -745.0:  # the first term underflows; every further one is smaller still
        return 0.0
    term = math.exp(log_term)
    total = term
    odds = share / (1.0 - share)
    k = start
    while True:
        if upward:
            if k >= n:
                break
            term *= (n - k) / (k + 1) * odds
            k += 1
        else:
            if k <= 0:
                break
            term *= k / (n - k + 1) / odds
            k -= 1
        total += term
        if term <= total * 1e-17:
            break
    return total


def benjamini_hochberg(p_values: Sequence[float], q: float = ALERT_FDR) -> list[bool]:
    """Which hypotheses to reject so that the expected share of false discoveries
    among the rejected is at most `q` (Benjamini & Hochberg 1995, the step-up
    procedure): order the m p-values, find the largest rank k with
    p_(k) ≤ k/m · q, and reject the k smallest. Answers in the input's order.

    The worked example of the paper (section 4.1, fifteen p-values from
    Neuhaus et al.'s thrombolysis trial): k = 4, since p_(4) = 0.0095 ≤ 4/15 ×
    0.05 = 0.0133 while every later p_(i) exceeds i/15 × 0.05 (p_(5) = 0.0201 >
    0.0167, …, p_(9) = 0.0459 > 0.03), so the four smallest are rejected,
    although nine are below 0.05 on their own.

    >>> p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    ...      0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    >>> [i + 1 for i, rejected in enumerate(benjamini_hochberg(p, 0.05)) if rejected]
    [1, 2, 3, 4]
    >>> benjamini_hochberg([])
    []
    """
    if not 0.0 < q < 1.0:
        raise ValueError("need 0 < q < 1")
    m = len(p_values)
    order = sorted(range(m), key=lambda index: p_values[index])
    cutoff = 0
    for rank, index in enumerate(order, start=1):
        # rank · q / m compared as p · m ≤ rank · q: no rounding of k/m on the way.
        if p_values[index] * m <= rank * q:
            cutoff = rank
    rejected = [False] * m
    for index in order[:cutoff]:
        rejected[index] = True
    return rejected
