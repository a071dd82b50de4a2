"""A cycle's ratings as CSV, streamed from the database (GET /api/v1/cycles/<id>/ratings.csv)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import renderers, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from journeys.models import ServiceCycle
from journeys.permissions import (
    READ,
    request_organization_ids,
)
from momento.api.errors import OBJECT_READ_ERRORS, error_responses
from momento.api.scoping import CapabilityMixin
from momento.replica import read_alias_for

from ..csv_io import ratings_export_lines


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors come through here; the export itself is a streaming response.
        detail = data.get("detail", "") if isinstance(data, dict) else data
        return f"error\n{detail}\n".encode()


class CycleRatingsExportView(CapabilityMixin, APIView):
    """GET a cycle's ratings as CSV, streamed from the database."""

    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    def capability_for(self, request) -> str:
        return READ

    @extend_schema(
        summary="Export a cycle's ratings as CSV (streamed)",
        parameters=[
            OpenApiParameter("occurred_after", OpenApiTypes.DATETIME, required=False),
            OpenApiParameter("occurred_before", OpenApiTypes.DATETIME, required=False),
        ],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, header first."),
                   **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        cycle = get_object_or_404(
            ServiceCycle.objects.filter(organization_id__in=request_organization_ids(request, READ)), pk=pk
        )
        bounds = _BoundsSerializer(data=request.query_params)
        bounds.is_valid(raise_exception=True)
        response = StreamingHttpResponse(
            ratings_export_lines(cycle=cycle, using=read_alias_for(request), **bounds.validated_data),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="cycle-{cycle.pk}-ratings.csv"'
        return response


class _BoundsSerializer(serializers.Serializer):
    occurred_after = serializers.DateTimeField(required=False)
    occurred_before = serializers.DateTimeField(required=False)
