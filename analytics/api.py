"""REST API of the analytics (mounted under /api/v1/cycles/<id>/…).

Read-only JSON of the same snapshots the dashboard shows; column labels follow
Accept-Language (snapshots keep codes). Scoped like every
other resource (journeys.permissions): another organization's cycle is 404;
an unknown dimension, a bad or too long period, or a cycle without moments is 400.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import ServiceCycle
from journeys.permissions import READ, request_organization_ids
from momento.api.errors import OBJECT_READ_ERRORS, error_responses
from momento.api.scoping import CapabilityMixin
from momento.replica import replica_lag_seconds, replica_reads_for

from . import labels, services
from .insights_api import INSIGHTS
from .models import HeatmapSnapshot, Trend
from .periods import (
    DIMENSIONS,
    MAX_PERIOD_DAYS,
    WEEK_CHOICES,
    Period,
    dimension_parse,
    local_today,
    period_parse,
)

VIEW_PARAMETERS = [
    OpenApiParameter("dimension", str, enum=list(DIMENSIONS), description="Columns of the heatmap (default weeks)."),
    OpenApiParameter("weeks", int, description=f"The last N ISO weeks, current week included (default 8; "
                     f"the picker offers {', '.join(map(str, WEEK_CHOICES))})."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="Custom period start (with end), cycle time zone."),
    OpenApiParameter("end", OpenApiTypes.DATE, description=f"Custom period end; at most {MAX_PERIOD_DAYS} days."),
]
TREND_CHOICES = Trend.choices
TREND_HELP = ("Against the column before (week columns; the first has none) or the previous period (channel and "
              "segment columns, totals): worsening / improving when a two-proportion z-test at 95 % says the "
              "dissatisfied share rose / fell, steady when it cannot tell, no_earlier_data when there is nothing "
              "to compare with or either side has fewer than min_sample ratings.")
WORSENING_HELP = "true when trend is worsening, false when improving or steady, null when no_earlier_data."
NPS_HELP = ("Net Promoter Score of the NPS (0–10) ratings in it: % promoters (9–10) − % detractors (0–6), −100 to "
            "100. A moment's counts its NPS touchpoints only, never its other scales; null without NPS ratings.")
NPS_INTERVAL_HELP = ("95 % interval of the NPS by the adjusted-Wald method (Rocks 2016: ¾ promoter and ¾ detractor "
                     "added, n + 3), cut to −100…100; null without NPS ratings.")


def nps_fields() -> dict[str, serializers.Field]:
    return {
        "nps": serializers.FloatField(allow_null=True, help_text=NPS_HELP),
        "nps_low": serializers.FloatField(allow_null=True, help_text=NPS_INTERVAL_HELP + " Lower end."),
        "nps_high": serializers.FloatField(allow_null=True, help_text=NPS_INTERVAL_HELP + " Upper end."),
    }


def _figures(**extra) -> dict[str, serializers.Field]:
    """The fields of a heatmap cell (and of every total, which adds `extra`)."""
    return {
        "n": serializers.IntegerField(help_text="Ratings."),
        "d": serializers.IntegerField(help_text="Dissatisfied ratings."),
        "share": serializers.FloatField(allow_null=True, help_text="d / n; null without ratings."),
        "mean": serializers.FloatField(allow_null=True, help_text="Mean normalised score, 0–100."),
        "low": serializers.FloatField(help_text="Wilson 95 % interval of the share, lower end."),
        "high": serializers.FloatField(help_text="Wilson 95 % interval of the share, upper end."),
        "critical": serializers.BooleanField(help_text="n ≥ min_sample and low ≥ critical_share."),
        "trend": serializers.ChoiceField(choices=TREND_CHOICES, help_text=TREND_HELP),
        "worsening": serializers.BooleanField(allow_null=True, help_text=WORSENING_HELP),
        "previous_n": serializers.IntegerField(allow_null=True, help_text="Ratings of what it is compared with "
                                                                           "(null: nothing, the first week column)."),
        "previous_share": serializers.FloatField(allow_null=True),
        "enough": serializers.BooleanField(help_text="n ≥ min_sample: enough ratings to judge."),
        **nps_fields(),
        **extra,
    }


TOTAL_FIELDS = _figures(
    previous_d=serializers.IntegerField(),
    severity=serializers.FloatField(help_text="Ordering key: the Wilson lower bound × n."),
    reach=serializers.FloatField(help_text="People estimated to hear of it: d × share telling × people told."),
    social=serializers.FloatField(help_text="Dissatisfied customers estimated to vent on social media."),
    fcr_rate=serializers.FloatField(allow_null=True, help_text="Resolved at first contact, of those asked."),
    fcr_asked=serializers.IntegerField(),
)
CELL = inline_serializer(name="HeatmapCell", fields=_figures(), many=True,
                         help_text="One per column, in the order of columns.")
# A copy: inline_serializer's class creation pops the fields out of the dict it is given, and
# the critical touchpoints below need them too (their schema listed only id, name, channel).
TOTAL = inline_serializer(name="HeatmapTotal", fields=dict(TOTAL_FIELDS), help_text="The whole period.")
TOUCHPOINT_ROW = inline_serializer(name="HeatmapTouchpointRow", many=True, fields={
    "id": serializers.IntegerField(), "name": serializers.CharField(), "channel": serializers.CharField(),
    "cells": CELL, "total": TOTAL,
})
MOMENT_ROW = inline_serializer(name="HeatmapMomentRow", many=True, help_text="Moments in cycle order.", fields={
    "id": serializers.IntegerField(), "name": serializers.CharField(), "moment_kind": serializers.CharField(),
    "position": serializers.IntegerField(), "protocol": serializers.CharField(allow_blank=True),
    "owner": serializers.CharField(allow_null=True), "cells": CELL, "total": TOTAL, "touchpoints": TOUCHPOINT_ROW,
})
COLUMN = inline_serializer(name="HeatmapColumn", many=True, fields={
    "key": serializers.CharField(help_text="ISO week (2026-W42), channel code, or segment (s<id>, none)."),
    "label": serializers.CharField(help_text="In the language of Accept-Language (en, es)."),
    "start": serializers.DateField(required=False, help_text="Week columns: the first day of the period in it."),
})
PERIOD = inline_serializer(name="HeatmapPeriod", fields={
    "start": serializers.DateField(), "end": serializers.DateField(), "days": serializers.IntegerField(),
    "weeks": serializers.IntegerField(allow_null=True, help_text="N when the period is the last N ISO weeks up "
                                      "to its end (it starts on a Monday), else null."),
})
THRESHOLDS = inline_serializer(name="HeatmapThresholds", fields={
    "min_sample": serializers.IntegerField(), "critical_share": serializers.FloatField(),
})
SNAPSHOT_META: dict[str, serializers.Field] = {
    "cycle": serializers.IntegerField(),
    "status": serializers.ChoiceField(choices=HeatmapSnapshot.Status.choices),
    "computed_at": serializers.DateTimeField(),
    "dimension": serializers.ChoiceField(choices=list(DIMENSIONS)),
    "period": PERIOD,
    "thresholds": THRESHOLDS,
}
HEATMAP_RESPONSE = inline_serializer(name="HeatmapSnapshot", fields={
    **SNAPSHOT_META,
    "columns": COLUMN,
    "rows": MOMENT_ROW,
    "empty": serializers.CharField(allow_null=True,
                                   help_text="too_few when no moment or touchpoint has enough ratings to judge (a cycle "
                                             "without touchpoints, or a period without ratings, is a 400)."),
})
CRITICAL_TOUCHPOINT = inline_serializer(name="CriticalTouchpoint", many=True, fields={
    "id": serializers.IntegerField(), "name": serializers.CharField(), "channel": serializers.CharField(),
    **TOTAL_FIELDS,
})
CRITICAL_MOMENT = inline_serializer(name="CriticalMoment", many=True, help_text="By severity, highest first.", fields={
    "moment_id": serializers.IntegerField(), "name": serializers.CharField(), "kind": serializers.CharField(),
    "position": serializers.IntegerField(), "protocol": serializers.CharField(allow_blank=True),
    "owner": serializers.CharField(allow_null=True),
    "moment_critical": serializers.BooleanField(help_text="The moment as a whole is critical (else only some of "
                                                          "its touchpoints are)."),
    **nps_fields(),
    "severity": serializers.FloatField(),
    "trend": serializers.ChoiceField(choices=TREND_CHOICES, help_text="worsening when the moment or one of its "
                                     "critical touchpoints worsens, else the moment's own trend."),
    "worsening": serializers.BooleanField(allow_null=True, help_text=WORSENING_HELP),
    "dissatisfied": serializers.IntegerField(), "reach": serializers.FloatField(),
    "social": serializers.FloatField(), "total": TOTAL, "critical_touchpoints": CRITICAL_TOUCHPOINT,
    "insights": INSIGHTS,
})
CRITICAL_RESPONSE = inline_serializer(name="CriticalMoments", fields={
    **SNAPSHOT_META,
    "critical_moments": CRITICAL_MOMENT,
})


# An answer in JSON is the same for every client of a snapshot (in one language) until
# the snapshot is computed again: it is kept, rendered, under the snapshot's identity, so
# a read while ingest refreshes the snapshots every few seconds costs a handful of small
# queries (no JSON of the snapshot read, decoded or encoded).
ANSWER_CACHE_SECONDS = 600


class _CycleSnapshotView(CapabilityMixin, APIView):
    replica_lag: float | None = None
    answer_key: str | None = None  # where finalize_response keeps this answer

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.replica_lag is not None:  # read from the replica: say how far behind it was
            response["X-Momento-Replica-Lag"] = f"{self.replica_lag:.1f}"
        if self.answer_key is not None and isinstance(response, Response) and response.status_code == 200:
            response.render()
            with contextlib.suppress(*services.BROKER_OUTAGE_ERRORS):
                cache.set(self.answer_key, (response["Content-Type"], response.content), ANSWER_CACHE_SECONDS)
        return response

    def _key(self, request: Request, snapshot: HeatmapSnapshot) -> str | None:
        """Where the answer drawn from `snapshot` is kept: JSON answers only, per
        endpoint and language (labels follow Accept-Language). None for a snapshot
        that is not stored (computed from a lagging replica's rollups)."""
        if request.accepted_renderer.format != "json" or snapshot.pk is None:
            return None
        drawn_from = [type(self).__name__, get_language(), request.accepted_media_type,
                      *services.snapshot_identity(snapshot)]
        return "analytics:api-answer:" + hashlib.sha256(json.dumps(drawn_from).encode()).hexdigest()

    def answer(self, request: Request, pk: int,
               build: Callable[[HeatmapSnapshot, services.CycleStructure], dict]) -> HttpResponseBase:
        """The answer built by `build(snapshot, structure)` from the view's current
        snapshot, or kept from an earlier request for the same snapshot."""
        cycle, dimension, period = self._view(request, pk)
        # Access was checked on the primary; the figures may come from the read replica.
        with replica_reads_for(request):
            self.replica_lag = replica_lag_seconds()
            shown = services.heatmap_snapshot_shown(cycle=cycle, dimension=dimension, period=period)
            key = self._key(request, shown) if shown is not None else None
            kept = None
            if key is not None:
                with contextlib.suppress(*services.BROKER_OUTAGE_ERRORS):
                    kept = cache.get(key)
            if kept is not None:
                content_type, content = kept
                return HttpResponse(content, content_type=content_type)
            snapshot, structure = self._current(cycle, dimension, period)
        self.answer_key = self._key(request, snapshot)
        return Response(build(snapshot, structure))

    def _view(self, request: Request, pk: int) -> tuple[ServiceCycle, str, Period]:
        """The cycle (404 unless the client may read it), dimension and period asked for."""
        cycle = get_object_or_404(
            ServiceCycle.objects.select_related("organization").filter(
                organization_id__in=request_organization_ids(request, READ)
            ),
            pk=pk,
        )
        dimension = dimension_parse(params=request.query_params)
        return cycle, dimension, period_parse(params=request.query_params, today=local_today(cycle.timezone))

    def snapshot(self, request: Request, pk: int) -> tuple[HeatmapSnapshot, services.CycleStructure]:
        """The current snapshot of the view asked for, with its cycle's structure."""
        cycle, dimension, period = self._view(request, pk)
        # Access was checked on the primary; the figures may come from the read replica.
        with replica_reads_for(request):
            self.replica_lag = replica_lag_seconds()
            return self._current(cycle, dimension, period)

    def _current(self, cycle: ServiceCycle, dimension: str, period: Period
                 ) -> tuple[HeatmapSnapshot, services.CycleStructure]:
        snapshot, structure = services.heatmap_snapshot_current(cycle=cycle, dimension=dimension, period=period)
        if snapshot is None:
            raise ValidationError({"cycle": [_("This cycle has no moments of truth yet.")]})
        # Nothing to compute from: a 400 that says why (too few ratings to judge is
        # an answer, 200 with "empty": "too_few").
        if snapshot.data["empty"] == "no_touchpoints":
            raise ValidationError({"cycle": [_("The moments of this cycle have no touchpoints yet.")]})
        if snapshot.data["empty"] == "no_ratings":
            raise ValidationError({"period": [_("No ratings in this period (%(start)s to %(end)s).") % {
                "start": period.start.isoformat(), "end": period.end.isoformat()}]})
        return snapshot, structure

    @staticmethod
    def meta(snapshot: HeatmapSnapshot) -> dict:
        return {"cycle": snapshot.cycle_id, "status": snapshot.status, "computed_at": snapshot.computed_at,
                "dimension": snapshot.dimension, "period": snapshot.data["period"],
                "thresholds": snapshot.data["thresholds"]}


class CycleHeatmapView(_CycleSnapshotView):
    @extend_schema(
        operation_id="cycle_heatmap", tags=["analytics"], parameters=VIEW_PARAMETERS,
        summary="Heatmap of a cycle's moments (dissatisfied share per column)",
        responses={200: HEATMAP_RESPONSE, **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        def build(snapshot: HeatmapSnapshot, structure: services.CycleStructure) -> dict:
            data = snapshot.data
            # Labels in the language the client asked for (Accept-Language); the snapshot keeps codes.
            columns = labels.labelled_columns(dimension=snapshot.dimension, columns=data["columns"],
                                              segments=structure.segments)
            return {**self.meta(snapshot), "columns": columns, "rows": data["rows"], "empty": data["empty"]}

        return self.answer(request, pk, build)


class CycleCriticalMomentsView(_CycleSnapshotView):
    @extend_schema(
        operation_id="cycle_critical_moments", tags=["analytics"], parameters=VIEW_PARAMETERS,
        summary="Critical moments of a cycle in a period, by severity",
        responses={200: CRITICAL_RESPONSE, **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        return self.answer(request, pk, lambda snapshot, _structure: {
            **self.meta(snapshot), "critical_moments": snapshot.data["critical_moments"]})


__all__ = ["CycleCriticalMomentsView", "CycleHeatmapView", "OpenApiResponse"]
