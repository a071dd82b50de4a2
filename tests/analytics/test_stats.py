import math

import pytest

from analytics import stats


# Wilson 95 % bounds worked out by hand: centre = (p + z²/2n)/(1 + z²/n),
# margin = z·sqrt(p(1−p)/n + z²/4n²)/(1 + z²/n), z = 1.959964.
@pytest.mark.parametrize(
    ("d", "n", "low", "high"),
    [
        (5, 20, 0.111862, 0.468701),
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (50, 100, 0.403832, 0.596168),
    ],
)
def test_wilson_interval_matches_hand_computed_values(d, n, low, high):
    lower, upper = stats.wilson_interval(d, n)
    assert lower == pytest.approx(low, abs=1e-5)
    assert upper == pytest.approx(high, abs=1e-5)


def test_wilson_interval_with_no_observations_is_the_whole_range():
    assert stats.wilson_interval(0, 0) == (0.0, 1.0)


def test_small_samples_are_never_critical():
    assert not stats.is_critical(19, 19)  # all dissatisfied, but n < min_sample
    assert stats.is_critical(20, 20)


def test_critical_uses_the_lower_bound_not_the_share():
    # p = 0.30 with n = 40: lower bound 0.181 < 0.25, so not critical yet.
    assert not stats.is_critical(12, 40)
    # p = 0.40 with n = 100: lower bound 0.309 ≥ 0.25.
    assert stats.is_critical(40, 100)


def test_two_proportion_z_by_hand():
    # p1 = 0.2 (20/100), p2 = 0.35 (35/100): pooled 0.275,
    # se = sqrt(0.275·0.725·0.02) = 0.063147, z = 0.15/0.063147 = 2.3754
    assert stats.two_proportion_z(20, 100, 35, 100) == pytest.approx(2.3754, abs=1e-4)
    assert stats.is_worsening(20, 100, 35, 100)
    assert not stats.is_worsening(35, 100, 20, 100)
    assert stats.two_proportion_z(0, 0, 5, 10) == 0.0
    assert stats.two_proportion_z(0, 10, 0, 10) == 0.0


def test_severity_ranks_many_unhappy_customers_above_a_few():
    assert stats.severity(400, 1000) > stats.severity(8, 10)
    assert stats.severity(0, 0) == 0.0
    assert math.isclose(stats.severity(5, 20), 0.111862 * 20, abs_tol=1e-4)


def test_word_of_mouth_reach_uses_seed_defaults():
    assert stats.word_of_mouth_reach(100) == pytest.approx(195.0)
    assert stats.word_of_mouth_reach(100, share_telling=0.5, people_told=10) == pytest.approx(500.0)
    assert stats.social_venting(100) == pytest.approx(42.0)


def test_first_contact_resolution_rate():
    assert stats.first_contact_resolution_rate(3, 4) == 0.75
    assert stats.first_contact_resolution_rate(0, 0) is None


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        # z by hand: p1 = 0.10, p2 = 0.30, pooled 0.20, se = sqrt(0.2·0.8·(2/100)) = 0.05657 → z = 3.54
        ((10, 100), (30, 100), stats.TREND_WORSENING),
        ((30, 100), (10, 100), stats.TREND_IMPROVING),
        # p1 = 0.20, p2 = 0.22: z = 0.02 / sqrt(0.21·0.79·0.02) = 0.35, inside ±1.96
        ((20, 100), (22, 100), stats.TREND_STEADY),
        # 19 ratings the period before with min_sample 20: nothing to compare with
        ((19, 19), (30, 100), stats.TREND_NO_EARLIER_DATA),
        ((0, 0), (30, 100), stats.TREND_NO_EARLIER_DATA),
    ],
)
def test_trend_needs_enough_earlier_ratings_to_say_steady(previous, current, expected):
    assert stats.trend(*previous, *current, min_sample=20) == expected


def test_worsening_flag_is_none_without_earlier_data():
    assert stats.worsening_flag(stats.TREND_NO_EARLIER_DATA) is None
    assert stats.worsening_flag(stats.TREND_WORSENING) is True
    assert stats.worsening_flag(stats.TREND_STEADY) is False
    assert stats.worsening_flag(stats.TREND_IMPROVING) is False


# --- Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008) ---


def test_log_odds_z_by_hand():
    # y_f = 10 of n_f = 200, y_r = 20 of n_r = 2000, prior α_w = 30 of α₀ = 2200:
    # δ = log(40 / (2400 − 40)) − log(50 / (4200 − 50)) = log(0.016949) − log(0.012048) = 0.34131
    # σ = √(1/40 + 1/50) = 0.21213 → z = 1.6090
    assert stats.log_odds_z(10, 200, 20, 2000, prior=30, prior_total=2200) == pytest.approx(1.6090, abs=1e-4)


def test_log_odds_z_is_antisymmetric_and_grows_with_evidence():
    forward = stats.log_odds_z(30, 1000, 10, 5000, prior=40, prior_total=6000)
    assert stats.log_odds_z(10, 5000, 30, 1000, prior=40, prior_total=6000) == pytest.approx(-forward)
    # The same rates with ten times the words: far more certain.
    assert stats.log_odds_z(300, 10000, 100, 50000, prior=400, prior_total=60000) > 2 * forward
    # The prior shrinks a rare word: twice in 100 words is not more distinctive than 200 times in 10,000.
    rare = stats.log_odds_z(2, 100, 0, 10000, prior=2, prior_total=10100)
    common = stats.log_odds_z(200, 10000, 10, 100000, prior=210, prior_total=110000)
    assert rare < common


@pytest.mark.parametrize("arguments", [
    (1, 10, 1, 10, 0, 100), (1, 10, 1, 10, 5, 5), (11, 10, 1, 10, 1, 100), (1, 10, -1, 10, 1, 100),
])
def test_log_odds_z_refuses_impossible_counts(arguments):
    focus, focus_total, rest, rest_total, prior, prior_total = arguments
    with pytest.raises(ValueError):
        stats.log_odds_z(focus, focus_total, rest, rest_total, prior=prior, prior_total=prior_total)


# Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10 (score, no
# continuity correction): his eight worked examples, to four decimals.
@pytest.mark.parametrize(("d1", "n1", "d2", "n2", "low", "high"), [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
])
def test_newcombe_interval_matches_newcombes_worked_examples(d1, n1, d2, n2, low, high):
    difference, found_low, found_high = stats.newcombe_difference_interval(d1, n1, d2, n2)
    assert difference == pytest.approx(d1 / n1 - d2 / n2)
    assert (round(found_low, 4), round(found_high, 4)) == (low, high)


def test_newcombe_interval_is_antisymmetric_and_needs_both_groups():
    difference, low, high = stats.newcombe_difference_interval(30, 60, 10, 80)
    assert stats.newcombe_difference_interval(10, 80, 30, 60) == pytest.approx((-difference, -high, -low))
    with pytest.raises(ValueError):
        stats.newcombe_difference_interval(0, 0, 3, 10)
