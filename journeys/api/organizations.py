"""REST API for organizations and their members (/api/v1/organizations/, /api/v1/members/).

Thin views: an input serializer checks shapes, one service in `journeys.services`
does the write, an output serializer answers. Querysets hold only the caller's
organizations (journeys.permissions), so another organization's object is 404.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, error_responses
from momento.api.scoping import ScopedQuerysetMixin

from .. import services
from ..models import Membership, Organization
from ..permissions import (
    MANAGE,
    request_organization_ids,
)

# --- Organizations ----------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role here; null when calling with an API token.")

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "role", "comment_analysis", "comment_language"]
        read_only_fields = fields
        extra_kwargs = {
            "comment_analysis": {"help_text": "Whether customers' comments are analysed for their words."},
            "comment_language": {"help_text": "auto (detected per comment), es or en."},
        }

    def get_role(self, organization: Organization) -> str | None:
        return self.context.get("roles", {}).get(organization.pk)


@extend_schema_view(
    list=extend_schema(summary="Organizations you belong to", responses={200: OrganizationSerializer,
                                                                        **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One organization", responses={200: OrganizationSerializer,
                                                                 **error_responses(*OBJECT_READ_ERRORS)}),
)
class OrganizationViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Organizations you belong to (a token: its own), with your role in each."""

    serializer_class = OrganizationSerializer
    organization_lookup = "pk__in"
    lookup_value_regex = r"\d+"
    filter_backends: list = []

    def get_queryset(self):
        return self.scoped(Organization.objects.all()).order_by("name", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request, "user", None) is not None and self.request.user.pk is not None:
            context["roles"] = dict(
                Membership.objects.filter(user=self.request.user).values_list("organization_id", "role")
            )
        return context


# --- Members ------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.get_username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organization", "user", "username", "email", "role", "created_at"]
        read_only_fields = fields


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MembershipFilter(django_filters.FilterSet):
    class Meta:
        model = Membership
        fields = ["organization", "role"]


@extend_schema_view(
    list=extend_schema(summary="Members of the organizations you administer",
                       responses={200: MembershipSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One member",
                           responses={200: MembershipSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    partial_update=extend_schema(summary="Change a member's role (an organization keeps at least one admin)",
                                 request=MembershipUpdateSerializer,
                                 responses={200: MembershipSerializer, **error_responses(*OBJECT_WRITE_ERRORS)}),
    destroy=extend_schema(summary="Remove a member (never the last admin)",
                          responses={204: None, **error_responses(*OBJECT_WRITE_ERRORS)}),
)
class MembershipViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Admins manage who belongs to their organization and with which role; from a
    browser session only (API tokens have no scope for it). People join through
    invitations (/api/v1/invitations/): there is no "add by username", which
    would tell an admin who has an account elsewhere."""

    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def capability_for(self, request) -> str:
        return MANAGE

    def get_queryset(self):
        return (Membership.objects.filter(organization_id__in=request_organization_ids(self.request, MANAGE))
                .select_related("user").order_by("organization_id", "user__username", "pk"))

    def partial_update(self, request: Request, pk=None) -> Response:
        membership = self.get_object()
        data = MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_role_set(membership=membership, role=data.validated_data["role"])
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request: Request, pk=None) -> Response:
        services.membership_remove(membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
