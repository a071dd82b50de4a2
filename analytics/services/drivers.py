"""Key-driver snapshots: computed from one aggregate of linked ratings (`analytics.key_drivers`),
stored per view, read by the dashboard and the API.

A snapshot remembers the cycle's rollup version and the signature of what it
shows (structure, outcome, thresholds); the rollups' fan-out recomputes the
default view and those read lately (`key_drivers_refresh_cycle`, a task), and a
reader finds a missing or changed one computed on the spot. The dashboard may
show one whose only difference is newer ratings while the task catches up: at a
million ratings the aggregate takes a fraction of a second, too long for every
page view during ingest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from journeys.models import ServiceCycle

from .. import key_drivers
from ..models import NO_SEGMENT, CycleRollupState, KeyDriverSnapshot
from ..periods import DEFAULT_WEEKS, Period, last_weeks, local_today
from .base import Progress, derived_data_commit, no_progress
from .snapshots import CycleStructure, cycle_structure, heatmap_snapshot_current

# 1: the first shape (issue 18).
KEY_DRIVER_FORMAT = 1
WARM_DAYS = 7
STALE_DAYS = 30
MAX_WARM = 6
ALL_SEGMENTS = ""


def segment_code(segment: int | None) -> str:
    """How a snapshot names its segment filter: "" all, "none", or the id."""
    if segment is None:
        return ALL_SEGMENTS
    return "none" if segment == NO_SEGMENT else str(segment)


def _segment_of(code: str) -> int | None:
    if code == ALL_SEGMENTS:
        return None
    return NO_SEGMENT if code == "none" else int(code)


@dataclass(frozen=True)
class DriversView:
    """What one snapshot is of: its outcome (None: the cycle has none), period and segment filter."""

    outcome: key_drivers.Outcome | None
    period: Period
    segment: int | None = None


def _signature(cycle: ServiceCycle, structure: CycleStructure, view: DriversView) -> str:
    described = {
        "format": KEY_DRIVER_FORMAT,
        "structure": structure.signature,
        "outcome": view.outcome.key if view.outcome else "",
        "loyalty": sorted(tp.pk for tp in structure.touchpoints if tp.loyalty_question),
        "min_sample": cycle.min_sample,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def key_drivers_data_build(*, cycle: ServiceCycle, view: DriversView, structure: CycleStructure) -> dict[str, Any]:
    """The snapshot JSON of one view: drivers, model, path (see `analytics.key_drivers`)."""
    base: dict[str, Any] = {
        "format": KEY_DRIVER_FORMAT, "period": view.period.as_dict(), "segment": segment_code(view.segment) or None,
        "outcome": view.outcome.as_dict() if view.outcome else None, "min_sample": cycle.min_sample,
    }
    if view.outcome is None:
        return {**base, "state": "no_outcome", "customers": 0, "linked_customers": 0, "drivers": [],
                "model": {"state": "too_few", "customers": 0, "moments": 0}, "paths": None,
                "critical_moment_ids": []}
    outcome = view.outcome
    drivers = [moment.pk for moment in structure.moments if moment.pk != outcome.moment_id
               ][:key_drivers.MAX_DRIVER_MOMENTS]
    heatmap, _structure = heatmap_snapshot_current(cycle=cycle, dimension="weeks", period=view.period)
    critical = {item["moment_id"] for item in heatmap.data["critical_moments"]} if heatmap else set()
    patterns = key_drivers.customer_patterns(cycle=cycle, outcome=outcome, drivers=drivers,
                                             touchpoints=structure.touchpoints, period=view.period,
                                             segment=view.segment)
    found, model = key_drivers.drivers_compute(patterns=patterns, moments=structure.moments, drivers=drivers,
                                                min_sample=cycle.min_sample, critical=critical)
    paths = key_drivers.paths_compute(patterns=patterns, drivers=drivers, critical=critical,
                                      min_sample=cycle.min_sample)
    linked = int(patterns.customers.sum())
    answered = int(patterns.customers[patterns.outcome != key_drivers.NO_OUTCOME].sum())
    if linked == 0:
        state = "no_linked_customers"
    elif answered == 0:
        state = "no_outcome_customers"
    elif not any(driver["enough"] for driver in found):
        state = "too_few"
    else:
        state = "ok"
    return {**base, "state": state, "customers": answered, "linked_customers": linked, "drivers": found,
            "model": model, "paths": paths, "critical_moment_ids": sorted(critical)}


def _version(cycle: ServiceCycle) -> int:
    return CycleRollupState.objects.filter(cycle=cycle).values_list("version", flat=True).first() or 0


@transaction.atomic
def key_drivers_snapshot_compute(*, cycle: ServiceCycle, view: DriversView,
                                 structure: CycleStructure | None = None) -> KeyDriverSnapshot:
    """Compute and store (replacing the previous one) the snapshot of one view."""
    derived_data_commit()
    version = _version(cycle)
    structure = structure or cycle_structure(cycle=cycle, dimension="weeks")
    data = key_drivers_data_build(cycle=cycle, view=view, structure=structure)
    snapshot = KeyDriverSnapshot(
        cycle=cycle, outcome=view.outcome.key if view.outcome else "", period_start=view.period.start,
        period_end=view.period.end, segment=segment_code(view.segment), computed_at=timezone.now(),
        rollup_version=version, signature=_signature(cycle, structure, view), data=data,
    )
    KeyDriverSnapshot.objects.bulk_create(
        [snapshot], update_conflicts=True, unique_fields=["cycle", "outcome", "period_start", "period_end", "segment"],
        update_fields=["computed_at", "rollup_version", "signature", "data"],
    )
    return snapshot


@dataclass(frozen=True)
class CurrentDrivers:
    snapshot: KeyDriverSnapshot
    stale: bool  # newer ratings reached the cycle; a task is recomputing it


def key_drivers_current(*, cycle: ServiceCycle, view: DriversView, structure: CycleStructure | None = None,
                        stale_ok: bool = False) -> CurrentDrivers:
    """The snapshot of this view, computed first when missing or stale. With
    `stale_ok` (the dashboard) one that only lacks newer ratings is answered as it
    is, marked stale: the rollups' fan-out has queued its recompute."""
    structure = structure or cycle_structure(cycle=cycle, dimension="weeks")
    stored = KeyDriverSnapshot.objects.filter(
        cycle=cycle, outcome=view.outcome.key if view.outcome else "", period_start=view.period.start,
        period_end=view.period.end, segment=segment_code(view.segment),
    ).first()
    if stored is not None and stored.signature == _signature(cycle, structure, view):
        if stored.rollup_version == _version(cycle):
            return CurrentDrivers(stored, False)
        if stale_ok:
            return CurrentDrivers(stored, True)
    return CurrentDrivers(key_drivers_snapshot_compute(cycle=cycle, view=view, structure=structure), False)


