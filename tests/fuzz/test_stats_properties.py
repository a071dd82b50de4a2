"""Hypothesis properties of the statistics and of score normalisation (analytics.stats, touchpoints.scales).

The unit tests in tests/analytics/test_stats.py pin hand-computed values; these
check the laws that must hold for every input: intervals inside [0, 1] that
contain the observed share and move with it, an antisymmetric z-test, a
non-negative severity bounded by the dissatisfied count, and normalisation
that agrees with the table in DESIGN.md for every scale and score.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from analytics.stats import (
    is_critical,
    is_worsening,
    severity,
    two_proportion_z,
    wilson_interval,
)
from touchpoints.scales import SCALES, is_dissatisfied, normalise

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@st.composite
def counts(draw, max_n: int = 1_000_000):
    """(d, n) with 0 ≤ d ≤ n; n from 1 to a million (small samples drawn often)."""
    n = draw(st.one_of(st.integers(1, 50), st.integers(1, max_n)))
    d = draw(st.one_of(st.integers(0, n), st.sampled_from([0, n])))
    return d, n


@PROPERTY_SETTINGS
@given(counts())
@example((0, 1)).via("no dissatisfied")
@example((1, 1)).via("all dissatisfied")
@example((0, 1_000_000)).via("huge sample, none dissatisfied")
def test_wilson_interval_lies_in_unit_range_and_contains_the_share(sample):
    d, n = sample
    low, high = wilson_interval(d, n)
    p = d / n
    assert 0.0 <= low <= p <= high <= 1.0


@PROPERTY_SETTINGS
@given(counts())
def test_wilson_bounds_never_fall_when_one_more_customer_is_dissatisfied(sample):
    d, n = sample
    assume(d < n)
    low, high = wilson_interval(d, n)
    next_low, next_high = wilson_interval(d + 1, n)
    assert next_low >= low and next_high >= high


@PROPERTY_SETTINGS
@given(counts(max_n=100_000))
def test_more_evidence_of_the_same_share_narrows_the_interval(sample):
    d, n = sample
    low, high = wilson_interval(d, n)
    wide_low, wide_high = wilson_interval(d * 4, n * 4)
    assert wide_high - wide_low <= high - low + 1e-12


def test_no_observations_give_the_whole_unit_interval():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@PROPERTY_SETTINGS
@given(st.integers(-5, 5), st.integers(-5, 5))
def test_impossible_counts_are_refused(d, n):
    assume(n < 0 or d < 0 or d > n)
    with pytest.raises(ValueError):
        wilson_interval(d, n)


@PROPERTY_SETTINGS
@given(counts(), counts())
def test_z_test_is_antisymmetric(first, second):
    d1, n1 = first
    d2, n2 = second
    assert two_proportion_z(d1, n1, d2, n2) == -two_proportion_z(d2, n2, d1, n1)


@PROPERTY_SETTINGS
@given(counts(), counts())
def test_worsening_means_the_share_rose(previous, current):
    (d1, n1), (d2, n2) = previous, current
    z = two_proportion_z(d1, n1, d2, n2)
    assert (z > 0) == (d2 / n2 > d1 / n1) or z == 0
    if is_worsening(d1, n1, d2, n2):
        assert d2 / n2 > d1 / n1
        assert not is_worsening(d2, n2, d1, n1)


@PROPERTY_SETTINGS
@given(counts())
def test_severity_is_non_negative_and_at_most_the_dissatisfied_count(sample):
    d, n = sample
    value = severity(d, n)
    assert 0.0 <= value <= d + 1e-9


@PROPERTY_SETTINGS
@given(counts())
def test_severity_grows_with_the_dissatisfied_count(sample):
    d, n = sample
    assume(d < n)
    assert severity(d + 1, n) >= severity(d, n)


@PROPERTY_SETTINGS
@given(counts(), st.integers(1, 200), st.floats(0.01, 1.0))
def test_critical_needs_the_minimum_sample_and_the_lower_bound(sample, min_sample, critical_share):
    d, n = sample
    critical = is_critical(d, n, min_sample=min_sample, critical_share=critical_share)
    assert critical == (n >= min_sample and wilson_interval(d, n)[0] >= critical_share)


# --- Normalisation -------------------------------------------------------------------------

# DESIGN.md: scale → (range, normalised value, dissatisfied when)
DESIGN = {
    "csat5": (1, 5, lambda s: (s - 1) / 4 * 100, lambda s: s <= 2),
    "stars5": (1, 5, lambda s: (s - 1) / 4 * 100, lambda s: s <= 2),
    "nps11": (0, 10, lambda s: s * 10, lambda s: s <= 6),
    "ces7": (1, 7, lambda s: (s - 1) / 6 * 100, lambda s: s <= 3),
    "thumbs2": (0, 1, lambda s: s * 100, lambda s: s == 0),
}
EVERY_SCORE = [(code, score) for code, (low, high, _n, _d) in DESIGN.items() for score in range(low, high + 1)]


def test_the_design_table_names_every_scale():
    assert set(DESIGN) == set(SCALES)


@pytest.mark.parametrize(("code", "score"), EVERY_SCORE)
def test_every_score_of_every_scale_normalises_as_designed(code, score):
    _low, _high, normalised, dissatisfied = DESIGN[code]
    value = normalise(code, score)
    assert 0.0 <= value <= 100.0
    assert value == pytest.approx(normalised(score))
    assert is_dissatisfied(code, score) == dissatisfied(score)
    assert is_dissatisfied(code, score) == (score <= SCALES[code].dissatisfied_max)


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(SCALES)), st.integers(-1000, 1000))
def test_normalisation_is_in_range_monotonic_and_refuses_scores_off_the_scale(code, score):
    scale = SCALES[code]
    if not scale.low <= score <= scale.high:
        with pytest.raises(ValueError):
            normalise(code, score)
        return
    value = normalise(code, score)
    assert 0.0 <= value <= 100.0
    if score < scale.high:
        assert normalise(code, score + 1) > value
    # Dissatisfied is exactly the bottom of the scale, up to the threshold.
    assert is_dissatisfied(code, score) == (score <= scale.dissatisfied_max)
    if is_dissatisfied(code, score) and score > scale.low:
        assert is_dissatisfied(code, score - 1)


def test_extremes_of_every_scale_are_0_and_100():
    for code, scale in SCALES.items():
        assert normalise(code, scale.low) == 0.0
        assert normalise(code, scale.high) == 100.0
