"""Hypothesis properties of NPS with its adjusted-Wald interval and of the verdict on a fix
(analytics.stats, issue 16 items 4 and 5), beside the hand-computed values in
tests/analytics/test_stats_effects_nps.py."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from analytics.stats import (
    EFFECT_IMPROVED,
    EFFECT_TOO_EARLY,
    EFFECT_WORSE,
    effect_verdict,
    net_promoter_score,
    nps_interval,
    two_proportion_z,
)
from tests.fuzz.test_stats_properties import PROPERTY_SETTINGS, counts


@st.composite
def nps_counts(draw, max_n: int = 1_000_000):
    """(promoters, detractors, n) with promoters + detractors ≤ n; n from 0, small ones often."""
    n = draw(st.one_of(st.integers(0, 30), st.integers(0, max_n)))
    promoters = draw(st.one_of(st.integers(0, n), st.sampled_from([0, n])))
    detractors = draw(st.one_of(st.integers(0, n - promoters), st.sampled_from([0, n - promoters])))
    return promoters, detractors, n


@PROPERTY_SETTINGS
@given(nps_counts())
@example((0, 0, 0)).via("no ratings")
@example((1, 0, 1)).via("one promoter")
@example((1_000_000, 0, 1_000_000)).via("all promoters, huge")
@example((0, 1_000_000, 1_000_000)).via("all detractors, huge")
def test_the_nps_interval_is_inside_the_scale_and_holds_the_adjusted_nps(values):
    promoters, detractors, n = values
    low, high = nps_interval(promoters, detractors, n)
    adjusted = (promoters - detractors) / (n + 3) * 100
    assert -100.0 <= low <= adjusted <= high <= 100.0
    nps = net_promoter_score(promoters, detractors, n)
    assert nps is None if n == 0 else -100.0 <= nps <= 100.0


@PROPERTY_SETTINGS
@given(nps_counts(max_n=10_000))
def test_one_more_promoter_never_lowers_the_interval(values):
    promoters, detractors, n = values
    if promoters + detractors < n:  # a passive becomes a promoter
        before, after = nps_interval(promoters, detractors, n), nps_interval(promoters + 1, detractors, n)
        assert after[0] >= before[0] - 1e-9


@PROPERTY_SETTINGS
@given(counts(), counts(), st.integers(0, 100))
def test_the_verdict_follows_the_direction_of_the_change(before, after, min_sample):
    statistic = two_proportion_z(before[0], before[1], after[0], after[1])
    verdict = effect_verdict(statistic, after_n=after[1], min_sample=min_sample)
    if after[1] < max(min_sample, 1):
        assert verdict == EFFECT_TOO_EARLY
    if verdict == EFFECT_IMPROVED:
        assert after[0] / after[1] < before[0] / before[1]
    if verdict == EFFECT_WORSE:
        assert after[0] / after[1] > before[0] / before[1]