def default_view(*, cycle: ServiceCycle, structure: CycleStructure, today: dt.date | None = None) -> DriversView:
    """The dashboard's first view: default outcome, the last DEFAULT_WEEKS weeks, every customer."""
    today = today or local_today(cycle.timezone)
    outcome = key_drivers.outcome_default(cycle=cycle, touchpoints=structure.touchpoints, moments=structure.moments)
    return DriversView(outcome=outcome, period=last_weeks(weeks=DEFAULT_WEEKS, today=today))


def key_drivers_refresh_cycle(*, cycle_id: int, progress: Progress = no_progress) -> int:
    """Recompute the cycle's default key-driver view and the views read lately; prune old ones.
    Returns how many were computed (none for a cycle without an outcome)."""
    cycle = ServiceCycle.objects.select_related("organization").filter(pk=cycle_id).first()
    if cycle is None:
        return 0
    now = timezone.now()
    KeyDriverSnapshot.objects.filter(cycle=cycle, computed_at__lt=now - dt.timedelta(days=STALE_DAYS)).delete()
    structure = cycle_structure(cycle=cycle, dimension="weeks")
    first = default_view(cycle=cycle, structure=structure)
    if first.outcome is None:
        return 0
    views = [first]
    recent = (KeyDriverSnapshot.objects.filter(cycle=cycle, computed_at__gte=now - dt.timedelta(days=WARM_DAYS))
              .exclude(outcome="").order_by("-computed_at")
              .values_list("outcome", "period_start", "period_end", "segment")[:MAX_WARM])
    for outcome_key, start, end, segment in recent:
        outcome = _outcome_of(outcome_key, cycle, structure)
        view = DriversView(outcome=outcome, period=Period(start=start, end=end), segment=_segment_of(segment))
        if outcome is not None and view not in views:
            views.append(view)
    for index, view in enumerate(views):
        key_drivers_snapshot_compute(cycle=cycle, view=view, structure=structure)
        progress(index + 1, len(views))
    return len(views)


def _outcome_of(key: str, cycle: ServiceCycle, structure: CycleStructure) -> key_drivers.Outcome | None:
    """The outcome a stored snapshot names, if it is still one of the cycle's."""
    if key.startswith("t") and key[1:].isdigit():
        try:
            return key_drivers.outcome_parse(value=key[1:], cycle=cycle, touchpoints=structure.touchpoints,
                                             moments=structure.moments)
        except ValidationError:  # a touchpoint since deleted or moved: not warm any more
            return None
    default = key_drivers.outcome_default(cycle=cycle, touchpoints=structure.touchpoints, moments=structure.moments)
    return default if default is not None and default.key == key else None
