"""The statistics behind alerts (issue 16, item 6): the one-sided exact binomial p-value
and Benjamini–Hochberg, against values computed by hand and exactly in integers."""

from __future__ import annotations

import doctest
import itertools
from fractions import Fraction
from math import comb

import pytest

from analytics import stats


def exact_upper_tail(d: int, n: int, share: Fraction) -> float:
    """P(X ≥ d), X ~ Binomial(n, share), in exact rational arithmetic: an independent computation."""
    return float(sum(comb(n, k) * share ** k * (1 - share) ** (n - k) for k in range(d, n + 1)))


def test_the_doctests_of_the_statistics_hold():
    failures, tried = doctest.testmod(stats, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


# By hand: P(X ≥ 9 | 20, ¼) = Σ_{k=9}^{20} C(20,k) ¼^k ¾^(20−k) = 0.0409252; P(X ≥ 10) = 0.0138644;
# P(X ≥ 40 | 100, ¼) = 0.000686592; at the boundary d/n = share: P(X ≥ 5 | 20, ¼) = 0.585158.
@pytest.mark.parametrize(("d", "n", "share", "expected"), [
    (9, 20, 0.25, 0.0409252),
    (10, 20, 0.25, 0.0138644),
    (40, 100, 0.25, 0.000686592),
    (5, 20, 0.25, 0.585158),
    (1, 1, 0.5, 0.5),
    (2, 2, 0.5, 0.25),
    (1, 3, 0.5, 0.875),
])
def test_binomial_p_value_matches_hand_computed_values(d, n, share, expected):
    assert stats.binomial_p_value_above(d, n, share) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("n", [1, 7, 20, 63, 150])
@pytest.mark.parametrize("share", [Fraction(1, 4), Fraction(1, 10), Fraction(1, 2), Fraction(9, 10)])
def test_binomial_p_value_equals_the_exact_sum_for_every_count(n, share):
    for d in range(n + 1):
        expected = exact_upper_tail(d, n, share)
        got = stats.binomial_p_value_above(d, n, float(share))
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), (d, n, share)


@pytest.mark.parametrize(("d", "n"), [(1300, 5000), (1250, 5000), (1200, 5000), (1400, 5000), (1600, 5000)])
def test_binomial_p_value_stays_exact_for_large_samples(d, n):
    # Quarters keep the exact sum in integers: Σ C(n,k)·3^(n−k) / 4^n.
    exact = Fraction(sum(comb(n, k) * 3 ** (n - k) for k in range(d, n + 1)), 4 ** n)
    assert stats.binomial_p_value_above(d, n, 0.25) == pytest.approx(float(exact), rel=1e-9, abs=1e-300)


def test_binomial_p_value_at_the_edges():
    assert stats.binomial_p_value_above(0, 0, 0.25) == 1.0  # no ratings: nothing against H0
    assert stats.binomial_p_value_above(0, 50, 0.25) == 1.0
    assert stats.binomial_p_value_above(50, 50, 0.25) == pytest.approx(0.25 ** 50, rel=1e-9)
    assert stats.binomial_p_value_above(100_000, 100_000, 0.25) == 0.0  # far below the smallest float
    assert stats.binomial_p_value_above(3, 10, 1.0) == 1.0
    assert stats.binomial_p_value_above(3, 10, 0.0) == 0.0
    with pytest.raises(ValueError):
        stats.binomial_p_value_above(11, 10, 0.25)
    with pytest.raises(ValueError):
        stats.binomial_p_value_above(1, 10, 1.5)


def test_binomial_p_value_falls_as_the_count_rises():
    values = [stats.binomial_p_value_above(d, 200, 0.25) for d in range(201)]
    assert all(a >= b for a, b in itertools.pairwise(values))


# Benjamini & Hochberg (1995), J. R. Statist. Soc. B 57(1), 289–300, section 4.1: the fifteen
# p-values of Neuhaus et al.'s thrombolysis comparison. At q = 0.05 the largest i with
# p_(i) ≤ i/15 · 0.05 is 4 (0.0095 ≤ 0.01333), so the four smallest are rejected, although nine
# p-values are below 0.05 and Bonferroni (0.05/15 = 0.00333) rejects three.
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
           0.5719, 0.6528, 0.7590, 1.000]


def test_benjamini_hochberg_rejects_the_four_of_the_papers_worked_example():
    assert stats.benjamini_hochberg(BH_1995, 0.05) == [True] * 4 + [False] * 11


def test_benjamini_hochberg_answers_in_the_order_given():
    shuffled = [BH_1995[i] for i in (14, 3, 9, 0, 5, 1, 12, 2, 8)]
    assert stats.benjamini_hochberg(shuffled, 0.05) == [False, True, False, True, False, True, False, True, False]


def test_benjamini_hochberg_steps_up_past_a_p_value_above_its_own_line():
    # By hand, m = 3, q = 0.05: lines 0.0167, 0.0333, 0.05. p_(1) = 0.02 is above its line,
    # but p_(3) = 0.04 ≤ 0.05, so all three are rejected (a step-down procedure would reject none).
    assert stats.benjamini_hochberg([0.02, 0.04, 0.03], 0.05) == [True, True, True]
    assert stats.benjamini_hochberg([0.02, 0.06, 0.045], 0.05) == [False, False, False]


@pytest.mark.parametrize(("p_values", "expected"), [
    ([], []),
    ([0.05], [True]),  # the boundary: p = k/m · q is rejected
    ([0.0500001], [False]),
    ([0.025, 0.05], [True, True]),
    ([1.0, 1.0], [False, False]),
    ([0.0, 0.9], [True, False]),
])
def test_benjamini_hochberg_at_the_boundaries(p_values, expected):
    assert stats.benjamini_hochberg(p_values, 0.05) == expected


def test_benjamini_hochberg_refuses_a_meaningless_rate():
    with pytest.raises(ValueError):
        stats.benjamini_hochberg([0.01], 0.0)
