"""One translation of errors into answers, and their documentation.

Services raise Django's `ValidationError` and `PermissionDenied`; the
exception handler here turns them into DRF's 400 (messages by field) and 403,
so API views call services without wrapping each call. It also answers a
body over the size limit (413), too many form fields (400) and a dropped
database connection (503, retryable) in JSON, where Django would answer HTML.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import PayloadTooLarge

logger = logging.getLogger(__name__)

# Seconds a client is told to wait before retrying after a 503.
DATABASE_RETRY_AFTER_SECONDS = 2


class DatabaseUnavailable(exceptions.APIException):
    """The database connection failed mid-request: the transaction was rolled
    back, so nothing of the request was written and the client may retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The database is unavailable; nothing was written. Retry in a moment.")
    default_code = "database_unavailable"


def _too_many_message(exc) -> str:
    if isinstance(exc, TooManyFilesSent):
        return str(_("The request has more than %(limit)s files.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
    return str(_("The request has more than %(limit)s form fields.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})


def exception_handler(exc, context):
    """DRF's handler, after turning what services and Django raise into DRF's exceptions."""
    if isinstance(exc, DjangoValidationError):
        # HackSoftware's Styleguide: services speak Django, the API answers DRF.
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        # DRF reads `request.body` for JSON, where Django raises RequestDataTooBig;
        # unhandled, that would be a bare HTML 400.
        exc = PayloadTooLarge()
    elif isinstance(exc, ObjectDoesNotExist):
        # Deleted by another request between the view's read and the service's
        # lock (`model_update`): the same 404 as had it been gone before.
        exc = exceptions.NotFound()
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        # Django's SuspiciousOperation: unhandled it is an HTML 400 logged as
        # an error with a traceback, for what is only a bad request.
        exc = exceptions.ValidationError({"non_field_errors": [exceptions.ErrorDetail(
            _too_many_message(exc), code="too_many_fields")]})
    elif isinstance(exc, (DatabaseOperationalError, DatabaseInterfaceError)):
        # A dropped connection, failover, deadlock or serialization failure:
        # the atomic block has rolled back, so answer a retryable 503 (JSON,
        # Retry-After) instead of a 500 page.
        logger.error("database error in %s; answered 503", context.get("view").__class__.__name__, exc_info=exc)
        response = drf_exception_handler(DatabaseUnavailable(), context)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return drf_exception_handler(exc, context)


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
