"""REST API of invitations (/api/v1/invitations/): how admins bring people in.

Admins only, from a browser session (API tokens have no scope for it). An
invitation names an e-mail address and a role; the link goes to that address
by e-mail and never appears in an answer. Answers never say whether anyone
has an account with the address (journeys.invitations).
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from momento.api.errors import OBJECT_READ_ERRORS, OBJECT_WRITE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_responses
from momento.api.scoping import ScopedQuerysetMixin

from .. import invitations
from ..models import Invitation, Membership
from ..permissions import MANAGE, request_organization_ids, request_organizations, request_person


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = serializers.SerializerMethodField(help_text="Username of the admin who sent it last.")
    expired = serializers.SerializerMethodField(help_text="True once the link has expired: resend it.")

    class Meta:
        model = Invitation
        fields = ["id", "organization", "email", "role", "invited_by", "created_at", "sent_at", "expires_at",
                  "expired"]
        read_only_fields = fields

    def get_invited_by(self, invitation: Invitation) -> str | None:
        return invitation.invited_by.get_username() if invitation.invited_by is not None else None

    def get_expired(self, invitation: Invitation) -> bool:
        return invitations.invitation_is_expired(invitation)


class InvitationSentSerializer(InvitationSerializer):
    email_sent = serializers.BooleanField(
        help_text="False when the e-mail could not be sent (the invitation is saved: resend it).")

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "email_sent"]
        read_only_fields = fields


def _sent(result: invitations.InvitationSent) -> dict:
    data = InvitationSerializer(result.invitation).data
    data["email_sent"] = result.emailed
    return data


class InvitationCreateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Invitation.objects.none(),
                                                      help_text="One of your organizations where you are admin.")
    email = serializers.CharField(max_length=254, help_text="Where the link goes. Inviting an address with a "
                                  "pending invitation replaces its link and role.")
    role = serializers.ChoiceField(choices=Membership.Role.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organization"].queryset = request_organizations(request, MANAGE)


class InvitationFilter(django_filters.FilterSet):
    class Meta:
        model = Invitation
        fields = ["organization", "role"]


@extend_schema_view(
    list=extend_schema(summary="Pending invitations of the organizations you administer",
                       responses={200: InvitationSerializer, **error_responses(*READ_ERRORS)}),
    retrieve=extend_schema(summary="One pending invitation",
                           responses={200: InvitationSerializer, **error_responses(*OBJECT_READ_ERRORS)}),
    create=extend_schema(
        summary="Invite an e-mail address to join with a role",
        description=("Sends the invitee a link (valid for MOMENTO_INVITATION_DAYS, once). The answer is the same "
                     "whether or not someone has an account with this address; an address a member of the "
                     "organization already uses is a 400 on `email`."),
        request=InvitationCreateSerializer,
        responses={201: InvitationSentSerializer, **error_responses(*WRITE_ERRORS)}),
    destroy=extend_schema(summary="Revoke a pending invitation (its link stops working)",
                          responses={204: OpenApiResponse(description="Revoked."),
                                     **error_responses(*OBJECT_WRITE_ERRORS)}),
)
class InvitationViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Invitations to join an organization (admins only): pending ones are listed,
    can be resent (a new link; the old one stops working) or revoked."""

    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def capability_for(self, request) -> str:
        return MANAGE

    def get_queryset(self):
        return (Invitation.objects.filter(organization_id__in=request_organization_ids(self.request, MANAGE),
                                          accepted_at__isnull=True, revoked_at__isnull=True)
                .select_related("invited_by").order_by("organization_id", "email", "pk"))

    def create(self, request: Request) -> Response:
        data = InvitationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        result = invitations.invitation_create(
            organization=data.validated_data["organization"], email=data.validated_data["email"],
            role=data.validated_data["role"], invited_by=request_person(request),
            language=getattr(request, "LANGUAGE_CODE", ""),
        )
        return Response(_sent(result), status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk=None) -> Response:
        invitations.invitation_revoke(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Send a pending invitation again, with a new link (the old one stops working)",
                   request=None, responses={200: InvitationSentSerializer, **error_responses(*OBJECT_WRITE_ERRORS)})
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk=None) -> Response:
        result = invitations.invitation_resend(invitation=self.get_object(), invited_by=request_person(request),
                                               language=getattr(request, "LANGUAGE_CODE", ""))
        return Response(_sent(result))
