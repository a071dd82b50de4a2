"""Request bodies: a size limit before reading, and JSON a database can store."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from momento.request_guard import UnsafeJson, json_body_parse


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


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
