"""REST API for touchpoints, segments, ratings (ingest, list, CSV) and API tokens.

Rating ingestion is the hot path: the views hand the parsed JSON straight to
`touchpoints.services.ratings_ingest`, which validates rows with plain code
and writes a batch with one statement; no serializer instance per rating.
Serializers here only document the shapes (OpenAPI) and render the answers.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, pagination, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.authentication import IngestRateThrottle
from journeys.models import Moment, Organization, ServiceCycle
from journeys.permissions import (
    INGEST,
    READ,
    capability_for_method,
    request_organization_ids,
    request_organizations,
    request_token,
)
from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.parsers import StrictJSONParser, UnsafeBody, body_limit_check
from momento.api.scoping import CapabilityMixin, ScopedQuerysetMixin

from . import services
from .csv_io import CsvInvalid, ratings_export_lines, ratings_import_csv
from .models import Channel, Rating, ScaleChoice, Segment, Touchpoint
from .uploads import csv_upload_type_check

# --- Touchpoints ---------------------------------------------------------------------


class TouchpointSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="moment.cycle_id", read_only=True)

    class Meta:
        model = Touchpoint
        fields = ["id", "organization", "cycle", "moment", "name", "channel", "scale", "interaction", "key",
                  "created_at"]
        read_only_fields = fields


class TouchpointCreateSerializer(serializers.Serializer):
    moment = serializers.PrimaryKeyRelatedField(queryset=Moment.objects.none())
    name = serializers.CharField(max_length=120)
    channel = serializers.ChoiceField(choices=Channel.choices)
    scale = serializers.ChoiceField(choices=ScaleChoice.choices, default=ScaleChoice.CSAT5)
    interaction = serializers.ChoiceField(choices=Touchpoint.Interaction.choices,
                                          default=Touchpoint.Interaction.DIGITAL)
    key = serializers.SlugField(max_length=80, required=False,
                                help_text="Stable key REST clients send ratings with; derived from the name if omitted.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["moment"].queryset = Moment.objects.select_related("cycle__organization").filter(
                cycle__organization_id__in=request_organization_ids(request, READ)
            )


class TouchpointUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    scale = serializers.ChoiceField(choices=ScaleChoice.choices, required=False,
                                    help_text="Fixed once the touchpoint has ratings.")
    interaction = serializers.ChoiceField(choices=Touchpoint.Interaction.choices, required=False)
    key = serializers.SlugField(max_length=80, required=False,
                                help_text="Unique in the organization; fixed once the touchpoint has ratings.")


class TouchpointFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    cycle = IdFilter(field_name="moment__cycle_id")
    moment = IdFilter(field_name="moment_id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    key = django_filters.CharFilter()

    class Meta:
        model = Touchpoint
        fields = ["organization", "cycle", "moment", "channel", "key"]


@extend_schema_view(
    list=extend_schema(summary="Touchpoints", responses={200: TouchpointSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One touchpoint",
                           responses={200: TouchpointSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Add a touchpoint to a moment", request=TouchpointCreateSerializer,
                         responses={201: TouchpointSerializer, **error_responses(*WRITE_ERRORS)}),
    partial_update=extend_schema(summary="Change a touchpoint", request=TouchpointUpdateSerializer,
                                 responses={200: TouchpointSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
)
class TouchpointViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Touchpoints of your organizations' moments; REST clients rate them by `key`."""

    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return self.scoped(Touchpoint.objects.select_related("moment")).order_by(
            "moment__cycle_id", "moment__position", "id"
        )

    def create(self, request: Request) -> Response:
        data = TouchpointCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        self.check_object_permissions(request, data.validated_data["moment"])
        touchpoint = services.touchpoint_add(**data.validated_data)
        return Response(TouchpointSerializer(touchpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        touchpoint = self.get_object()
        data = TouchpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        touchpoint = services.touchpoint_update(touchpoint=touchpoint, **data.validated_data)
        return Response(TouchpointSerializer(touchpoint).data)


# --- Segments ------------------------------------------------------------------------


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "organization", "name", "key", "description"]
        read_only_fields = fields


class SegmentCreateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    name = serializers.CharField(max_length=120)
    key = serializers.SlugField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = request_organizations(request, "edit")


class SegmentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    key = serializers.SlugField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class SegmentFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    key = django_filters.CharFilter()

    class Meta:
        model = Segment
        fields = ["organization", "key"]


@extend_schema_view(
    list=extend_schema(summary="Customer segments",
                       responses={200: SegmentSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One segment",
                           responses={200: SegmentSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Create a segment", request=SegmentCreateSerializer,
                         responses={201: SegmentSerializer, **error_responses(*WRITE_ERRORS)}),
    partial_update=extend_schema(summary="Change a segment", request=SegmentUpdateSerializer,
                                 responses={200: SegmentSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
)
class SegmentViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customer segments of your organizations."""

    serializer_class = SegmentSerializer
    filterset_class = SegmentFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return self.scoped(Segment.objects.all()).order_by("organization_id", "name", "id")

    def create(self, request: Request) -> Response:
        data = SegmentCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        segment = services.segment_create(**data.validated_data)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        segment = self.get_object()
        data = SegmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = services.segment_update(segment=segment, **data.validated_data)
        return Response(SegmentSerializer(segment).data)


# --- Ratings -----------------------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer):
    touchpoint_key = serializers.CharField(read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "organization", "touchpoint", "touchpoint_key", "scale", "score", "normalized",
                  "dissatisfied", "occurred_at", "received_at", "segment", "comment", "first_contact_resolved",
                  "source", "external_id"]
        read_only_fields = fields
        extra_kwargs = {"external_id": {"help_text": "The client's idempotency key, or the one Momento assigned "
                                                     "(`momento:` + 32 hex digits) when none was sent."}}


class RatingIngestedSerializer(RatingSerializer):
    duplicate = serializers.BooleanField(
        read_only=True, help_text="True when external_id was already stored: this is the stored rating."
    )

    class Meta(RatingSerializer.Meta):
        fields = [*RatingSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 80}],
                      "nullable": True, "description": "Segment id or key."})
class SegmentReferenceField(serializers.Field):
    pass


class RatingInputSerializer(serializers.Serializer):
    """Documents one rating as sent by a client (validated by plain code, not by this class)."""

    touchpoint = serializers.IntegerField(required=False, help_text="Touchpoint id (or send touchpoint_key).")
    touchpoint_key = serializers.CharField(required=False, max_length=80,
                                           help_text="The touchpoint's stable key (or send touchpoint).")
    score = serializers.IntegerField(help_text="An integer on the touchpoint's scale (csat5 1–5, nps11 0–10, …).")
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="ISO 8601 with offset; default now; more than 5 minutes ahead is refused.",
    )
    segment = SegmentReferenceField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=5000)
    first_contact_resolved = serializers.BooleanField(required=False, allow_null=True)
    external_id = serializers.CharField(
        required=False, allow_null=True, max_length=128,
        help_text="Your idempotency key, unique per organization: a replay with the same content returns the "
                  "stored rating; different content is a conflict. Omitted or null: Momento assigns "
                  "`momento:` + 32 hex digits. Not empty; other keys starting with `momento:` are refused.",
    )


class RatingBatchInputSerializer(serializers.Serializer):
    ratings = RatingInputSerializer(many=True, help_text="1 to 5,000 ratings, validated and stored all or nothing.")


BATCH_RESULT = inline_serializer(
    name="RatingBatchResult",
    fields={
        "created": serializers.IntegerField(),
        "duplicate": serializers.IntegerField(),
        "ids": serializers.ListField(child=serializers.IntegerField(),
                                     help_text="The stored rating id of each item, in order."),
        "duplicate_indexes": serializers.ListField(child=serializers.IntegerField(),
                                                   help_text="Items that replayed an external_id."),
    },
)
BATCH_ERRORS = inline_serializer(
    name="RatingBatchErrors",
    fields={
        "detail": serializers.CharField(),
        "errors": inline_serializer(name="RatingItemError", many=True, fields={
            "index": serializers.IntegerField(), "field": serializers.CharField(),
            "code": serializers.CharField(help_text="What is wrong, for programs (e.g. external_id_conflict)."),
            "message": serializers.CharField(help_text="The same, in the request's language."),
        }),
    },
)
RATING_CONFLICT = inline_serializer(
    name="RatingConflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="external_id_conflict"),
        "fields": serializers.ListField(child=serializers.CharField(),
                                        help_text="The fields whose content differs from the stored rating."),
        "rating": RatingSerializer(help_text="The rating stored under this external_id."),
    },
)
CSV_RESULT = inline_serializer(
    name="RatingCsvResult",
    fields={"rows": serializers.IntegerField(), "created": serializers.IntegerField(),
            "duplicate": serializers.IntegerField()},
)
CSV_ERRORS = inline_serializer(
    name="RatingCsvErrors",
    fields={
        "detail": serializers.CharField(),
        "total_errors": serializers.IntegerField(),
        "errors": inline_serializer(name="RatingCsvLineError", many=True, fields={
            "line": serializers.IntegerField(), "field": serializers.CharField(),
            "code": serializers.CharField(help_text="What is wrong, for programs (e.g. external_id_conflict)."),
            "message": serializers.CharField(help_text="The same, in the request's language."),
        }),
    },
)
CSV_UPLOAD = inline_serializer(name="RatingCsvUpload", fields={"file": serializers.FileField(
    help_text="UTF-8 CSV; header: touchpoint_key (or touchpoint), score, occurred_at, segment, comment, "
              "first_contact_resolved, external_id.")})
ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization", int, required=False,
    description="Session users in several organizations: the organization to record into "
                "(tokens always record into their own).",
)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time converted to UTC before it reaches the database.

    Python accepts offsets up to ±23:59 but PostgreSQL only ±15:59; a value like
    `0277-07-18T02:01:33+20:56` must be a 400 or a correct UTC instant, never a 500.
    """

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise DjangoValidationError(_("Date and time out of range.")) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class RatingFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    cycle = IdFilter(field_name="touchpoint__moment__cycle_id")
    moment = IdFilter(field_name="touchpoint__moment_id")
    touchpoint = IdFilter(field_name="touchpoint_id")
    touchpoint_key = django_filters.CharFilter(field_name="touchpoint__key")
    segment = IdFilter(field_name="segment_id")
    source = django_filters.ChoiceFilter(choices=Rating.Source.choices)
    dissatisfied = django_filters.BooleanFilter()
    external_id = django_filters.CharFilter()
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    received_after = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")

    class Meta:
        model = Rating
        fields = ["organization", "cycle", "moment", "touchpoint", "touchpoint_key", "segment", "source",
                  "dissatisfied", "external_id", "occurred_after", "occurred_before", "received_after"]


class RatingCursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor that was not handed out by us is bad input (400), not a missing list (DRF: 404).
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise ValidationError({self.cursor_query_param: [str(error.detail)]}) from None


def ingest_organization(request: Request) -> Organization:
    """Where a rating from this request is recorded: the token's organization,
    or the user's (one where they may ingest; `?organization=` picks among several)."""
    token = request_token(request)
    if token is not None:
        return token.organization
    allowed = request_organization_ids(request, INGEST)
    chosen = request.query_params.get("organization")
    if chosen:
        if not chosen.isdigit() or int(chosen) not in request_organization_ids(request, READ):
            raise NotFound(_("No such organization."))
        if int(chosen) not in allowed:
            raise PermissionDenied(_("Your role in this organization cannot record ratings."))
        return Organization.objects.get(pk=int(chosen))
    if len(allowed) != 1:
        raise ValidationError({"organization": [_("You belong to several organizations: add "
                                                  "?organization=<id> to say which one.")]})
    return Organization.objects.get(pk=allowed[0])


def _rating_queryset():
    return Rating.objects.annotate(touchpoint_key=F("touchpoint__key"))


@extend_schema_view(
    list=extend_schema(summary="Ratings, newest first (cursor pagination)",
                       responses={200: RatingSerializer, **error_responses(*READ_ERRORS, 400)}),
    retrieve=extend_schema(summary="One rating",
                           responses={200: RatingSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
)
class RatingViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ratings: record them (token scope `ingest`) and read them (scope `read`)."""

    serializer_class = RatingSerializer
    filterset_class = RatingFilter
    pagination_class = RatingCursorPagination
    lookup_value_regex = r"\d+"
    write_capability = INGEST
    parser_classes = [StrictJSONParser]

    def get_queryset(self):
        return self.scoped(_rating_queryset())

    def get_throttles(self):
        if self.request.method == "POST":
            return [IngestRateThrottle()]
        return super().get_throttles()

    def handle_exception(self, exc):
        # The body may be parsed before the view runs (session authentication
        # reads it looking for a CSRF token), so the batch's shape is given here.
        if isinstance(exc, UnsafeBody) and getattr(self, "action", None) == "batch":
            return _batch_unsafe(exc)
        return super().handle_exception(exc)

    @extend_schema(
        summary="Record one rating",
        description="A replayed `external_id` with the same content answers 200 with the stored rating and "
                    "`duplicate: true`. The same `external_id` with different content (touchpoint, score, "
                    "occurred_at, segment, comment or first_contact_resolved) is a conflict: 409 with the "
                    "stored rating, and nothing is written. Without `external_id` Momento assigns one "
                    "(`momento:` and 32 hex digits); `\"\"` or blanks are refused, as are other keys "
                    "starting with `momento:`.",
        parameters=[ORGANIZATION_PARAMETER],
        request=RatingInputSerializer,
        responses={201: RatingIngestedSerializer,
                   200: OpenApiResponse(RatingIngestedSerializer, description="Replay: the stored rating."),
                   409: OpenApiResponse(RATING_CONFLICT, description="external_id is stored with different "
                                                                     "content; nothing was written."),
                   **error_responses(*WRITE_ERRORS, 404)},
    )
    def create(self, request: Request) -> Response:
        organization = ingest_organization(request)
        try:
            result = services.ratings_ingest(organization=organization, rows=[request.data])
        except services.RatingsConflicted as error:
            conflict = error.conflicts[0]
            stored = _rating_queryset().get(pk=conflict.rating_id)
            return Response({
                "detail": error.errors[0].message, "code": error.errors[0].code, "fields": list(conflict.fields),
                "rating": RatingSerializer(stored).data,
            }, status=status.HTTP_409_CONFLICT)
        except services.RatingsInvalid as error:
            raise ValidationError({field: [ErrorDetail(problem.message, code=problem.code)]
                                   for field, problem in error.errors_by_index[0].items()}) from None
        rating = _rating_queryset().get(pk=result.ids[0])
        created = result.created_flags[0]
        body = {**RatingSerializer(rating).data, "duplicate": not created}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Record a batch of up to 5,000 ratings",
        description="All or nothing: any invalid item answers 400 listing errors by item index and field, "
                    "and nothing of the batch is written. Items replaying a stored `external_id` with the "
                    "same content are counted as duplicates and never stored twice; an `external_id` stored, "
                    "or repeated in the batch, with different content is an error of that item (code "
                    "`external_id_conflict` or `external_id_repeated_item`).",
        parameters=[ORGANIZATION_PARAMETER],
        request=RatingBatchInputSerializer,
        responses={201: BATCH_RESULT, 200: OpenApiResponse(BATCH_RESULT, description="Every item was a replay."),
                   400: OpenApiResponse(BATCH_ERRORS, description="Invalid items; nothing was written."),
                   **error_responses(401, 403, 404, 413, 429)},
    )
    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> Response:
        organization = ingest_organization(request)
        body = request.data  # a body the JSON guard refuses is answered by handle_exception
        items = body.get("ratings") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return _batch_refused(_("Send a JSON object {\"ratings\": [...]}."))
        if not items:
            return _batch_refused(_("The batch is empty."))
        try:
            result = services.ratings_ingest(organization=organization, rows=items)
        except services.BatchTooLarge as error:
            return _batch_refused(error.messages[0])
        except services.RatingsInvalid as error:
            invalid = len({item.position for item in error.errors})
            return Response({
                "detail": _("%(invalid)s of %(count)s ratings are invalid; nothing was written.")
                % {"invalid": invalid, "count": len(items)},
                "errors": [{"index": item.position, "field": item.field, "code": item.code,
                            "message": item.message} for item in error.errors],
            }, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": result.created_count, "duplicate": result.duplicate_count, "ids": result.ids,
             "duplicate_indexes": result.duplicate_indexes},
            status=status.HTTP_201_CREATED if result.created_count else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Upload a ratings CSV",
        description="Same rules as the JSON API, all or nothing; errors name the line (header = line 1). "
                    "Size limited (413).",
        parameters=[ORGANIZATION_PARAMETER],
        request={"multipart/form-data": CSV_UPLOAD},
        responses={201: CSV_RESULT, 200: OpenApiResponse(CSV_RESULT, description="Every line was a replay."),
                   400: OpenApiResponse(CSV_ERRORS, description="Invalid file or lines; nothing was written."),
                   **error_responses(401, 403, 404, 413, 429)},
    )
    @action(detail=False, methods=["post"], url_path="csv", parser_classes=[MultiPartParser])
    def upload_csv(self, request: Request) -> Response:
        limit = settings.MOMENTO_CSV_MAX_BYTES
        body_limit_check(request, limit + 64 * 1024)
        organization = ingest_organization(request)
        upload = request.FILES.get("file")
        if upload is None:
            return _csv_refused([{"line": 0, "field": "file", "code": "file_missing",
                                  "message": _("Attach the CSV as the form field “file”.")}])
        if upload.size > limit:
            return Response({"detail": _("The file is larger than %(limit)s bytes.") % {"limit": limit}},
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        try:
            csv_upload_type_check(upload=upload)
        except DjangoValidationError as error:
            return _csv_refused([{"line": 0, "field": "file", "code": "file_type_refused", "message": message}
                                 for message in error.messages])
        try:
            result = ratings_import_csv(organization=organization, file=upload)
        except CsvInvalid as error:
            return _csv_refused(
                [{"line": item.position, "field": item.field, "code": item.code, "message": item.message}
                 for item in error.errors],
                total=error.total_errors,
            )
        return Response({"rows": result.rows, "created": result.created, "duplicate": result.duplicate},
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def _batch_refused(message: str) -> Response:
    return Response({"detail": message, "errors": []}, status=status.HTTP_400_BAD_REQUEST)


def _batch_unsafe(error: UnsafeBody) -> Response:
    """A body the JSON guard refused, in the batch's shape: the item and field when it is inside one."""
    path = error.path
    if len(path) >= 2 and path[0] == "ratings" and type(path[1]) is int:
        field = ".".join(str(part) for part in path[2:]) or "non_field_errors"
        return Response({
            "detail": _("Rating %(index)s is invalid; nothing was written.") % {"index": path[1]},
            "errors": [{"index": path[1], "field": field.replace("\x00", "\N{REPLACEMENT CHARACTER}"),
                        "code": error.code, "message": error.message}],
        }, status=status.HTTP_400_BAD_REQUEST)
    return _batch_refused(error.message)


def _csv_refused(errors: list[dict], total: int | None = None) -> Response:
    return Response({
        "detail": _("The file was refused; nothing was written."),
        "total_errors": total if total is not None else len(errors),
        "errors": errors,
    }, status=status.HTTP_400_BAD_REQUEST)


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
            ratings_export_lines(cycle=cycle, **bounds.validated_data), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="cycle-{cycle.pk}-ratings.csv"'
        return response


class _BoundsSerializer(serializers.Serializer):
    occurred_after = serializers.DateTimeField(required=False)
    occurred_before = serializers.DateTimeField(required=False)


__all__ = ["CycleRatingsExportView", "RatingViewSet", "SegmentViewSet", "TouchpointViewSet",
           "capability_for_method"]
