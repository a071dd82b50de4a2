"""Key drivers and the customer's path, computed from one SQL aggregate per run.

Customers are linked by the keyed hash of the client's reference
(`touchpoints.customers`). For a cycle, a period (local days) and optionally a
segment, one statement groups the linked ratings by customer × moment, then by customer, into each customer's bit masks: which
moments they rated, where they were dissatisfied (at least one dissatisfied
rating there in the period), and their outcome (not rated / satisfied /
dissatisfied). It answers the patterns with their numbers of customers, so what
reaches Python is a few thousand rows, never a rating. Everything else is
arithmetic on those rows (numpy):

* per moment, among customers who rated it and the outcome: the outcome's
  dissatisfied share when dissatisfied there minus when satisfied there, with
  Newcombe's interval (`stats.newcombe_difference_interval`); fewer than the
  cycle's `min_sample` customers in either group: not enough linked customers;
* beside it the logistic model's adjusted effect (`driver_model`);
* the path: linked customers who met a critical moment, how many bad moments
  each met, and the outcome's share by that number.

The outcome is the touchpoint the CX manager marked as the loyalty question, else
the cycle's TMOT moment (the last one), or the touchpoint a request names. Its own
moment is not one of the drivers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from journeys.models import Moment, MomentKind, ServiceCycle
from touchpoints.models import Rating, Touchpoint

from . import driver_model, stats
from .models import NO_SEGMENT
from .periods import Period, utc_bounds

RATINGS = Rating._meta.db_table
# Moments are bits of a BIGINT mask (the sign bit left alone).
MAX_DRIVER_MOMENTS = 62
# The path's last bar holds this many bad moments or more.
PATH_MAX_BAD_MOMENTS = 4
# Outcome codes of a customer pattern.
NO_OUTCOME, OUTCOME_SATISFIED, OUTCOME_DISSATISFIED = 0, 1, 2
# How the plain and the adjusted effect relate (the page explains each).
AGREE, RAW_ONLY, ADJUSTED_ONLY, NEITHER, OPPOSITE = "both", "raw_only", "adjusted_only", "neither", "opposite"
AGREEMENTS = (AGREE, RAW_ONLY, ADJUSTED_ONLY, NEITHER, OPPOSITE)
# What a key-driver answer says about its customers, and about its model.
STATES = ("ok", "no_linked_customers", "no_outcome_customers", "too_few")
MODEL_STATES = ("ok", "too_few", "separation", "no_fit")


@dataclass(frozen=True)
class Outcome:
    """What key drivers explain: a touchpoint (the loyalty question, or one named)
    or a moment (the TMOT); `touchpoint_ids` are the ratings that answer it."""

    kind: str  # "touchpoint" or "moment"
    id: int
    name: str
    moment_id: int
    touchpoint_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        return f"{self.kind[0]}{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "moment_id": self.moment_id}


def outcome_default(*, cycle: ServiceCycle, touchpoints: list[Touchpoint], moments: list[Moment]) -> Outcome | None:
    """The loyalty question of the cycle, else its (last) TMOT moment, else None."""
    for touchpoint in touchpoints:
        if touchpoint.loyalty_question:
            return _touchpoint_outcome(touchpoint)
    tmot = [moment for moment in moments if moment.kind == MomentKind.TMOT]
    if not tmot:
        return None
    moment = tmot[-1]
    return Outcome("moment", moment.pk, moment.name, moment.pk,
                   tuple(touchpoint.pk for touchpoint in touchpoints if touchpoint.moment_id == moment.pk))


def _touchpoint_outcome(touchpoint: Touchpoint) -> Outcome:
    return Outcome("touchpoint", touchpoint.pk, touchpoint.name, touchpoint.moment_id, (touchpoint.pk,))


def outcome_parse(*, value: str | None, cycle: ServiceCycle, touchpoints: list[Touchpoint],
                  moments: list[Moment]) -> Outcome:
    """The outcome a request names (`outcome=<touchpoint id>` of this cycle), or the
    default; ValidationError {"outcome": …} when it names none of the cycle's
    touchpoints or there is no default to fall back on."""
    text = (value or "").strip()
    if text:
        found = next((tp for tp in touchpoints if text.isdigit() and tp.pk == int(text)), None)
        if found is None:
            raise ValidationError({"outcome": _("Not a touchpoint of this cycle.")}, code="invalid")
        return _touchpoint_outcome(found)
    outcome = outcome_default(cycle=cycle, touchpoints=touchpoints, moments=moments)
    if outcome is None:
        raise ValidationError({"outcome": _("This cycle has no TMOT moment and no touchpoint marked as the loyalty "
                                            "question: name the outcome (a touchpoint id).")}, code="no_outcome")
    return outcome


@dataclass
class Patterns:
    """Customers by pattern, as numpy columns (one entry per distinct pattern)."""

    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bad: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    customers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def customer_patterns(*, cycle: ServiceCycle, outcome: Outcome, drivers: list[int],
                      touchpoints: list[Touchpoint], period: Period, segment: int | None) -> Patterns:
    """One aggregate: the customers of each (outcome, rated mask, bad mask) pattern.

    `drivers` are moment ids (bit j = drivers[j]); `segment` a segment id,
    NO_SEGMENT for ratings without one, None for all. Every column it reads is in
    the partial index `rating_customer`, so PostgreSQL answers from the index alone.
    """
    bit_of = {moment_id: 1 << index for index, moment_id in enumerate(drivers)}
    # Ids and bits are integers Momento made, written into the SQL as numbers: a
    # CASE, not a join, keeps the index's customer order for the GROUP BY.
    outcome_ids = [int(touchpoint.pk) for touchpoint in touchpoints if touchpoint.pk in outcome.touchpoint_ids]
    driver_bits = [(int(touchpoint.pk), int(bit_of[touchpoint.moment_id])) for touchpoint in touchpoints
                   if touchpoint.pk not in outcome.touchpoint_ids and touchpoint.moment_id in bit_of]
    if not outcome_ids and not driver_bits:
        return Patterns()
    bit = ("CASE r.touchpoint_id " + " ".join(f"WHEN {tp} THEN {value}" for tp, value in driver_bits)
           + " ELSE 0 END") if driver_bits else "0"
    answered = f"r.touchpoint_id IN ({', '.join(map(str, outcome_ids))})" if outcome_ids else "FALSE"
    every = ", ".join(str(tp) for tp in [*outcome_ids, *(tp for tp, _bit in driver_bits)])
    start, end = utc_bounds(period, cycle.timezone)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = [adapt(start), adapt(end)]
    segment_condition = ""
    if segment == NO_SEGMENT:
        segment_condition = "AND r.segment_id IS NULL"
    elif segment is not None:
        segment_condition = "AND r.segment_id = %s"
        params.append(segment)
    ratings = f"""
        FROM {RATINGS} r
        WHERE r.customer_id IS NOT NULL AND r.touchpoint_id IN ({every})
          AND r.occurred_at >= %s AND r.occurred_at < %s {segment_condition}
    """
    outcome_code = f"CASE WHEN NOT ({answered}) THEN 0 WHEN r.dissatisfied THEN 2 ELSE 1 END"
    if connection.vendor == "postgresql":
        # One pass in customer order (the index's): bit_or folds a customer's moments into the masks.
        per_customer = f"""
            SELECT bit_or(CAST({bit} AS BIGINT)) AS rated,
                   bit_or(CASE WHEN r.dissatisfied THEN CAST({bit} AS BIGINT) ELSE 0 END) AS bad,
                   MAX({outcome_code}) AS outcome
              {ratings} GROUP BY r.customer_id"""
    else:
        # SQLite has no bit_or: one row per customer × moment first, whose distinct bits add up.
        per_customer = f"""
            SELECT SUM(bit) AS rated, SUM(bit * bad) AS bad, MAX(outcome) AS outcome
              FROM (SELECT r.customer_id, {bit} AS bit, MAX(CASE WHEN r.dissatisfied THEN 1 ELSE 0 END) AS bad,
                           MAX({outcome_code}) AS outcome
                      {ratings} GROUP BY r.customer_id, {bit}) AS per_moment
             GROUP BY customer_id"""
    sql = f"""
        WITH per_customer AS ({per_customer})
        SELECT outcome, rated, bad, COUNT(*) FROM per_customer GROUP BY outcome, rated, bad
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return Patterns()
    table = np.array(rows, dtype=np.int64)
    return Patterns(outcome=table[:, 0], rated=table[:, 1], bad=table[:, 2], customers=table[:, 3])


