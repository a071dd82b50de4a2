"""The statistics of issue 16 items 4 and 5: the verdict on a fix, and NPS with its adjusted-Wald
interval, against values worked out by hand and against independent computations."""

from __future__ import annotations

import doctest
import math
import statistics

import pytest

from analytics import stats


def test_the_modules_examples_hold():
    assert doctest.testmod(stats).failed == 0


# --- NPS -------------------------------------------------------------------------------------

# By hand, Rocks (2016): n′ = n + 3, P′ = (P + ¾)/n′, D′ = (D + ¾)/n′, NPS′ = P′ − D′,
# se = √((P′ + D′ − NPS′²)/n′), NPS′ ± 1.96·se, × 100, cut to [−100, 100].
#   50/20 of 100: n′ = 103, P′ = 50.75/103 = 0.492718, D′ = 20.75/103 = 0.201456, NPS′ = 0.291262,
#     se = √((0.694175 − 0.084834)/103) = 0.076915, 29.1262 ± 15.0753.
#   0 of 0: P′ = D′ = 0.75/3 = 0.25, NPS′ = 0, se = √(0.5/3) = 0.408248, ± 80.0167.
#   10 promoters of 10: n′ = 13, P′ = 10.75/13 = 0.826923, D′ = 0.057692, NPS′ = 0.769231,
#     se = √((0.884615 − 0.591716)/13) = 0.150102, 76.9231 ± 29.4201 → 47.5030 … 106.34, cut to 100.
#   1 promoter of 1: n′ = 4, P′ = 0.4375, D′ = 0.1875, NPS′ = 0.25, se = √((0.625 − 0.0625)/4) = 0.375,
#     25 ± 73.5: the plain NPS (100) lies above the interval.
#   30/30 of 100: NPS′ = 0, se = √((61.5/103)/103) = 0.076138, ± 14.9230.
#   100 promoters of 100: n′ = 103, NPS′ = 100/103 = 0.970874, se = √((101.5/103 − 0.942596)/103) = 0.020394,
#     97.0874 ± 3.9973 → 93.0901 … 101.08, cut to 100.
@pytest.mark.parametrize(("promoters", "detractors", "n", "nps", "low", "high"), [
    (50, 20, 100, 30.0, 14.0509, 44.2016),
    (0, 0, 0, None, -80.0167, 80.0167),
    (10, 0, 10, 100.0, 47.5030, 100.0),
    (0, 10, 10, -100.0, -100.0, -47.5030),
    (1, 0, 1, 100.0, -48.5, 98.5),
    (30, 30, 100, 0.0, -14.9230, 14.9230),
    (100, 0, 100, 100.0, 93.0901, 100.0),
    (0, 100, 100, -100.0, -100.0, -93.0901),
])
def test_nps_and_its_adjusted_wald_interval_match_hand_computed_values(promoters, detractors, n, nps, low, high):
    assert stats.net_promoter_score(promoters, detractors, n) == (None if nps is None else pytest.approx(nps))
    lower, upper = stats.nps_interval(promoters, detractors, n)
    assert lower == pytest.approx(low, abs=1e-4)
    assert upper == pytest.approx(high, abs=1e-4)


def _trinomial_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """The same interval by another route: the adjusted sample written out as scores (+1 promoter,
    0 passive, −1 detractor), four times over so that the ¾ become whole ratings, and the standard
    error of its mean from the population variance of those scores (statistics.pvariance)."""
    scores = [1] * (4 * promoters + 3) + [-1] * (4 * detractors + 3) + [0] * (4 * (n - promoters - detractors) + 6)
    mean = statistics.fmean(scores)
    standard_error = math.sqrt(statistics.pvariance(scores) / (n + 3))
    return (max(-100.0, (mean - 1.96 * standard_error) * 100), min(100.0, (mean + 1.96 * standard_error) * 100))


