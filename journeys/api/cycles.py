"""REST API for service cycles and their moments of truth, with the atomic reorder
(/api/v1/cycles/, /api/v1/moments/). Thin views over `journeys.services`;
another organization's cycle or moment is 404 for every method.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Count
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.fields import IdFilter
from momento.api.scoping import ScopedQuerysetMixin

from .. import services
from ..models import Moment, Organization, ServiceCycle
from ..permissions import (
    EDIT,
    READ,
    request_organization_ids,
    request_organizations,
)

# --- Service cycles -----------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    moment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ServiceCycle
        fields = [
            "id", "organization", "name", "description", "timezone", "min_sample", "critical_share",
            "archived", "structure_version", "moment_count", "created_at", "updated_at",
        ]
        read_only_fields = fields


class CycleCreateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text="One of your organizations where you edit cycles."
    )
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")
    min_sample = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=20)
    critical_share = serializers.FloatField(min_value=0.01, max_value=1, required=False, default=0.25)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = request_organizations(request, EDIT)


class CycleUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
    min_sample = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    critical_share = serializers.FloatField(min_value=0.01, max_value=1, required=False)
    archived = serializers.BooleanField(required=False)


class ReorderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=1000,
        help_text="Every moment id of the cycle, once each, in the new order.",
    )
    expected_version = serializers.IntegerField(
        required=False, min_value=0,
        help_text="The cycle's structure_version you based the order on; 409 if it has moved on.",
    )


ORDER_RESPONSE = inline_serializer(
    name="MomentOrder",
    fields={
        "order": serializers.ListField(child=serializers.IntegerField()),
        "structure_version": serializers.IntegerField(),
    },
)
STALE_ORDER_RESPONSE = inline_serializer(
    name="StaleOrder",
    fields={
        "detail": serializers.CharField(),
        "order": serializers.ListField(child=serializers.IntegerField()),
        "structure_version": serializers.IntegerField(),
    },
)


class CycleFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    archived = django_filters.BooleanFilter()

    class Meta:
        model = ServiceCycle
        fields = ["organization", "archived"]


@extend_schema_view(
    list=extend_schema(summary="Service cycles", responses={200: CycleSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One service cycle",
                           responses={200: CycleSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Create a service cycle", request=CycleCreateSerializer,
                         responses={201: CycleSerializer, **error_responses(*WRITE_ERRORS)}),
    partial_update=extend_schema(summary="Change a service cycle (or archive it)", request=CycleUpdateSerializer,
                                 responses={200: CycleSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
)
class CycleViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Service cycles of your organizations; cx managers and admins edit them."""

    serializer_class = CycleSerializer
    filterset_class = CycleFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            self.scoped(ServiceCycle.objects.all())
            .annotate(moment_count=Count("moments", distinct=True))
            .order_by("organization_id", "name", "pk")
        )

    def create(self, request: Request) -> Response:
        data = CycleCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        cycle = services.cycle_create(**data.validated_data)
        return Response(CycleSerializer(self._annotated(cycle)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        cycle = self.get_object()
        data = CycleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cycle = services.cycle_update(cycle=cycle, **data.validated_data)
        return Response(CycleSerializer(self._annotated(cycle)).data)

    def _annotated(self, cycle: ServiceCycle) -> ServiceCycle:
        return self.get_queryset().get(pk=cycle.pk)

    @extend_schema(
        summary="Reorder the cycle's moments atomically",
        description="Send the whole order (every moment id once). With `expected_version`, a cycle "
                    "changed by someone else meanwhile answers 409 with the current order.",
        request=ReorderSerializer,
        responses={200: ORDER_RESPONSE, 409: OpenApiResponse(STALE_ORDER_RESPONSE, description="Stale order"),
                   **error_responses(*OBJECT_WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def reorder(self, request: Request, pk=None) -> Response:
        cycle = self.get_object()
        data = ReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            moments = services.moment_reorder(cycle=cycle, **data.validated_data)
        except services.StaleOrderError as error:
            cycle.refresh_from_db(fields=["structure_version"])
            return Response(
                {
                    "detail": " ".join(error.messages),
                    "order": list(Moment.objects.filter(cycle=cycle).order_by("position").values_list("pk", flat=True)),
                    "structure_version": cycle.structure_version,
                },
                status=status.HTTP_409_CONFLICT,
            )
        cycle.refresh_from_db(fields=["structure_version"])
        return Response({"order": [moment.pk for moment in moments], "structure_version": cycle.structure_version})


# --- Moments ----------------------------------------------------------------------


class MomentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Moment
        fields = ["id", "cycle", "position", "name", "kind", "description", "protocol", "owner",
                  "created_at", "updated_at"]
        read_only_fields = fields


def _member_users(request: Request):
    return get_user_model().objects.filter(
        memberships__organization_id__in=request_organization_ids(request, READ)
    ).distinct()


class MomentCreateSerializer(serializers.Serializer):
    cycle = serializers.PrimaryKeyRelatedField(queryset=ServiceCycle.objects.none())
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Moment.Kind.choices)
    position = serializers.IntegerField(required=False, min_value=0, max_value=100_000,
                                        help_text="0-based; default: at the end.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    protocol = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none(), required=False,
                                               allow_null=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["cycle"].queryset = ServiceCycle.objects.filter(
                organization_id__in=request_organization_ids(request, READ)
            )
            self.fields["owner"].queryset = _member_users(request)


class MomentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    kind = serializers.ChoiceField(choices=Moment.Kind.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    protocol = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none(), required=False,
                                               allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["owner"].queryset = _member_users(request)


class MomentFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    organization = IdFilter(field_name="cycle__organization_id")
    kind = django_filters.ChoiceFilter(choices=Moment.Kind.choices)

    class Meta:
        model = Moment
        fields = ["cycle", "organization", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Moments of truth, in cycle order",
                       responses={200: MomentSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One moment", responses={200: MomentSerializer,
                                                           **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(summary="Add a moment (at a position, default the end)", request=MomentCreateSerializer,
                         responses={201: MomentSerializer, **error_responses(*WRITE_ERRORS, 404)}),
    partial_update=extend_schema(summary="Change a moment (not its position: use reorder)",
                                 request=MomentUpdateSerializer,
                                 responses={200: MomentSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
    destroy=extend_schema(summary="Remove a moment (and its touchpoints and ratings)",
                          responses={204: None, **error_responses(*OBJECT_READ_ERRORS)}),
)
class MomentViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Moments of truth, in cycle order; cx managers and admins edit them."""

    serializer_class = MomentSerializer
    filterset_class = MomentFilter
    organization_lookup = "cycle__organization_id__in"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return self.scoped(Moment.objects.select_related("cycle")).order_by("cycle_id", "position")

    def create(self, request: Request) -> Response:
        data = MomentCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        cycle = data.validated_data["cycle"]
        self.check_object_permissions(request, cycle)
        moment = services.moment_add(**data.validated_data)
        return Response(MomentSerializer(moment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        moment = self.get_object()
        data = MomentUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        moment = services.moment_update(moment=moment, **data.validated_data)
        return Response(MomentSerializer(moment).data)

    def destroy(self, request: Request, pk=None) -> Response:
        moment = self.get_object()
        services.moment_remove(moment=moment)
        return Response(status=status.HTTP_204_NO_CONTENT)
