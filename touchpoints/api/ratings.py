"""REST API for ratings: record one or a batch, upload a CSV, list and read them.

Rating ingestion is the hot path: the views hand the parsed JSON straight to
`touchpoints.services.ratings_ingest`, which validates rows with plain code
and writes a batch with one statement; no serializer instance per rating.
Serializers (api.schemas) only document the shapes (OpenAPI) and render the answers.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from journeys.authentication import IngestRateThrottle
from journeys.models import Organization
from journeys.permissions import (
    INGEST,
    READ,
    request_organization_ids,
    request_token,
)
from momento.api.errors import OBJECT_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.pagination import CursorPagination
from momento.api.parsers import StrictJSONParser, UnsafeBody, body_limit_check
from momento.api.scoping import ScopedQuerysetMixin

from .. import services
from ..csv_io import CsvInvalid, ratings_import_csv
from ..customers import customer_find, customer_reference_problem
from ..models import CUSTOMER_REFERENCE_MAX_LENGTH, Rating
from ..uploads import csv_upload_type_check
from .schemas import (
    BATCH_ERRORS,
    BATCH_RESULT,
    CSV_ERRORS,
    CSV_RESULT,
    CSV_UPLOAD,
    ORGANIZATION_PARAMETER,
    RATING_CONFLICT,
    RatingBatchInputSerializer,
    RatingIngestedSerializer,
    RatingInputSerializer,
    RatingSerializer,
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


def _customer_reference_check(value: str) -> None:
    if problem := customer_reference_problem(value):
        raise DjangoValidationError(problem.message)


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
    customer = django_filters.CharFilter(
        method="filter_customer", max_length=CUSTOMER_REFERENCE_MAX_LENGTH, validators=[_customer_reference_check],
        help_text="Your reference of a customer: that customer's ratings (what Momento holds about them).",
    )

    class Meta:
        model = Rating
        fields = ["organization", "cycle", "moment", "touchpoint", "touchpoint_key", "segment", "source",
                  "dissatisfied", "external_id", "occurred_after", "occurred_before", "received_after", "customer"]

    def filter_customer(self, queryset, name: str, value: str):
        # Each organization hashes references with its own key: look the reference
        # up in every organization the request may read.
        ids = [customer_id for organization_id in request_organization_ids(self.request, READ)
               if (customer_id := customer_find(organization_id=organization_id, reference=value)) is not None]
        return queryset.filter(customer_id__in=ids)


class RatingCursorPagination(CursorPagination):
    ordering = "-id"


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
    return Rating.objects.annotate(touchpoint_key=F("touchpoint__key"), customer_hash=F("customer__key"))


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