class Driver(TypedDict):
    moment_id: int
    name: str
    kind: str
    position: int
    effect: float | None
    low: float | None
    high: float | None
    dissatisfied_share: float | None
    customers_dissatisfied: int
    customers_satisfied: int
    outcome_share_dissatisfied: float | None
    outcome_share_satisfied: float | None
    enough: bool
    critical: bool
    adjusted: dict[str, float] | None
    agreement: str | None


def _interval_side(low: float, high: float) -> int:
    """+1 above zero, −1 below, 0 when the interval holds zero."""
    return 1 if low > 0 else -1 if high < 0 else 0


def agreement(raw: tuple[float, float], adjusted: tuple[float, float]) -> str:
    """How the plain interval and the model's relate, for the page's explanation.

    >>> agreement((0.1, 0.3), (0.05, 0.2)), agreement((0.1, 0.3), (-0.05, 0.2))
    ('both', 'raw_only')
    >>> agreement((-0.05, 0.3), (0.02, 0.2)), agreement((0.1, 0.3), (-0.3, -0.1))
    ('adjusted_only', 'opposite')
    """
    first, second = _interval_side(*raw), _interval_side(*adjusted)
    if first and second:
        return AGREE if first == second else OPPOSITE
    if first:
        return RAW_ONLY
    return ADJUSTED_ONLY if second else NEITHER


