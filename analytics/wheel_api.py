"""The service-cycle wheel as an image: GET /api/v1/cycles/<id>/wheel.svg.

The same drawing as the wheel page (`analytics.wheel.wheel_svg`), for all customers or
one segment, in the language of Accept-Language. Errors answer JSON: 400 for a bad
period or a segment that is not the organization's, 404 for another organization's
cycle. A cycle without moments, or a period without ratings, is still a wheel (it says
so), so an export or a board deck always gets a picture.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from journeys.models import ServiceCycle
from journeys.permissions import READ, request_organization_ids
from momento.api.errors import OBJECT_READ_ERRORS, error_responses
from momento.api.scoping import CapabilityMixin

from .alert_selectors import alerting_moment_ids
from .api import VIEW_PARAMETERS
from .periods import local_today, period_parse
from .series import segments_choose
from .wheel import cycle_wheel_svg, moment_link


class SVGRenderer(renderers.BaseRenderer):
    """Lets a client ask for `image/svg+xml`; the answer itself is built by the view."""

    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - never reached
        return b""


class CycleWheelView(CapabilityMixin, APIView):
    renderer_classes = [renderers.JSONRenderer, SVGRenderer]

    def capability_for(self, request) -> str:
        return READ

    def handle_exception(self, exc):
        # Errors are JSON whatever the client accepts (an SVG carries no field errors).
        response = super().handle_exception(exc)
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response

    @extend_schema(
        operation_id="cycle_wheel_svg", tags=["analytics"],
        summary="The service-cycle wheel as SVG (dissatisfied share per moment, kinds, critical moments)",
        parameters=[param for param in VIEW_PARAMETERS if param.name != "dimension"] + [
            OpenApiParameter("segment", str, description="A segment of the cycle's organization (id or key): its "
                             "customers only. Default: all customers."),
        ],
        responses={(200, "image/svg+xml"): OpenApiResponse(
            OpenApiTypes.STR, description="An SVG document: moments clockwise from 12 o'clock, coloured by "
                                          "dissatisfied share; every moment has a <title> and an aria-label."),
                   **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        cycle = get_object_or_404(
            ServiceCycle.objects.select_related("organization").filter(
                organization_id__in=request_organization_ids(request, READ)),
            pk=pk,
        )
        period = period_parse(params=request.query_params, today=local_today(cycle.timezone))
        values = request.query_params.getlist("segment")
        if len(values) > 1:
            raise ValidationError({"segment": [_("One segment per wheel.")]})
        segments, errors = segments_choose(organization_id=cycle.organization_id, values=values)
        if errors:
            raise ValidationError({"segment": errors})
        svg = cycle_wheel_svg(cycle=cycle, period=period, language=get_language() or "en",
                              segment=segments[0] if segments else None, moment_url=moment_link(cycle),
                              alerting_ids=alerting_moment_ids(cycle=cycle))
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="cycle-{cycle.pk}-wheel.svg"'
        return response
