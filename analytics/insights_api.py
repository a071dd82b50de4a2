"""REST API of what customers say (issue 15), under /api/v1/cycles/<id>/…:

- `insights/`: the distinctive terms and verbatims of one moment or touchpoint
  (a heatmap cell: a period, a segment, a channel);
- `comments/`: every comment of that scope, newest first, cursor-paginated.

Scoped like every other resource: another organization's cycle is 404; a
moment, touchpoint or segment that is not the cycle's, or a bad period, is 400.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import ServiceCycle
from journeys.permissions import READ, request_organization_ids
from momento.api.errors import OBJECT_READ_ERRORS, error_responses
from momento.api.pagination import CursorPagination
from momento.api.scoping import CapabilityMixin
from touchpoints.models import Channel, Rating

from . import insights
from .periods import Period, local_today
from .scopes import dissatisfied_parse, scope_parse

TERM = inline_serializer(name="InsightTerm", many=True, fields={
    "term": serializers.CharField(help_text="As customers wrote it most often (a word or two)."),
    "stem": serializers.CharField(help_text="The stem(s) counted (Snowball, Spanish or English)."),
    "count": serializers.IntegerField(help_text="Times dissatisfied customers used it here."),
    "documents": serializers.IntegerField(help_text="Comments of dissatisfied customers here that carry it "
                                                    f"(at least {insights.MIN_DOCUMENTS})."),
    "z": serializers.FloatField(help_text="z-score of the log-odds ratio against the rest of the cycle, with an "
                                          "informative Dirichlet prior (Monroe, Colaresi & Quinn 2008); ≥ 1.96."),
})
EXAMPLE = inline_serializer(name="InsightExample", many=True, fields={
    "comment": serializers.CharField(help_text=f"As written (plain text; at most {insights.EXAMPLE_MAX_LENGTH} "
                                               "characters shown)."),
    "truncated": serializers.BooleanField(), "score": serializers.IntegerField(),
    "scale": serializers.CharField(), "touchpoint": serializers.CharField(),
    "touchpoint_id": serializers.IntegerField(), "occurred_at": serializers.DateTimeField(),
})
INSIGHTS_FIELDS: dict[str, serializers.Field] = {
    "state": serializers.ChoiceField(
        choices=[insights.STATE_OK, insights.STATE_NO_COMMENTS, insights.STATE_NO_TERMS, insights.STATE_OFF],
        help_text="ok; no_comments (no comment of a dissatisfied customer here in the period); no_terms (no "
                  f"word is in {insights.MIN_DOCUMENTS} of their comments and stands out); off (the organization "
                  "switched comment analysis off)."),
    "comments": serializers.IntegerField(help_text="Comments here in the period."),
    "dissatisfied_comments": serializers.IntegerField(help_text="Of which by dissatisfied customers."),
    "terms": TERM,
    "examples": EXAMPLE,
}
INSIGHTS = inline_serializer(name="Insights", fields=INSIGHTS_FIELDS,
                             help_text="What dissatisfied customers say here, against the rest of the cycle.")

SCOPE_PARAMETERS = [
    OpenApiParameter("moment", int, description="A moment of the cycle."),
    OpenApiParameter("touchpoint", int, description="A touchpoint of the cycle (instead of, or within, the moment)."),
    OpenApiParameter("segment", str, description="A segment id of the organization, or none (ratings without one)."),
    OpenApiParameter("channel", str, enum=Channel.values, description="Only the touchpoints of this channel."),
    OpenApiParameter("weeks", int, description="The last N ISO weeks (default 8)."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="Custom period start (with end), cycle time zone."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Custom period end."),
]


class Scope:
    """The cycle and the scope a request names, checked against the cycle (`scopes.scope_parse`,
    which the comments page shares): any error is a 400."""

    def __init__(self, request: Request, pk: int, *, needs_focus: bool):
        self.cycle = get_object_or_404(
            ServiceCycle.objects.select_related("organization").filter(
                organization_id__in=request_organization_ids(request, READ)), pk=pk)
        scope, errors = scope_parse(cycle=self.cycle, params=request.query_params,
                                    today=local_today(self.cycle.timezone), needs_focus=needs_focus)
        if errors:
            raise ValidationError(errors)
        self.scope = scope
        self.period: Period = scope.period

    def filters(self) -> dict:
        return self.scope.filters()


class CycleInsightsView(CapabilityMixin, APIView):
    @extend_schema(
        operation_id="cycle_insights", tags=["analytics"], parameters=SCOPE_PARAMETERS,
        summary="What dissatisfied customers say at a moment or touchpoint: distinctive terms and verbatims",
        responses={200: inline_serializer(name="ScopeInsights", fields={
            "cycle": serializers.IntegerField(), "period": inline_serializer(name="InsightsPeriod", fields={
                "start": serializers.DateField(), "end": serializers.DateField()}),
            **INSIGHTS_FIELDS}), **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> Response:
        scope = Scope(request, pk, needs_focus=True)
        found = insights.cell_insights(**scope.filters())
        return Response({"cycle": scope.cycle.pk, "period": {"start": scope.period.start, "end": scope.period.end},
                         **found})


class CommentSerializer(serializers.ModelSerializer):
    touchpoint_name = serializers.CharField(source="touchpoint.name")
    moment = serializers.IntegerField(source="touchpoint.moment_id")

    class Meta:
        model = Rating
        fields = ["id", "external_id", "touchpoint", "touchpoint_name", "moment", "segment", "scale", "score",
                  "dissatisfied", "occurred_at", "comment"]
        read_only_fields = fields


class CommentCursorPagination(CursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 50


class CycleCommentsView(CapabilityMixin, APIView):
    pagination_class = CommentCursorPagination

    @extend_schema(
        operation_id="cycle_comments", tags=["analytics"],
        parameters=[*SCOPE_PARAMETERS,
                    OpenApiParameter("dissatisfied", bool, description="Only dissatisfied (true) or satisfied "
                                                                       "(false) customers' comments."),
                    OpenApiParameter("cursor", str, description="From the previous page's next/previous."),
                    OpenApiParameter("page_size", int, description="At most 1000 (default 50).")],
        summary="Comments of a cycle (or one moment, touchpoint, segment, channel), newest first",
        responses={200: inline_serializer(name="CommentPage", fields={
            "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
            "results": CommentSerializer(many=True)}), **error_responses(400, *OBJECT_READ_ERRORS)},
    )
    def get(self, request: Request, pk: int) -> Response:
        scope = Scope(request, pk, needs_focus=False)
        errors: dict[str, list[str]] = {}
        dissatisfied = dissatisfied_parse(request.query_params.get("dissatisfied"), errors)
        if errors:
            raise ValidationError(errors)
        ratings = insights.comments_list(**scope.filters(), dissatisfied=dissatisfied)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(ratings, request, view=self)
        return paginator.get_paginated_response(CommentSerializer(page, many=True).data)


__all__ = ["INSIGHTS", "CycleCommentsView", "CycleInsightsView"]