def drivers_compute(*, patterns: Patterns, moments: list[Moment], drivers: list[int], min_sample: int,
                    critical: set[int]) -> tuple[list[Driver], dict[str, Any]]:
    """Each driver moment's plain and adjusted effect, highest effect first (moments
    without enough customers after them, in cycle order), and the model's summary."""
    answered = patterns.outcome != NO_OUTCOME
    bad_outcome = patterns.outcome == OUTCOME_DISSATISFIED
    by_id = {moment.pk: moment for moment in moments}
    found: list[Driver] = []
    in_model: list[int] = []
    for index, moment_id in enumerate(drivers):
        rated_here = answered & (((patterns.rated >> index) & 1) == 1)
        bad_here = rated_here & (((patterns.bad >> index) & 1) == 1)
        good_here = rated_here & ~bad_here
        n_bad, n_good = int(patterns.customers[bad_here].sum()), int(patterns.customers[good_here].sum())
        d_bad = int(patterns.customers[bad_here & bad_outcome].sum())
        d_good = int(patterns.customers[good_here & bad_outcome].sum())
        enough = n_bad >= max(1, min_sample) and n_good >= max(1, min_sample)
        effect = low = high = None
        if enough:
            effect, low, high = stats.newcombe_difference_interval(d_bad, n_bad, d_good, n_good)
            in_model.append(index)
        moment = by_id[moment_id]
        found.append({
            "moment_id": moment_id, "name": moment.name, "kind": moment.kind, "position": moment.position,
            "effect": effect, "low": low, "high": high,
            "dissatisfied_share": n_bad / (n_bad + n_good) if n_bad + n_good else None,
            "customers_dissatisfied": n_bad, "customers_satisfied": n_good,
            "outcome_share_dissatisfied": d_bad / n_bad if n_bad else None,
            "outcome_share_satisfied": d_good / n_good if n_good else None,
            "enough": enough, "critical": moment_id in critical, "adjusted": None, "agreement": None,
        })
    model = _model(patterns, answered, bad_outcome, in_model)
    for index, driver in enumerate(found):
        adjusted = model["effects"].get(index)
        if adjusted is not None and driver["low"] is not None and driver["high"] is not None:
            driver["adjusted"] = {"effect": adjusted.effect, "low": adjusted.low, "high": adjusted.high}
            driver["agreement"] = agreement((driver["low"], driver["high"]), (adjusted.low, adjusted.high))
    found.sort(key=lambda item: (item["effect"] is None, -(item["effect"] or 0.0), item["position"]))
    return found, {"state": model["state"], "customers": model["customers"], "moments": len(model["effects"])}


