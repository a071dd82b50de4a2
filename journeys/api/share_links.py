"""REST API for a cycle's read-only share links (/api/v1/cycles/{id}/share-links/).

CX managers and admins (`edit`) list, make and revoke them, from a session only:
no token scope grants `edit`. The URL is in the creation's answer and nowhere
else (only the token's hash is stored). Another organization's cycle or link is
404; a cycle the caller may read but not edit is 403.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, error_responses
from momento.api.scoping import CapabilityMixin

from ..models import ServiceCycle, ShareLink
from ..permissions import EDIT, READ, request_organization_ids, request_person
from ..share_links import share_link_create, share_link_is_live, share_link_revoke, share_links_for_cycle


class ShareLinkSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField(help_text="Neither revoked nor expired: the link opens.")

    class Meta:
        model = ShareLink
        fields = ["id", "cycle", "name", "period_start", "period_end", "include_comments", "expires_at",
                  "revoked_at", "created_by", "created_at", "active"]
        read_only_fields = fields

    def get_active(self, link: ShareLink) -> bool:
        return share_link_is_live(link)


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    url = serializers.URLField(read_only=True, help_text="The link, in this answer only: keep it now.")

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields


class ShareLinkCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 help_text="Whom it is for, to tell links apart.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                           help_text="Default: MOMENTO_SHARE_LINK_DAYS (30) days from now; at most "
                                                     "365 days.")
    period_start = serializers.DateField(required=False, allow_null=True, default=None,
                                         help_text="A fixed period (with period_end): the visitor cannot change it.")
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    include_comments = serializers.BooleanField(required=False, default=False,
                                                help_text="Show customers' words and verbatims (off: figures only).")


class _CycleShareLinksMixin(CapabilityMixin):
    """Every method needs `edit` in the cycle's organization."""

    def capability_for(self, request) -> str:
        return EDIT

    def cycle(self, request: Request, pk: int) -> ServiceCycle:
        cycle = get_object_or_404(
            ServiceCycle.objects.filter(organization_id__in=request_organization_ids(request, READ)), pk=pk)
        self.check_object_permissions(request, cycle)  # type: ignore[attr-defined]
        return cycle


class CycleShareLinksView(_CycleShareLinksMixin, APIView):
    """A cycle's read-only links (CX managers and admins, from a session)."""

    @extend_schema(operation_id="cycle_share_links_list", tags=["share links"],
                   summary="A cycle's read-only share links, newest first (revoked and expired ones too)",
                   responses={200: ShareLinkSerializer(many=True), **error_responses(*OBJECT_READ_ERRORS)})
    def get(self, request: Request, pk: int) -> Response:
        cycle = self.cycle(request, pk)
        return Response(ShareLinkSerializer(share_links_for_cycle(cycle=cycle), many=True).data)

    @extend_schema(operation_id="cycle_share_links_create", tags=["share links"],
                   summary="Make a read-only link to the cycle's map and dashboard (the URL is in this answer only)",
                   request=ShareLinkCreateSerializer,
                   responses={201: ShareLinkCreatedSerializer, **error_responses(*OBJECT_WRITE_ERRORS)})
    def post(self, request: Request, pk: int) -> Response:
        cycle = self.cycle(request, pk)
        data = ShareLinkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link, token = share_link_create(cycle=cycle, created_by=request_person(request), **data.validated_data)
        url = request.build_absolute_uri(reverse("analytics:shared_map", args=[token]))
        return Response({**ShareLinkSerializer(link).data, "url": url}, status=status.HTTP_201_CREATED)


class CycleShareLinkDetailView(_CycleShareLinksMixin, APIView):
    """One read-only link of a cycle; DELETE revokes it at once."""

    def link(self, request: Request, pk: int, share_link_pk: int) -> ShareLink:
        return get_object_or_404(ShareLink.objects.filter(cycle=self.cycle(request, pk)), pk=share_link_pk)

    @extend_schema(operation_id="cycle_share_links_retrieve", tags=["share links"], summary="One share link",
                   responses={200: ShareLinkSerializer, **error_responses(*OBJECT_READ_ERRORS)})
    def get(self, request: Request, pk: int, share_link_pk: int) -> Response:
        return Response(ShareLinkSerializer(self.link(request, pk, share_link_pk)).data)

    @extend_schema(operation_id="cycle_share_links_revoke", tags=["share links"],
                   summary="Revoke a share link at once (its next visit is a 404)",
                   responses={204: None, **error_responses(*OBJECT_READ_ERRORS)})
    def delete(self, request: Request, pk: int, share_link_pk: int) -> Response:
        share_link_revoke(link=self.link(request, pk, share_link_pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = ["CycleShareLinkDetailView", "CycleShareLinksView"]
