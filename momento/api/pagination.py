"""Pagination: page numbers with a bad page answered as bad input, documented on every list."""

from __future__ import annotations

from rest_framework import exceptions, pagination


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


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination for lists that grow while clients page through them."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor that was not handed out by us is bad input (400), not a missing list (DRF: 404).
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError({self.cursor_query_param: [str(error.detail)]}) from None


def schema_document_bad_page(result, generator, request, public):
    """drf-spectacular hook: every paginated operation documents its 400.

    A bad `?page=` (0, "x", past the end) or `?cursor=` is a 400 on every list
    (PageNumberPagination, the ratings' cursor pagination), including list actions
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
