"""Shared pieces of the REST API: strict JSON parsing, pagination, documented errors.

Kept apart from the resource views so every app's API (journeys, touchpoints,
analytics) answers errors the same way and documents them once.
"""

from __future__ import annotations

import logging

import django_filters
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.parsers import JSONParser

from momento.request_guard import UnsafeJson, json_body_parse

from .permissions import READ, capability_for_method

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class DatabaseUnavailable(exceptions.APIException):
    """The database connection failed mid-request: the transaction was rolled
    back, so nothing of the request was written and the client may retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The database is unavailable; nothing was written. Retry in a moment.")
    default_code = "database_unavailable"


# Seconds a client is told to wait before retrying after a 503.
DATABASE_RETRY_AFTER_SECONDS = 2


def body_limit_check(request, limit: int | None = None) -> None:
    """Refuse a body whose declared length exceeds the limit before reading it."""
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit and length > limit:
        raise PayloadTooLarge(
            _("The request body is %(size)s bytes; the limit is %(limit)s.") % {"size": length, "limit": limit}
        )


class UnsafeBody(exceptions.ValidationError):
    """A JSON body refused by momento.request_guard: 400 naming where the problem is.

    `path` is the place in the body ("ratings", 3, "segment"); views whose
    errors have another shape (the ratings batch) read it from here.
    """

    def __init__(self, error: UnsafeJson):
        self.path = error.path
        self.code = error.code
        self.message = error.message
        super().__init__({error.field: [exceptions.ErrorDetail(error.message, code=error.code)]})


class StrictJSONParser(JSONParser):
    """JSON with a size limit, a depth limit and no strings a database cannot store.

    Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` is
    read; DRF parses from the stream, so the limit is applied here (413).
    Depth, U+0000 and unpaired surrogates are `momento.request_guard`'s.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if request is not None:
            body_limit_check(request, limit)
        raw = stream.read(limit + 1) if limit else stream.read()
        if limit and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_body_parse(raw, encoding=encoding)
        except UnsafeJson as error:
            if error.code == "parse_error":
                raise exceptions.ParseError(error.message) from None
            raise UnsafeBody(error) from None


# Ids are positive BIGINTs; a bigger number overflows the database driver (500).
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An integer id filter: "1.5", "abc", 0 or 2**64 is a 400, never a database error."""

    field_class = IdField


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        # DRF answers a bad ?page= (0, -3, "x", past the last page) with 404;
        # it is bad input on a list that exists, so 400 with the field named.
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError({self.page_query_param: [str(error.detail)]}) from None


class CapabilityMixin:
    """Views say which capability (journeys.permissions) each method needs."""

    write_capability = "edit"

    def capability_for(self, request) -> str:
        return capability_for_method(request.method, write=self.write_capability)


ERROR = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField()},
)
VALIDATION_ERROR = inline_serializer(
    name="ValidationError",
    fields={
        "field_name": serializers.ListField(
            child=serializers.CharField(), required=False,
            help_text="Messages for each invalid field (keys are the field names).",
        ),
    },
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error answers for `extend_schema(responses=...)`."""
    described = {
        400: OpenApiResponse(VALIDATION_ERROR, description="Invalid input: messages by field; nothing was written."),
        401: OpenApiResponse(ERROR, description="Not authenticated: send a Bearer token or a session cookie."),
        403: OpenApiResponse(ERROR, description="Authenticated, but the role or token scope does not allow this."),
        404: OpenApiResponse(ERROR, description="Not found (or it belongs to another organization)."),
        409: OpenApiResponse(ERROR, description="Conflict with the current state."),
        413: OpenApiResponse(ERROR, description="The request body is too large."),
        429: OpenApiResponse(ERROR, description="Too many requests: wait for the seconds in Retry-After."),
    }
    return {code: described[code] for code in codes}


READ_ERRORS = (400, 401, 403, 429)  # 400: a bad filter or ?page=
OBJECT_READ_ERRORS = (401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 413, 429)
OBJECT_WRITE_ERRORS = (400, 401, 403, 404, 413, 429)

__all__ = [
    "READ", "CapabilityMixin", "PageNumberPagination", "PayloadTooLarge", "StrictJSONParser", "UnsafeBody",
    "body_limit_check", "error_responses",
]


def _too_many_message(exc) -> str:
    from django.core.exceptions import TooManyFilesSent

    if isinstance(exc, TooManyFilesSent):
        return str(_("The request has more than %(limit)s files.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
    return str(_("The request has more than %(limit)s form fields.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})


def schema_document_bad_page(result, generator, request, public):
    """drf-spectacular hook: every paginated operation documents its 400.

    A bad `?page=` (0, "x", past the end) or `?cursor=` is a 400 on every list
    (PageNumberPagination, RatingCursorPagination), including list actions
    whose views declare only the errors of their object.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            names = {parameter.get("name") for parameter in operation.get("parameters", [])
                     if parameter.get("in") == "query"}
            if names & {"page", "cursor", "page_size"} and "400" not in operation.get("responses", {}):
                operation["responses"]["400"] = {
                    "description": "Invalid input: a bad page or cursor (messages by field); nothing was written.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}},
                }
    return result


def exception_handler(exc, context):
    """DRF's handler, plus: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 in
    JSON, and one with more form fields (or files) than Django takes a JSON 400.

    DRF reads `request.body` for JSON, where Django raises RequestDataTooBig;
    unhandled, that would be a bare HTML 400.
    """
    from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.db import InterfaceError as DatabaseInterfaceError
    from django.db import OperationalError as DatabaseOperationalError
    from rest_framework.exceptions import NotFound
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, ObjectDoesNotExist):
        # Deleted by another request between the view's read and the service's
        # lock (`model_update`): the same 404 as had it been gone before.
        exc = NotFound()
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        # Django's SuspiciousOperation: unhandled it is an HTML 400 logged as
        # an error with a traceback, for what is only a bad request.
        exc = exceptions.ValidationError({"non_field_errors": [exceptions.ErrorDetail(
            _too_many_message(exc), code="too_many_fields")]})
    if isinstance(exc, (DatabaseOperationalError, DatabaseInterfaceError)):
        # A dropped connection, failover, deadlock or serialization failure:
        # the atomic block has rolled back, so answer a retryable 503 (JSON,
        # Retry-After) instead of a 500 page.
        logger.error("database error in %s; answered 503", context.get("view").__class__.__name__, exc_info=exc)
        response = drf_exception_handler(DatabaseUnavailable(), context)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return drf_exception_handler(exc, context)