def _model(patterns: Patterns, answered: np.ndarray, bad_outcome: np.ndarray, in_model: list[int]) -> dict:
    """The logistic model over the customers with an outcome, when two or more
    moments have enough customers (one moment alone is its own plain effect)."""
    if len(in_model) < 2:
        return {"state": "too_few", "customers": 0, "effects": {}}
    # Patterns with and without a bad outcome side by side: customers and bad outcomes per (rated, bad).
    keys = np.stack([patterns.rated[answered], patterns.bad[answered]], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    customers = np.bincount(inverse.ravel(), weights=patterns.customers[answered], minlength=len(unique))
    bad_outcomes = np.bincount(inverse.ravel(), weights=patterns.customers[answered] * bad_outcome[answered],
                               minlength=len(unique))
    result = driver_model.adjusted_effects(rated=unique[:, 0], bad=unique[:, 1], customers=customers,
                                           bad_outcomes=bad_outcomes, moments=in_model)
    return {"state": result.failed or "ok", "customers": result.customers, "effects": result.effects}


def paths_compute(*, patterns: Patterns, drivers: list[int], critical: set[int], min_sample: int) -> dict[str, Any]:
    """The customer's path: of the linked customers who rated at least one driver
    moment, how many met a critical moment, how many bad moments each met
    (0, 1, … PATH_MAX_BAD_MOMENTS or more), and the outcome's dissatisfied share
    (Wilson interval) by that number, with the effect of a second bad moment
    (two or more against exactly one, Newcombe's interval)."""
    on_path = patterns.rated != 0
    customers = patterns.customers
    critical_mask = sum(1 << index for index, moment_id in enumerate(drivers) if moment_id in critical)
    linked = int(customers[on_path].sum())
    met = int(customers[on_path & ((patterns.rated & critical_mask) != 0)].sum())
    count = np.minimum(np.bitwise_count(patterns.bad.astype(np.uint64)).astype(np.int64), PATH_MAX_BAD_MOMENTS)
    answered = on_path & (patterns.outcome != NO_OUTCOME)
    bad_outcome = patterns.outcome == OUTCOME_DISSATISFIED
    distribution: list[dict[str, Any]] = []
    for bad_moments in range(PATH_MAX_BAD_MOMENTS + 1):
        here = on_path & (count == bad_moments)
        with_outcome = int(customers[here & answered].sum())
        dissatisfied = int(customers[here & answered & bad_outcome].sum())
        low, high = stats.wilson_interval(dissatisfied, with_outcome)
        distribution.append({
            "bad_moments": bad_moments, "or_more": bad_moments == PATH_MAX_BAD_MOMENTS,
            "customers": int(customers[here].sum()),
            "share": int(customers[here].sum()) / linked if linked else None,
            "with_outcome": with_outcome, "outcome_dissatisfied": dissatisfied,
            "outcome_share": dissatisfied / with_outcome if with_outcome else None,
            "low": low if with_outcome else None, "high": high if with_outcome else None,
            "enough": with_outcome >= max(1, min_sample),
        })
    one = distribution[1]
    several = [item for item in distribution if item["bad_moments"] >= 2]
    several_n, several_d = sum(item["with_outcome"] for item in several), sum(item["outcome_dissatisfied"]
                                                                              for item in several)
    second = None
    if one["with_outcome"] >= max(1, min_sample) and several_n >= max(1, min_sample):
        effect, low, high = stats.newcombe_difference_interval(several_d, several_n, one["outcome_dissatisfied"],
                                                               one["with_outcome"])
        second = {"effect": effect, "low": low, "high": high}
    met_low, met_high = stats.wilson_interval(met, linked)
    return {
        "customers": linked,
        "met_critical": {"customers": met, "share": met / linked if linked else None,
                         "low": met_low if linked else None, "high": met_high if linked else None},
        "bad_moments": distribution,
        "second_bad_moment": second,
    }
