"""REST API of the analytics (mounted under /api/v1/cycles/<id>/…).

Read-only JSON of the same snapshots the dashboard shows. Scoped like every
other resource (journeys.permissions): another organization's cycle is 404;
an unknown dimension, a bad or too long period, or a cycle without moments is 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
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

from journeys.api_support import OBJECT_READ_ERRORS, CapabilityMixin, error_responses
from journeys.models import ServiceCycle
from journeys.permissions import READ, HasCapability, request_organization_ids

from . import services
from .models import HeatmapSnapshot
from .periods import (
    DIMENSIONS,
    MAX_PERIOD_DAYS,
    WEEK_CHOICES,
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
SNAPSHOT_META = {
    "cycle": serializers.IntegerField(),
    "status": serializers.ChoiceField(choices=HeatmapSnapshot.Status.choices),
    "computed_at": serializers.DateTimeField(),
    "dimension": serializers.ChoiceField(choices=list(DIMENSIONS)),
    "period": serializers.DictField(help_text="start, end (dates), days, weeks (or null)."),
}
HEATMAP_RESPONSE = inline_serializer(name="HeatmapSnapshot", fields={
    **SNAPSHOT_META,
    "columns": serializers.ListField(child=serializers.DictField(), help_text="key, label (and start for weeks)."),
    "rows": serializers.ListField(
        child=serializers.DictField(),
        help_text="Moments in cycle order: id, name, moment_kind, position, protocol, owner, cells (one per "
                  "column: n, d, share, mean, low, high, critical, worsening, enough), total (the period: "
                  "the cell plus previous_share, severity, reach, social, fcr_rate) and touchpoints (same shape).",
    ),
    "thresholds": serializers.DictField(),
    "empty": serializers.CharField(allow_null=True,
                                   help_text="too_few when no moment or touchpoint has enough ratings to judge (a cycle "
                                             "without touchpoints, or a period without ratings, is a 400)."),
})
CRITICAL_RESPONSE = inline_serializer(name="CriticalMoments", fields={
    **SNAPSHOT_META,
    "thresholds": serializers.DictField(),
    "critical_moments": serializers.ListField(
        child=serializers.DictField(),
        help_text="By severity, highest first: moment_id, name, kind, position, protocol, owner, moment_critical, "
                  "severity, worsening, dissatisfied, reach, social, total, critical_touchpoints.",
    ),
})


class _CycleSnapshotView(CapabilityMixin, APIView):
    permission_classes = [HasCapability]

    def snapshot(self, request: Request, pk: int) -> HeatmapSnapshot:
        cycle = get_object_or_404(
            ServiceCycle.objects.select_related("organization").filter(
                organization_id__in=request_organization_ids(request, READ)
            ),
            pk=pk,
        )
        try:
            dimension = dimension_parse(params=request.query_params)
            period = period_parse(params=request.query_params, today=local_today(cycle.timezone))
        except DjangoValidationError as error:
            raise ValidationError(detail=serializers.as_serializer_error(error)) from None
        snapshot, _structure = services.heatmap_snapshot_current(cycle=cycle, dimension=dimension, period=period)
        if snapshot is None:
            raise ValidationError({"cycle": [_("This cycle has no moments of truth yet.")]})
        # Nothing to compute from: a 400 that says why (too few ratings to judge is
        # an answer, 200 with "empty": "too_few").
        if snapshot.data["empty"] == "no_touchpoints":
            raise ValidationError({"cycle": [_("The moments of this cycle have no touchpoints yet.")]})
        if snapshot.data["empty"] == "no_ratings":
            raise ValidationError({"period": [_("No ratings in this period (%(start)s to %(end)s).") % {
                "start": period.start.isoformat(), "end": period.end.isoformat()}]})
        return snapshot

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
    def get(self, request: Request, pk: int) -> Response:
        snapshot = self.snapshot(request, pk)
        data = snapshot.data
        return Response({**self.meta(snapshot), "columns": data["columns"], "rows": data["rows"],
                         "empty": data["empty"]})


class CycleCriticalMomentsView(_CycleSnapshotView):
    @extend_schema(
        operation_id="cycle_critical_moments", tags=["analytics"], parameters=VIEW_PARAMETERS,
        summary="Critical moments of a cycle in a period, by severity",
        responses={200: CRITICAL_RESPONSE, **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> Response:
        snapshot = self.snapshot(request, pk)
        return Response({**self.meta(snapshot), "critical_moments": snapshot.data["critical_moments"]})


__all__ = ["CycleCriticalMomentsView", "CycleHeatmapView", "OpenApiResponse"]
