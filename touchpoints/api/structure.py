"""REST API for touchpoints and segments (the shape of a cycle's touchpoints and the customers' segments)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from journeys.models import Moment, Organization
from journeys.permissions import (
    READ,
    request_organization_ids,
    request_organizations,
)
from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.scoping import ScopedQuerysetMixin

from .. import services
from ..models import QUOTE_MAX_LENGTH, Channel, ScaleChoice, Segment, Touchpoint

# --- Touchpoints ---------------------------------------------------------------------


class TouchpointSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="moment.cycle_id", read_only=True)

    class Meta:
        model = Touchpoint
        fields = ["id", "organization", "cycle", "moment", "name", "channel", "scale", "interaction", "key",
                  "loyalty_question", "created_at"]
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
    loyalty_question = serializers.BooleanField(
        required=False, help_text="The cycle's overall (loyalty) question, e.g. NPS: the outcome key drivers explain "
                                  "by default. Marking one unmarks the cycle's other.")


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
        fields = ["id", "organization", "name", "key", "description", "goals", "quote"]
        read_only_fields = fields


class SegmentCreateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    name = serializers.CharField(max_length=120)
    key = serializers.SlugField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="Who they are (a persona).")
    goals = serializers.CharField(required=False, allow_blank=True, default="", help_text="What they want to achieve.")
    quote = serializers.CharField(required=False, allow_blank=True, default="", max_length=QUOTE_MAX_LENGTH,
                                  help_text="A short quote in their words.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = request_organizations(request, "edit")


class SegmentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    key = serializers.SlugField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    goals = serializers.CharField(required=False, allow_blank=True)
    quote = serializers.CharField(required=False, allow_blank=True, max_length=QUOTE_MAX_LENGTH)


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
    """Customer segments (personas) of your organizations: who they are, their goals, a quote."""

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
