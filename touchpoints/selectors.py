"""Reads behind the import pages. Callers pass an organization they
have already checked the user may act on (journeys.permissions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from celery.result import AsyncResult
from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from journeys.models import Organization, ServiceCycle

from .models import Rating, RatingImport, Touchpoint

RECENT_IMPORTS = 10


def rating_imports_recent(*, organization: Organization, limit: int = RECENT_IMPORTS) -> QuerySet[RatingImport]:
    return (
        RatingImport.objects.filter(organization=organization)
        .select_related("created_by", "cycle")
        .order_by("-created_at", "-id")[:limit]
    )


def import_touchpoints(*, organization: Organization, cycle: ServiceCycle | None = None) -> QuerySet[Touchpoint]:
    """The touchpoint keys a file may name, in cycle order (the reference on the upload page)."""
    touchpoints = Touchpoint.objects.filter(organization=organization, moment__cycle__archived=False)
    if cycle is not None:
        touchpoints = touchpoints.filter(moment__cycle=cycle)
    return touchpoints.select_related("moment__cycle").order_by(
        "moment__cycle__name", "moment__cycle_id", "moment__position", "id"
    )


def example_touchpoint(*, organization: Organization) -> Touchpoint | None:
    """A real touchpoint for the new token's example: the first of the first active cycle."""
    return import_touchpoints(organization=organization).first()


@dataclass
class ImportProgress:
    status: str
    finished: bool
    done: int | None
    total: int | None

    @property
    def percent(self) -> int | None:
        if self.finished:
            return 100
        if not self.total:
            return None
        # Never 100 % before the outcome is stored: the last chunk is still being written.
        return min(99, int(100 * (self.done or 0) / self.total))


def rating_import_progress(*, rating_import: RatingImport) -> ImportProgress:
    """Where an import stands: its stored outcome, else the task's PROGRESS meta.

    The row is the truth once the import finished (in eager mode that is
    already so when the page first asks); before, the Celery result backend
    holds the lines done so far.
    """
    rating_import.refresh_from_db()
    if rating_import.is_finished:
        rows = rating_import.row_count
        return ImportProgress(rating_import.status, True, rows, rows)
    # Eager mode keeps no results: the import runs inside the request that starts it.
    if rating_import.status == RatingImport.Status.UPLOADED or not rating_import.task_id \
            or settings.CELERY_TASK_ALWAYS_EAGER:
        return ImportProgress(rating_import.status, False, None, None)
    result = AsyncResult(rating_import.task_id)
    info = result.info if isinstance(result.info, dict) else {}
    return ImportProgress(rating_import.status, False, info.get("done"), info.get("total"))


def recent_ratings_by_cycle(*, cycle_ids: list[int], since: dt.datetime | None = None) -> dict[int, int]:
    """Ratings per cycle that occurred since `since` (default: the last 7 days), one GROUP BY."""
    since = since or timezone.now() - dt.timedelta(days=7)
    return dict(
        Rating.objects.filter(touchpoint__moment__cycle_id__in=cycle_ids, occurred_at__gte=since)
        .order_by().values_list("touchpoint__moment__cycle_id").annotate(n=Count("pk"))
    )