@pytest.mark.parametrize(("promoters", "detractors", "n"), [
    (50, 20, 100), (0, 0, 0), (7, 0, 7), (0, 12, 12), (3, 9, 40), (412, 133, 1000), (1, 1, 2),
])
def test_the_nps_interval_agrees_with_the_trinomial_computation(promoters, detractors, n):
    assert stats.nps_interval(promoters, detractors, n) == pytest.approx(
        _trinomial_interval(promoters, detractors, n), abs=1e-9)


@pytest.mark.parametrize(("promoters", "detractors", "n"), [(-1, 0, 5), (0, -1, 5), (3, 3, 5), (0, 0, -1)])
def test_impossible_nps_counts_are_refused(promoters, detractors, n):
    with pytest.raises(ValueError):
        stats.nps_interval(promoters, detractors, n)
    with pytest.raises(ValueError):
        stats.net_promoter_score(promoters, detractors, n)


def test_the_nps_interval_narrows_with_more_ratings_of_the_same_mix():
    widths = [high - low for low, high in (stats.nps_interval(5 * k, 2 * k, 10 * k) for k in (1, 10, 100))]
    assert widths[0] > widths[1] > widths[2]


# --- The verdict on a fix -------------------------------------------------------------------------


@pytest.mark.parametrize(("statistic", "after_n", "verdict"), [
    (-stats.Z_95, 20, "improved"),  # p = 0.05 exactly: significant, the edge belongs to significance
    (-stats.Z_95 + 1e-9, 20, "no_change"),  # p a hair above 0.05
    (stats.Z_95, 20, "worse"),
    (stats.Z_95 - 1e-9, 20, "no_change"),
    (0.0, 20, "no_change"),
    (-10.0, 19, "too_early"),  # however clear, fewer than min_sample ratings came after
    (10.0, 0, "too_early"),
])
def test_the_verdict_at_the_edges_of_significance_and_of_min_sample(statistic, after_n, verdict):
    assert stats.effect_verdict(statistic, after_n=after_n, min_sample=20) == verdict


def test_a_min_sample_of_zero_still_needs_one_rating_after():
    assert stats.effect_verdict(-5.0, after_n=0, min_sample=0) == "too_early"
    assert stats.effect_verdict(-5.0, after_n=1, min_sample=0) == "improved"


def test_the_two_sided_p_value_is_005_at_the_edge():
    assert stats.two_sided_p(stats.Z_95) == pytest.approx(0.05, abs=1e-12)
    assert stats.two_sided_p(-stats.Z_95) == pytest.approx(0.05, abs=1e-12)
    assert stats.two_sided_p(stats.Z_95 + 1e-6) < 0.05 < stats.two_sided_p(stats.Z_95 - 1e-6)
    # By hand: P(|Z| ≥ 1) = 0.317311, P(|Z| ≥ 3) = 0.002700.
    assert stats.two_sided_p(1.0) == pytest.approx(0.317311, abs=1e-6)
    assert stats.two_sided_p(3.0) == pytest.approx(0.002700, abs=1e-6)


@pytest.mark.parametrize(("before_d", "before_n", "after_d", "after_n"), [
    (86, 200, 21, 100), (86, 200, 60, 100), (5, 40, 5, 40), (0, 30, 12, 25), (300, 1000, 250, 1000),
])
def test_the_z_statistic_agrees_with_pearsons_chi_square(before_d, before_n, after_d, after_n):
    """χ² of the 2 × 2 table without continuity correction equals z² of the pooled z-test."""
    a, b, c, d = before_d, before_n - before_d, after_d, after_n - after_d
    chi_square = (a + b + c + d) * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    statistic = stats.two_proportion_z(before_d, before_n, after_d, after_n)
    assert statistic ** 2 == pytest.approx(chi_square, rel=1e-12)
    assert math.copysign(1, statistic) == math.copysign(1, after_d / after_n - before_d / before_n) or statistic == 0
