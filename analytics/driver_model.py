"""The multivariable estimate beside each key driver: a logistic regression (statsmodels).

A moment's plain effect (`stats.newcombe_difference_interval`) compares customers
dissatisfied there with those satisfied there, and so also carries whatever else
those customers went through: unhappy at check-in is often unhappy at bag drop
too. The model estimates every moment at once on the customers who answered the
outcome:

    logit P(outcome dissatisfied) = b0 + Σ_j a_j·rated_j + Σ_j b_j·bad_j

`rated_j` says the customer rated moment j, `bad_j` that they were dissatisfied
there (so b_j compares dissatisfied with satisfied customers of j, not with
customers who never met it). Each moment's adjusted effect is on the same scale as
the plain one, a difference of shares: the average, over the customers who rated
j, of the predicted outcome share with bad_j = 1 minus with bad_j = 0 (an average
marginal effect), with a delta-method 95 % interval from the fit's covariance.

The input is already aggregated: one row per pattern of (rated, bad) bit masks
with the customers of that pattern and how many of them had a bad outcome, fitted
as a binomial GLM with those counts, which is the same likelihood as one row per
customer. Pure: numpy and statsmodels, no Django (an import-linter contract).
statsmodels is imported when a model is fitted, not when this module is.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054
# A log-odds coefficient this large (odds × 3·10⁶) means the fit ran off towards a
# separation the per-group check did not see (a combination of moments).
MAX_COEFFICIENT = 15.0


@dataclass(frozen=True)
class AdjustedEffect:
    effect: float
    low: float
    high: float


@dataclass(frozen=True)
class ModelResult:
    """`effects` by moment index (bit position); `failed` names why there is no fit."""

    effects: dict[int, AdjustedEffect]
    customers: int
    failed: str | None = None


def adjusted_effects(*, rated: np.ndarray, bad: np.ndarray, customers: np.ndarray, bad_outcomes: np.ndarray,
                     moments: list[int]) -> ModelResult:
    """Fit the model on the patterns and return each moment's adjusted effect.

    `rated`, `bad`: int64 bit masks per pattern (bit j = moment j); `customers`:
    customers of the pattern (with an outcome); `bad_outcomes`: how many of them had
    a dissatisfied outcome; `moments`: the bit positions to put in the model (those
    with enough customers both ways). `failed` is "separation" when some moment (or
    combination) predicts the outcome perfectly, "no_fit" when the fit does not
    converge or its covariance cannot be inverted.
    """
    total = int(customers.sum())
    if not moments or total == 0:
        return ModelResult({}, total, "too_few")
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    rated_columns = [((rated >> j) & 1).astype(float) for j in moments]
    bad_columns = [((bad >> j) & 1).astype(float) for j in moments]
    if _separated(rated_columns, bad_columns, customers, bad_outcomes):
        return ModelResult({}, total, "separation")
    # A moment every customer rated leaves rated_j equal to the intercept: drop it.
    kept_rated = [column for column in rated_columns if column.min() != column.max()]
    design = np.column_stack([np.ones(len(customers)), *kept_rated, *bad_columns])
    first_bad = 1 + len(kept_rated)
    response = np.column_stack([bad_outcomes, customers - bad_outcomes]).astype(float)
    with warnings.catch_warnings():
        # statsmodels calls a model that fits grouped shares exactly (saturated) "perfect
        # prediction"; real separation is caught above and by the size of the coefficients.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        for category in (ConvergenceWarning, HessianInversionWarning, RuntimeWarning):
            warnings.simplefilter("error", category)
        try:
            fit = GLM(response, design, family=Binomial()).fit()
            covariance = np.asarray(fit.cov_params())
        except PerfectSeparationError:
            return ModelResult({}, total, "separation")
        except (ConvergenceWarning, HessianInversionWarning, RuntimeWarning, np.linalg.LinAlgError, ValueError):
            return ModelResult({}, total, "no_fit")
    params = np.asarray(fit.params)
    if not np.all(np.isfinite(params)) or not np.all(np.isfinite(covariance)):
        return ModelResult({}, total, "no_fit")
    if np.abs(params).max() > MAX_COEFFICIENT:
        return ModelResult({}, total, "separation")
    effects: dict[int, AdjustedEffect] = {}
    for position, moment in enumerate(moments):
        column = first_bad + position
        met = rated_columns[position] == 1
        weights = customers[met].astype(float)
        if weights.sum() == 0:
            continue
        bad_design, good_design = design[met].copy(), design[met].copy()
        bad_design[:, column], good_design[:, column] = 1.0, 0.0
        bad_share, good_share = _logistic(bad_design @ params), _logistic(good_design @ params)
        effect = float(np.average(bad_share - good_share, weights=weights))
        # d effect / d params, averaged with the same weights (delta method).
        gradient = np.average((bad_share * (1 - bad_share))[:, None] * bad_design
                              - (good_share * (1 - good_share))[:, None] * good_design, axis=0, weights=weights)
        margin = Z_95 * float(np.sqrt(max(0.0, gradient @ covariance @ gradient)))
        effects[moment] = AdjustedEffect(effect, max(-1.0, effect - margin), min(1.0, effect + margin))
    return ModelResult(effects, total)


def _logistic(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def _separated(rated_columns: list[np.ndarray], bad_columns: list[np.ndarray], customers: np.ndarray,
               bad_outcomes: np.ndarray) -> bool:
    """A moment whose dissatisfied (or satisfied) customers all share one outcome
    separates the data: its coefficient has no finite estimate."""
    for met, bad in zip(rated_columns, bad_columns, strict=True):
        for group in ((met == 1) & (bad == 1), (met == 1) & (bad == 0)):
            n, d = customers[group].sum(), bad_outcomes[group].sum()
            if n > 0 and (d == 0 or d == n):
                return True
    return False
