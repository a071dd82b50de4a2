"""The heatmap and the emotion curve as PNG or SVG files (GET /api/v1/cycles/<id>/heatmap.png …).

The same snapshot, period and errors as the JSON heatmap (analytics.api): another
organization's cycle is 404; a bad period, a cycle without moments or
touchpoints, or a period without ratings is a JSON 400 that says why. Labels
follow Accept-Language (the browser's session language on the dashboard).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from momento.api.errors import OBJECT_READ_ERRORS, error_responses

from . import labels
from .api import VIEW_PARAMETERS, _CycleSnapshotView
from .models import HeatmapSnapshot

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
LEVELS = ("moments", "touchpoints")
LEVEL_PARAMETER = OpenApiParameter("level", str, enum=list(LEVELS),
                                   description="Rows of the heatmap: moments (default) or their touchpoints.")


def _period_text(snapshot: HeatmapSnapshot) -> str:
    period = snapshot.data["period"]
    return f"{period['start']} – {period['end']}"


def image_response(content: bytes, *, image_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[image_format])
    # A download, never a page: an SVG opened in place is a document of this origin.
    response["Content-Disposition"] = f'attachment; filename="{filename}.{image_format}"'
    return response


def _documented(image_format: str, summary: str, operation_id: str, parameters: list) -> dict:
    return {
        "operation_id": operation_id, "tags": ["analytics"], "summary": summary, "parameters": parameters,
        "responses": {(200, CONTENT_TYPES[image_format]): OpenApiResponse(
            OpenApiTypes.BINARY, description=f"The chart as {image_format.upper()} (a download)."),
            **error_responses(400, *OBJECT_READ_ERRORS)},
    }


class _ChartImageView(_CycleSnapshotView):
    """The chart of the cycle's snapshot for the period as a file (a download), drawn on the
    server; labels in the language of Accept-Language."""

    image_format = "png"

    def chart(self, request: Request, snapshot: HeatmapSnapshot, structure) -> tuple[bytes, str]:
        raise NotImplementedError

    def image(self, request: Request, pk: int) -> HttpResponse:
        snapshot, structure = self.snapshot(request, pk)
        content, name = self.chart(request, snapshot, structure)
        return image_response(content, image_format=self.image_format, filename=f"cycle-{pk}-{name}")


class _HeatmapImageView(_ChartImageView):
    def chart(self, request: Request, snapshot: HeatmapSnapshot, structure) -> tuple[bytes, str]:
        from . import images  # matplotlib: imported when an image is asked for, not by every process

        level = request.query_params.get("level") or "moments"
        if level not in LEVELS:
            raise ValidationError({"level": [_("Unknown level: choose moments or touchpoints.")]})
        column_labels = labels.column_labels(dimension=snapshot.dimension, columns=snapshot.data["columns"],
                                             segments=structure.segments)
        title = _("%(cycle)s · dissatisfied share · %(period)s") % {
            "cycle": images.short(snapshot.cycle.name, 80), "period": _period_text(snapshot)}
        return images.heatmap_image(snapshot.data, column_labels=column_labels, title=title, level=level,
                                    image_format=self.image_format), "heatmap"


class _EmotionCurveImageView(_ChartImageView):
    def chart(self, request: Request, snapshot: HeatmapSnapshot, structure) -> tuple[bytes, str]:
        from . import images

        title = _("%(cycle)s · emotion curve · %(period)s") % {
            "cycle": images.short(snapshot.cycle.name, 80), "period": _period_text(snapshot)}
        return images.emotion_curve_image(snapshot.data, title=title, image_format=self.image_format), "emotion-curve"


def _image_view(base: type[_ChartImageView], image_format: str, *, name: str, operation_id: str,
                parameters: list) -> type[_ChartImageView]:
    """One documented GET view per chart and format (the schema names each)."""

    @extend_schema(**_documented(image_format, f"The {name} as a {image_format.upper()} image", operation_id,
                                 parameters))
    def get(self, request: Request, pk: int) -> HttpResponse:
        return self.image(request, pk)

    return type(f"{base.__name__}{image_format.title()}", (base,), {"image_format": image_format, "get": get})


HEATMAP_PARAMETERS = [*VIEW_PARAMETERS, LEVEL_PARAMETER]
CycleHeatmapPngView = _image_view(_HeatmapImageView, "png", name="heatmap", operation_id="cycle_heatmap_png",
                                  parameters=HEATMAP_PARAMETERS)
CycleHeatmapSvgView = _image_view(_HeatmapImageView, "svg", name="heatmap", operation_id="cycle_heatmap_svg",
                                  parameters=HEATMAP_PARAMETERS)
CycleEmotionCurvePngView = _image_view(_EmotionCurveImageView, "png", name="emotion curve",
                                       operation_id="cycle_emotion_curve_png", parameters=VIEW_PARAMETERS)
CycleEmotionCurveSvgView = _image_view(_EmotionCurveImageView, "svg", name="emotion curve",
                                       operation_id="cycle_emotion_curve_svg", parameters=VIEW_PARAMETERS)
